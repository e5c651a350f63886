//! The `registry` binary: `serve` (the default), `migrate`, `create-user`, `backup`,
//! `reminders`, `import`.

mod cli_import;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use actix_web::web;
use clap::{Args, Parser, Subcommand};
use registry::auth::policy::Role;
use registry::config::{LogFormat, Settings};
use registry::db;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "registry",
    version,
    about = "Training, accreditation and supervision registry for NHS Talking Therapies"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a user with a login. The password is read from standard input (or prompted for on
    /// a terminal), never from the command line.
    ///
    /// An admin needs only an email. Anyone else is checked as `POST /api/v1/practitioners`
    /// checks them: a service, a practitioner role, a stage and a WTE.
    CreateUser(NewUser),
    /// Copy the SQLite database to a new file while the registry runs (consistent: one read
    /// transaction). On PostgreSQL use pg_dump (see the README).
    Backup {
        /// The new file to write (it must not exist).
        path: std::path::PathBuf,
    },
    /// Import: `import practitioners FILE` brings people in from a staff list (CSV).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Reminders: `reminders run` scans for lapses and sends the emails now.
    Reminders {
        #[command(subcommand)]
        action: RemindersAction,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// People from a staff list: all or nothing, idempotent by email; new people are invited.
    Practitioners(cli_import::ImportArgs),
}

#[derive(Subcommand)]
enum RemindersAction {
    /// Scan for lapses, queue and deliver reminders.
    Run {
        /// Print what would be sent; change and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// What `--help` says of the configuration: where it is read from, and every variable.
fn configuration_help() -> String {
    let mut out = String::from(
        "Configuration: built-in defaults, then config/default.toml and config/local.toml in the \
         folder REGISTRY_CONFIG_DIR names (default: config), then these environment variables:\n",
    );
    for (key, env) in Settings::KEYS {
        if let Some(env) = env {
            out.push_str(&format!("  {env:<34} (file key: {key})\n"));
        }
    }
    out.push_str(
        "Every other setting is a key of config/default.toml, which lists them all with their \
         defaults. RUST_LOG sets the log filter (default info).",
    );
    out
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command()
        .after_long_help(configuration_help())
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let settings = match Settings::from_process_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("registry: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::CreateUser(user) => create_user(&settings, user),
        Command::Backup { path } => backup(&settings, &path),
        Command::Reminders {
            action: RemindersAction::Run { dry_run },
        } => reminders(settings, dry_run),
        Command::Import {
            what: ImportWhat::Practitioners(args),
        } => cli_import::run(settings, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("registry: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let bind = settings.bind.clone();
    tracing::info!(settings = ?settings, "starting");
    // Bound first: a port already in use stops start-up before anything is migrated or written.
    let listener =
        std::net::TcpListener::bind(&bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let state = web::block(move || registry::build_state(settings))
            .await
            .map_err(|e| e.to_string())??;
        tracing::info!(mail = state.mailer.describe(), "ready");
        registry::reminders::schedule(state.clone());
        let data = web::Data::new(state);
        let server = registry::server(data.clone(), listener)?;
        tracing::info!(address = %bind, "listening");
        server.await.map_err(|e| format!("server error: {e}"))?;
        // Emails a request queued and began to send are finished, not cut off mid-exchange.
        if !data.settled(std::time::Duration::from_secs(30)).await {
            tracing::warn!(
                "stopped with emails still sending; the outbox sends them at the next start"
            );
        }
        tracing::info!("stopped");
        Ok(())
    })
}

fn backup(settings: &Settings, path: &std::path::Path) -> Result<(), String> {
    let pool = db::connect(
        &settings.database_url,
        1,
        settings.db_connect_timeout_secs,
        &settings.data_dir,
    )?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::backup(&mut conn, path)?;
    println!("backed up to {}", path.display());
    Ok(())
}

fn reminders(settings: Settings, dry_run: bool) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let state = web::block(move || registry::build_state(settings))
            .await
            .map_err(|e| e.to_string())??;
        if dry_run {
            let would = registry::reminders::dry_run(&state)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "dry run: {} new reminders would be queued; nothing was changed or sent",
                would.len()
            );
            for (recipient, kind, summary) in would {
                println!("{recipient}\t{kind}\t{summary}");
            }
        } else {
            let r = registry::reminders::run(&state, registry::reminders::Trigger::Now)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "detected {}, queued {}, sent {}, failed {}",
                r.detected, r.queued, r.sent, r.failed
            );
        }
        Ok(())
    })
}

