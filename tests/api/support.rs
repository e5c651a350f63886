//! The test harness: each test gets a fresh database on the backend it runs on, a real SMTP
//! receiver on loopback, and the real app, driven over HTTP requests with real tokens.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, web};
use diesel::{Connection, RunQueryDsl};
use registry::config::Settings;
use registry::AppState;
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@registry.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "a-long-password-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on both backends, as `NAME::sqlite` and `NAME::postgres`.
/// PostgreSQL is skipped when it cannot be reached, unless `REGISTRY_TEST_REQUIRE_POSTGRES=1`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(t) = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await {
                    $crate::support::run_settled(t, super::$name).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(t) = $crate::support::TestApp::start($crate::support::Backend::Postgres).await {
                    $crate::support::run_settled(t, super::$name).await;
                }
            }
        }
    )*};
}

/// Runs a test body, then waits for the emails it started sending, even when the body failed:
/// an SMTP exchange cut off by the runtime's end would abort the whole test binary.
pub async fn run_settled<F, Fut>(t: TestApp, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures_util::FutureExt;
    let state = t.state.clone();
    let outcome = std::panic::AssertUnwindSafe(body(t)).catch_unwind().await;
    state.settled(std::time::Duration::from_secs(10)).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A throw-away database, dropped with the test.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

pub fn pg_admin_url() -> String {
    std::env::var("REGISTRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_timeout(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout=3")
}

/// Databases this process made start with its id, so a later run can tell a crashed run's
/// leftovers (whose process is gone) from another live run's.
fn pg_prefix() -> String {
    format!("registry_test_{}_", std::process::id())
}

fn pg_url_for(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).expect("admin url");
    url.set_path(name);
    url.to_string()
}

/// Drops the databases of test runs whose process has ended (crashed or killed runs).
fn sweep_leftovers(conn: &mut diesel::PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'registry\\_test\\_%'",
    )
    .load(conn)
    .unwrap_or_default();
    for n in names {
        let pid = n
            .datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                n.datname
            ))
            .execute(conn);
        }
    }
}

/// One migrated (and seeded) template a test process; each test clones it, which is much
/// cheaper than migrating from nothing. Made once, after sweeping crashed runs' leftovers.
fn pg_template(admin_url: &str) -> Result<String, String> {
    static TEMPLATE: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            use diesel_migrations::MigrationHarness;
            let mut conn = diesel::PgConnection::establish(&with_timeout(admin_url))
                .map_err(|e| e.to_string())?;
            sweep_leftovers(&mut conn);
            let name = format!("{}template", pg_prefix());
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut conn)
                .map_err(|e| e.to_string())?;
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .map_err(|e| e.to_string())?;
            let mut tpl = diesel::PgConnection::establish(&pg_url_for(admin_url, &name))
                .map_err(|e| e.to_string())?;
            tpl.run_pending_migrations(registry::db::POSTGRES_MIGRATIONS)
                .map_err(|e| e.to_string())?;
            Ok(name)
        })
        .clone()
}

impl TestDb {
    /// `None` when PostgreSQL is not reachable and not required.
    pub fn create(backend: Backend) -> Option<(TestDb, String)> {
        Self::create_from(backend, true)
    }

    /// An empty database (no migrations), for tests of the migrations themselves.
    pub fn create_empty(backend: Backend) -> Option<(TestDb, String)> {
        Self::create_from(backend, false)
    }

