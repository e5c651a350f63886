//! `registry import practitioners FILE [--service ID] [--dry-run] [--map FIELD=HEADER]`: the
//! same import as `POST /api/v1/imports/practitioners`, run by the operator (audited with no
//! actor, as the command line). A progress bar on a terminal, plain lines otherwise, a summary
//! at the end, and a non-zero exit on any problem.

use std::io::IsTerminal;

use actix_web::web;
use registry::auth::policy::Importer;
use registry::config::Settings;
use registry::imports::{ImportOptions, ImportReport};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The staff list: CSV with a header row.
    pub file: std::path::PathBuf,
    /// The service for rows that name none.
    #[arg(long)]
    pub service: Option<String>,
    /// Check every row and print the report; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A column whose header differs: `--map email="Work Email"` (repeat as needed).
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,
}

fn mapping(map: &[String]) -> Result<Vec<(String, String)>, String> {
    map.iter()
        .map(|m| {
            m.split_once('=')
                .map(|(f, h)| (f.trim().to_string(), h.trim().to_string()))
                .ok_or_else(|| {
                    format!("--map {m:?}: write it FIELD=HEADER, e.g. email=\"Work Email\"")
                })
        })
        .collect()
}

fn print_report(report: &ImportReport) {
    for e in &report.errors {
        let place = match (e.row, &e.column) {
            (Some(r), Some(c)) => format!("row {r}, {c}"),
            (Some(r), None) => format!("row {r}"),
            (None, Some(c)) => c.clone(),
            (None, None) => "file".into(),
        };
        println!("{place}: {}", e.message);
    }
    if !report.ignored_columns.is_empty() {
        println!("columns not read: {}", report.ignored_columns.join(", "));
    }
}

pub fn run(settings: Settings, args: ImportArgs) -> Result<(), String> {
    let limit = settings.import_max_bytes;
    let size = std::fs::metadata(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?
        .len();
    if size > limit as u64 {
        return Err(format!(
            "{} is {} KiB, over the {} KiB an import takes (import_max_bytes)",
            args.file.display(),
            size / 1024,
            limit / 1024
        ));
    }
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let options = ImportOptions {
        dry_run: args.dry_run,
        service_id: args.service,
        mapping: mapping(&args.map)?,
    };
    let terminal = std::io::stderr().is_terminal();
    actix_web::rt::System::new().block_on(async move {
        let state = web::block(move || registry::build_state(settings))
            .await
            .map_err(|e| e.to_string())??;
        let inviting = registry::people::Inviting {
            keys: state.tokens.clone(),
            ttl_days: state.settings.invitation_ttl_days,
        };
        let at = state.clock.now();
        let bar = if terminal {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} rows ({eta} left)",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message("writing");
            Some(bar)
        } else {
            None
        };
        let shown = bar.clone();
        let dry_run = options.dry_run;
        let work = move |conn: &mut registry::db::DbConn| {
            let progress = |done: usize, total: usize| match &shown {
                Some(bar) => {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                }
                None if done.is_multiple_of(1000) || done == total => {
                    println!("written {done} of {total} rows")
                }
                None => {}
            };
            registry::imports::import_practitioners(
                conn,
                &Importer::Operator,
                &bytes,
                &options,
                &inviting,
                at,
                &progress,
            )
        };
        println!("checking {}", args.file.display());
        let started = std::time::Instant::now();
        let report = if dry_run {
            state.db(work).await
        } else {
            state.write(work).await
        }
        .map_err(|e| e.to_string())?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        print_report(&report);
        if !report.errors.is_empty() {
            return Err(format!(
                "{} problems in the file; nothing was imported",
                report.errors.len()
            ));
        }
        if dry_run {
            println!(
                "dry run: {} would be created, {} updated, {} unchanged; nothing was written",
                report.created, report.updated, report.unchanged
            );
            return Ok(());
        }
        println!(
            "imported: {} created, {} updated, {} unchanged, in {:.1} s",
            report.created,
            report.updated,
            report.unchanged,
            started.elapsed().as_secs_f64()
        );
        if report.created > 0 {
            let sending = std::time::Instant::now();
            match registry::outbox::deliver(&state).await {
                Ok((sent, failed)) => println!(
                    "invitations: {sent} sent, {failed} not sent yet (the outbox retries them), in {:.1} s",
                    sending.elapsed().as_secs_f64()
                ),
                Err(e) => println!(
                    "invitations queued but not sent yet ({e}); the server's outbox sends them"
                ),
            }
        }
        Ok(())
    })
}
