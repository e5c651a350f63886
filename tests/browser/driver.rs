//! Chromium under chromedriver for one test, and axe-core injected into its pages.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// What the browser tests need, or the one line saying what is missing.
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: PathBuf,
}

fn from_env(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

impl Tools {
    /// The tools, or `None` after saying why the test is skipped (a failure when required).
    pub fn find() -> Option<Tools> {
        let t = Tools {
            chromium: from_env("REGISTRY_TEST_CHROMIUM", "/usr/bin/chromium"),
            chromedriver: from_env("REGISTRY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"),
            axe: Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
        };
        let missing: Vec<String> = [
            (&t.chromium, "Chromium (apt install chromium)"),
            (
                &t.chromedriver,
                "ChromeDriver (apt install chromium-driver)",
            ),
            (&t.axe, "axe-core (npm ci)"),
        ]
        .iter()
        .filter(|(p, _)| !p.exists())
        .map(|(p, what)| format!("{what} at {}", p.display()))
        .collect();
        if missing.is_empty() {
            return Some(t);
        }
        let why = format!("browser tests skipped: no {}", missing.join(", no "));
        if std::env::var("REGISTRY_TEST_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{why}; REGISTRY_TEST_REQUIRE_BROWSER=1 requires them");
        }
        eprintln!("{why}");
        None
    }
}

/// A headless Chromium session; chromedriver is stopped when it is dropped.
pub struct Browser {
    pub c: Client,
    driver: Child,
    axe: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    pub async fn start(tools: &Tools) -> Browser {
        Browser::start_with(tools, &[]).await
    }

    /// A browser with page scripts turned off, as some NHS machines have them.
    pub async fn without_scripts(tools: &Tools) -> Browser {
        Browser::start_with(
            tools,
            &["--blink-settings=scriptEnabled=false", "--lang=en-US"],
        )
        .await
    }

    async fn start_with(tools: &Tools, extra: &[&str]) -> Browser {
        let port = free_port();
        let driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let mut caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!("an object"),
        };
        if let Some(args) = caps
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.get_mut("args"))
            .and_then(Value::as_array_mut)
        {
            args.extend(extra.iter().map(|a| json!(a)));
        }
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            // chromedriver is on loopback: plain HTTP, no TLS stack.
            let plain = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(plain)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    return Browser {
                        c,
                        driver,
                        axe: std::fs::read_to_string(&tools.axe).expect("axe.min.js"),
                        _profile: profile,
                    }
                }
                Err(e) => last = Some(e),
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer: {last:?}");
    }

    pub async fn open(&self, url: &str) {
        self.c.goto(url).await.expect("the page opens");
    }

    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("a url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .expect("a body")
            .text()
            .await
            .expect("its text")
    }

    pub async fn fill(&self, id: &str, value: &str) {
        let e = self
            .c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("a field #{id}"));
        e.clear().await.expect("cleared");
        e.send_keys(value).await.expect("typed");
    }

    /// An attribute of the first element matching `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("an element {css}"))
            .attr(name)
            .await
            .expect("read")
            .unwrap_or_default()
    }

    /// The browser's cookies for this site, as a `Cookie` header: what it sends with a
    /// download link it follows.
    pub async fn cookie_header(&self) -> String {
        self.c
            .get_all_cookies()
            .await
            .expect("cookies")
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Chooses a file for a file field (the browser reads it from this machine's disk).
    pub async fn attach(&self, id: &str, path: &std::path::Path) {
        self.c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("a file field #{id}"))
            .send_keys(&path.display().to_string())
            .await
            .expect("attached");
    }

    /// Sets a field's value through a script: a date field takes keystrokes in the browser
    /// locale's order, so a test sets it whole.
    pub async fn set(&self, id: &str, value: &str) {
        self.c
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![json!(id), json!(value)],
            )
            .await
            .expect("set");
    }

    pub async fn choose(&self, id: &str, value: &str) {
        self.c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("a select #{id}"))
            .select_by_value(value)
            .await
            .expect("chosen");
    }

    /// Waits for the page that replaces `old` to load.
    async fn replaced(&self, old: fantoccini::elements::Element) {
        for _ in 0..200 {
            if old.tag_name().await.is_err() {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
        for _ in 0..200 {
            let ready = self
                .c
                .execute("return document.readyState;", vec![])
                .await
                .ok();
            if ready.as_ref().and_then(Value::as_str) == Some("complete") {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn root(&self) -> fantoccini::elements::Element {
        self.c.find(Locator::Css("html")).await.expect("a page")
    }

    /// Follows a link to another page.
    pub async fn follow(&self, css: &str) {
        let old = self.root().await;
        self.click(css).await;
        self.replaced(old).await;
    }

    /// Clicks something that stays on the page (a checkbox, a link within it).
    pub async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("an element {css}"))
            .click()
            .await
            .expect("clicked");
    }

    /// Presses a form's button and waits for the page it leads to.
    pub async fn press(&self, button_text: &str) {
        let old = self.root().await;
        let xpath = format!("//button[normalize-space()='{button_text}']");
        self.c
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|_| panic!("a button '{button_text}'"))
            .click()
            .await
            .expect("pressed");
        self.replaced(old).await;
    }

    /// Runs axe-core on the page: every violation of the WCAG 2.2 A and AA rules, in words.
    pub async fn violations(&self) -> Vec<String> {
        self.c
            .execute(&self.axe, vec![])
            .await
            .expect("axe-core loads");
        let found = self
            .c
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
                  .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                  .catch(e => done(['axe failed: ' + e]));"#,
                vec![],
            )
            .await
            .expect("axe-core runs");
        serde_json::from_value(found).unwrap_or_else(|e| vec![format!("axe answered oddly: {e}")])
    }

    /// Addresses the page fetched from anywhere but `base`.
    pub async fn requests_elsewhere(&self, base: &str) -> Vec<String> {
        let names = self
            .c
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name);",
                vec![],
            )
            .await
            .expect("resource timings");
        let names: Vec<String> = serde_json::from_value(names).unwrap_or_default();
        names.into_iter().filter(|n| !n.starts_with(base)).collect()
    }

    /// What sticks out past the right edge of the window (the page should never scroll
    /// sideways, at any width: a wide table scrolls inside its own region).
    pub async fn wider_than_window(&self) -> Vec<String> {
        let v = self
            .c
            .execute(
                r#"if (document.documentElement.scrollWidth <= window.innerWidth + 1) { return []; }
                const out = [];
                for (const e of document.querySelectorAll('body *')) {
                  const r = e.getBoundingClientRect();
                  if (r.right > window.innerWidth + 1 && !e.closest('.table-wrap table')) {
                    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ends at ' + Math.round(r.right));
                  }
                }
                return out.length ? out.slice(0, 5) : ['the page is ' + document.documentElement.scrollWidth + ' px wide'];"#,
                vec![],
            )
            .await
            .expect("widths");
        serde_json::from_value(v).unwrap_or_default()
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.c
            .set_window_size(width, height)
            .await
            .expect("resized");
    }

    pub async fn screenshot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), png);
    }
}