fn open(settings: &Settings) -> Result<db::Pool, String> {
    db::connect(
        &settings.database_url,
        1,
        settings.db_connect_timeout_secs,
        &settings.data_dir,
    )
}

fn migrate(settings: &Settings) -> Result<(), String> {
    let pool = open(settings)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let applied = db::migrate(&mut conn)?;
    if applied.is_empty() {
        println!("the database is up to date");
    }
    for m in applied {
        println!("applied {m}");
    }
    Ok(())
}

fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| e.to_string())?;
        Ok(s.lines().next().unwrap_or("").to_string())
    }
}

#[derive(Args)]
struct NewUser {
    #[arg(long)]
    email: String,
    /// Default "Administrator" for an admin; required for anyone else.
    #[arg(long)]
    full_name: Option<String>,
    /// Comma-separated: admin, training_lead, supervisor, practitioner.
    #[arg(long, value_delimiter = ',', default_value = "admin")]
    roles: Vec<String>,
    /// The service (team) the user belongs to.
    #[arg(long)]
    service_id: Option<String>,
    /// pwp, cbt_therapist, counsellor, couple_therapist, dit_practitioner or ipt_practitioner.
    #[arg(long)]
    practitioner_role: Option<String>,
    /// trainee or qualified.
    #[arg(long)]
    stage: Option<String>,
    /// Whole-time equivalent, 0.1 to 1.0.
    #[arg(long)]
    wte: Option<f64>,
    /// Start in post, YYYY-MM-DD (default today).
    #[arg(long)]
    started_on: Option<String>,
}

/// One line per problem, as the API would list them.
fn describe(e: registry::http::AppError) -> String {
    use registry::http::AppError;
    match e {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict(m) | AppError::Internal(m) => m,
        other => other.to_string(),
    }
}

fn create_user(settings: &Settings, u: NewUser) -> Result<(), String> {
    let roles = u
        .roles
        .iter()
        .map(|r| Role::parse(r.trim()).ok_or_else(|| format!("unknown role {r:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let admin_only = !roles.is_empty() && roles.iter().all(|r| *r == Role::Admin);
    // Everyone but a bare admin goes through the API's own checks: build its request body, so
    // a missing or bad value is reported exactly as the API would.
    let person = if admin_only {
        None
    } else {
        let mut body = serde_json::json!({
            "email": u.email, "full_name": u.full_name, "service_id": u.service_id,
            "practitioner_role": u.practitioner_role, "stage": u.stage, "wte": u.wte,
            "roles": roles, "started_on": u.started_on,
        });
        if let Some(map) = body.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
        let parsed: registry::people::NewPractitioner =
            registry::http::parse_json(&bytes).map_err(describe)?;
        registry::http::validate(&parsed).map_err(describe)?;
        Some(parsed)
    };
    let password = read_password()?;
    registry::auth::password::check_strength(&password).map_err(|e| format!("password {e}"))?;
    let hash = registry::auth::password::hash(&password)?;
    let pool = open(settings)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::migrate(&mut conn)?;
    let now = registry::app::now();
    let created = db::write_tx(&mut conn, |conn| match person {
        Some(p) => registry::people::create_person(conn, None, p, Some(&hash), now),
        None => registry::people::create_admin(
            conn,
            &u.email,
            u.full_name.as_deref().unwrap_or("Administrator"),
            &hash,
            now,
        ),
    })
    .map_err(describe)?;
    println!("created user {} ({})", created.0.email, created.0.id);
    Ok(())
}