    fn create_from(backend: Backend, migrated: bool) -> Option<(TestDb, String)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("registry.db").display());
                Some((TestDb::Sqlite(dir), url))
            }
            Backend::Postgres => {
                let admin_url = pg_admin_url();
                let unreachable = |e: String| {
                    if std::env::var("REGISTRY_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                        panic!("PostgreSQL is required (REGISTRY_TEST_REQUIRE_POSTGRES=1) but unreachable: {e}");
                    }
                    eprintln!("skipping the PostgreSQL run: {e}");
                };
                let mut conn = match diesel::PgConnection::establish(&with_timeout(&admin_url)) {
                    Ok(c) => c,
                    Err(e) => {
                        unreachable(e.to_string());
                        return None;
                    }
                };
                let name = format!("{}{}", pg_prefix(), uuid::Uuid::new_v4().simple());
                let statement = if migrated {
                    match pg_template(&admin_url) {
                        Ok(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
                        Err(e) => panic!("cannot make the template database: {e}"),
                    }
                } else {
                    format!("CREATE DATABASE {name}")
                };
                diesel::sql_query(statement)
                    .execute(&mut conn)
                    .expect("create database");
                let url = pg_url_for(&admin_url, &name);
                Some((TestDb::Postgres { admin_url, name }, url))
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = diesel::PgConnection::establish(&with_timeout(admin_url)) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// One email as the SMTP receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
struct Collect {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    buf: Vec<u8>,
}

impl mailin_embedded::Handler for Collect {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.buf.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let data = String::from_utf8_lossy(&self.buf).into_owned();
        if let Ok(mut inbox) = self.inbox.lock() {
            inbox.push(Received {
                to: std::mem::take(&mut self.to),
                data,
            });
        }
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on a free loopback port, for the life of the test process.
pub struct SmtpReceiver {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpReceiver {
    pub fn start() -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let handler = Collect {
            inbox: inbox.clone(),
            to: Vec::new(),
            buf: Vec::new(),
        };
        let mut server = mailin_embedded::Server::new(handler);
        server
            .with_name("receiver.test")
            .with_num_threads(32)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpReceiver { port, inbox }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits (up to 5 s) for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

impl Received {
    /// The token of the emailed sign-off link in this mail (quoted-printable undone).
    pub fn sign_off_token(&self) -> String {
        let data = self.data.replace("=\r\n", "").replace("=3D", "=");
        let start = data.find("/sign-off/").expect("a sign-off link") + "/sign-off/".len();
        data[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }

    /// The token of the invitation link in this mail (quoted-printable undone).
    pub fn invitation_token(&self) -> String {
        let data = self.data.replace("=\r\n", "").replace("=3D", "=");
        let start = data.find("token=").expect("an invitation link") + "token=".len();
        data[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// The fields a problem's `errors` name, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The answer to one request.
pub struct Res {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Res {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts an RFC 9457 problem with this status.
    #[track_caller]
    pub fn problem(self, status: u16) -> Value {
        let res = self.expect(status);
        assert_eq!(
            res.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        let p = res.json();
        for key in ["type", "title", "status", "detail"] {
            assert!(p.get(key).is_some(), "problem without {key}: {p}");
        }
        assert_eq!(p["status"], status);
        p
    }
}

thread_local! {
    /// The instant `start_at` pins the next app's clock to.
    static PINNED: std::cell::Cell<Option<chrono::NaiveDateTime>> = const { std::cell::Cell::new(None) };
}

fn settings_clock(_: &Settings) -> Option<chrono::NaiveDateTime> {
    PINNED.with(|p| p.get())
}

pub struct TestApp {
    pub backend: Backend,
    pub state: web::Data<AppState>,
    pub smtp: SmtpReceiver,
    pub admin: String,
    _db: TestDb,
    _data: tempfile::TempDir,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(
        backend: Backend,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (db, url) = TestDb::create(backend)?;
        Self::start_db(backend, db, url, tweak).await
    }

    /// An app whose clock stands still at `at`, so a test can pin "today".
    pub async fn start_at(backend: Backend, at: chrono::NaiveDateTime) -> Option<TestApp> {
        PINNED.with(|p| p.set(Some(at)));
        let t = Self::start(backend).await;
        PINNED.with(|p| p.set(None));
        t
    }

    /// An app on a fresh database reached at `url` instead (through a proxy, say).
    pub async fn start_on(
        backend: Backend,
        url: String,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (db, _) = TestDb::create(backend)?;
        let name = match &db {
            TestDb::Postgres { name, .. } => name.clone(),
            TestDb::Sqlite(_) => String::new(),
        };
        let mut url = url::Url::parse(&url).expect("url");
        url.set_path(&name);
        Self::start_db(backend, db, url.to_string(), tweak).await
    }

    async fn start_db(
        backend: Backend,
        db: TestDb,
        url: String,
        tweak: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let data = tempfile::tempdir().expect("data dir");
        let smtp = SmtpReceiver::start();
        let mut settings = Settings {
            database_url: registry::db::DbUrl::parse(&url).expect("a database URL"),
            data_dir: data.path().to_path_buf(),
            jwt_secret: Some("test-secret-test-secret-test-secret-0123".into()),
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
            mail_from: "registry@registry.test".into(),
            public_url: Some("https://registry.test".into()),
            db_pool_size: 4,
            ..Settings::default()
        };
        tweak(&mut settings);
        let clock = settings_clock(&settings);
        let mut state = web::block(move || registry::build_state(settings))
            .await
            .expect("blocking")
            .expect("the app starts");
        if let Some(at) = clock {
            state.clock = registry::app::Clock::Fixed(at);
        }
        let mut t = TestApp {
            backend,
            state: web::Data::new(state),
            smtp,
            admin: String::new(),
            _db: db,
            _data: data,
        };
        t.admin = t.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        Some(t)
    }

    /// Serves this test's app on a real loopback socket, as `registry serve` does.
    pub fn serve(&self) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = registry::server(self.state.clone(), listener).expect("server");
        actix_web::rt::spawn(server);
        addr
    }

    /// Sends one request to a freshly built app sharing this test's state.
    pub async fn send(&self, req: test::TestRequest) -> Res {
        let app = test::init_service(registry::build_app(self.state.clone())).await;
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let body = test::read_body(res).await.to_vec();
        Res {
            status,
            headers,
            body,
        }
    }

    /// Posts an HTML form, as a browser does.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(fields).expect("a form");
        self.send(
            test::TestRequest::default()
                .method(Method::POST)
                .uri(path)
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
    }

    /// Opens a page, signed out.
    pub async fn page(&self, path: &str) -> Res {
        self.send(test::TestRequest::default().method(Method::GET).uri(path))
            .await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Res {
        let mut req = test::TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Res {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login_pair(&self, email: &str, password: &str) -> Value {
        self.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
        .expect(200)
        .json()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        self.login_pair(email, password).await["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    pub async fn service(&self, name: &str) -> String {
        let res = self
            .post(
                "/api/v1/services",
                &self.admin,
                json!({"name": name, "provider": "Test NHS Foundation Trust"}),
            )
            .await;
        res.expect(201).json()["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    /// Creates a person with a password; returns (id, access token).
    pub async fn person(&self, service_id: &str, email: &str, roles: &[&str]) -> (String, String) {
        let body = json!({
            "email": email, "full_name": format!("Person {email}"), "service_id": service_id,
            "practitioner_role": "pwp", "stage": "qualified", "wte": 1.0, "roles": roles, "password": PASSWORD,
        });
        let created = self
            .post("/api/v1/practitioners", &self.admin, body)
            .await
            .expect(201)
            .json();
        let id = created["id"].as_str().expect("id").to_string();
        let token = self.login(email, PASSWORD).await;
        (id, token)
    }

    /// Creates a trainee PWP without a password, so an invitation is sent; returns the answer.
    pub async fn invite(&self, service_id: &str, email: &str) -> Value {
        self.post(
            "/api/v1/practitioners",
            &self.admin,
            json!({"email": email, "full_name": "Invited Person", "service_id": service_id,
                   "practitioner_role": "pwp", "stage": "trainee", "wte": 1.0}),
        )
        .await
        .expect(201)
        .json()
    }

    /// Records a completed supervisor-training course for `modality`, so the person may be named
    /// as supervisor on logs of supervisees of that modality.
    pub async fn train_supervisor(&self, person: &str, modality: &str, body: &str) {
        let course = json!({"title": format!("Supervising {modality}"), "provider": "Training provider", "modality": modality,
                            "body": body, "kind": "supervisor_training", "accredited_from": "2020-01-01", "accredited_until": "2099-12-31"});
        let c = self
            .post("/api/v1/courses", &self.admin, course)
            .await
            .expect(201)
            .json();
        let record = json!({"course_id": c["id"], "status": "completed", "started_on": "2021-01-01", "completed_on": "2021-06-30"});
        self.post(
            &format!("/api/v1/practitioners/{person}/training"),
            &self.admin,
            record,
        )
        .await
        .expect(201);
    }

    /// The id of the first competence of the first framework.
    pub async fn any_competence(&self) -> String {
        let frameworks = self
            .get("/api/v1/competency-frameworks", &self.admin)
            .await
            .expect(200)
            .json();
        let id = frameworks["items"][0]["id"].as_str().expect("a framework");
        let f = self
            .get(&format!("/api/v1/competency-frameworks/{id}"), &self.admin)
            .await
            .expect(200)
            .json();
        f["domains"][0]["competences"][0]["id"]
            .as_str()
            .expect("a competence")
            .to_string()
    }

    /// Runs SQL directly against the test database.
    pub fn sql(&self, statement: &str) {
        use diesel::connection::SimpleConnection;
        let mut conn = self.state.pool.get().expect("conn");
        conn.batch_execute(statement).expect("sql");
    }

    /// Runs SQL directly, answering the database's refusal instead of panicking.
    pub fn try_sql(&self, statement: &str) -> Result<(), String> {
        use diesel::connection::SimpleConnection;
        let mut conn = self.state.pool.get().expect("conn");
        conn.batch_execute(statement).map_err(|e| e.to_string())
    }

    pub fn count(&self, table_where: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.state.pool.get().expect("conn");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table_where}"))
            .get_result::<N>(&mut *conn)
            .expect("count")
            .n
    }
}

/// A browser signed in to the pages: its session cookie and its form token.
pub struct Browser<'a> {
    pub t: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

/// The value of a page's first hidden form-token field.
pub fn form_token(html: &str) -> String {
    let Some(at) = html.find("name=\"csrf\" value=\"") else {
        return String::new();
    };
    html[at + 19..].chars().take_while(|c| *c != '"').collect()
}

impl TestApp {
    /// Signs in through `POST /login` as a browser does; panics unless it is answered 303.
    pub async fn sign_in(&self, email: &str, password: &str) -> Browser<'_> {
        let res = self
            .form("/login", &[("email", email), ("password", password)])
            .await
            .expect(303);
        let set = res.header("set-cookie").expect("a session cookie");
        let cookie = set.split(';').next().unwrap_or_default().to_string();
        let mut b = Browser {
            t: self,
            cookie,
            csrf: String::new(),
        };
        let home = b.get("/").await.expect(200).text();
        b.csrf = form_token(&home);
        assert!(!b.csrf.is_empty(), "no form token on the home page");
        b
    }
}

impl Browser<'_> {
    pub async fn get(&self, path: &str) -> Res {
        self.t
            .send(
                test::TestRequest::default()
                    .method(Method::GET)
                    .uri(path)
                    .insert_header((header::COOKIE, self.cookie.clone())),
            )
            .await
    }

    /// Posts a form with the session's form token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no form token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(fields).expect("a form");
        self.t
            .send(
                test::TestRequest::default()
                    .method(Method::POST)
                    .uri(path)
                    .insert_header((header::COOKIE, self.cookie.clone()))
                    .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                    .set_payload(body),
            )
            .await
    }
}

/// Writes `raw` to a fresh connection to `addr` and answers whatever comes back before the
/// server closes it (or `wait` passes), off the test's own thread.
pub async fn raw_exchange(
    addr: std::net::SocketAddr,
    raw: Vec<u8>,
    wait: std::time::Duration,
) -> String {
    web::block(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(wait)).expect("timeout");
        let _ = s.write_all(&raw);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .expect("blocking")
}

/// A TCP proxy between the app and PostgreSQL that a test can cut and restore, to see what the
/// app answers while its database is gone.
pub struct CutProxy {
    pub port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    open: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl CutProxy {
    pub fn start(upstream: std::net::SocketAddr) -> CutProxy {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let open: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                if let Ok(mut list) = open2.lock() {
                    for s in [&client, &server] {
                        if let Ok(c) = s.try_clone() {
                            list.push(c);
                        }
                    }
                }
                for (mut from, mut to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ]
                .into_iter()
                .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        CutProxy { port, up, open }
    }

    /// Closes every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut list) = self.open.lock() {
            for s in list.drain(..) {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
