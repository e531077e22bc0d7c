//! `kin serve`: the lineage store over HTTP until stopped (docs/api.md).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use kin::lineage::kin_store::StoreLocation;

use crate::command_error::CommandError;
use crate::printer::Printer;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; beyond loopback every request needs the token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: SocketAddr,
    /// Serve this store (a SQLite path or a postgres:// URL) instead of the repository's.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// A file holding the bearer token writes need (default: $KIN_SERVE_TOKEN).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Also run the repository's schedules when due, as `kin scheduler` does.
    #[arg(long)]
    pub scheduler: bool,
}

pub fn cmd_serve(printer: Printer, cwd: &Path, args: &ServeArgs) -> Result<(), CommandError> {
    // A store given by URL needs no repository; without one, the repository is required.
    let (repo, store) = match (&args.store, kin::Repo::discover(cwd)) {
        (Some(url), found) => (found.ok(), StoreLocation::parse(url, cwd)?),
        (None, Ok(repo)) => {
            let store = kin::lineage::store_location(repo.root())?;
            (Some(repo), store)
        }
        (None, Err(error)) => return Err(error.into()),
    };
    let namespace = match &repo {
        Some(repo) => kin::lineage::openlineage_namespace(repo.root())?,
        None => "kin".to_owned(),
    };
    let token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CommandError::failure(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?;
            if text.trim().is_empty() {
                return Err(CommandError::failure(format!(
                    "the token file {} is empty",
                    path.display()
                )));
            }
            Some(text)
        }
        None => std::env::var(kin::env::KIN_SERVE_TOKEN)
            .ok()
            .filter(|text| !text.trim().is_empty()),
    };
    // One line per request on stderr, as the server logs them.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    let location = store.describe();
    let scheduler = match (&repo, args.scheduler) {
        (Some(repo), true) => Some(scheduler_options(printer, repo)?),
        (None, true) => {
            return Err(CommandError::usage(
                "--scheduler runs a repository's schedules: run `kin serve` in one",
            ));
        }
        (_, false) => None,
    };
    let options = kin_server::ServeOptions {
        addr: args.addr,
        store,
        repo,
        token,
        namespace,
    };
    let stop = scheduler.as_ref().map(|options| Arc::clone(&options.stop));
    let mut running = None;
    let served = kin_server::serve(options, |bound| {
        let mut out = printer.stdout();
        let _ = writeln!(
            out,
            "kin serve: listening on http://{bound} (store: {location})"
        );
        let _ = out.flush();
        // The scheduler starts once the server listens: its first firing's output comes
        // after the line that says where.
        if let Some(options) = scheduler {
            running = Some(std::thread::spawn(move || {
                if let Err(e) = kin_server::scheduler::run_until_stopped(options) {
                    let _ = writeln!(printer.stderr(), "kin serve: the scheduler stopped: {e}");
                }
            }));
        }
    });
    // Stopped with the server: running firings are asked to stop, and killed after their
    // grace period.
    if let Some(stop) = stop {
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    if let Some(thread) = running {
        let _ = thread.join();
    }
    let served = served.map_err(|e| {
        let hint = matches!(e, kin_server::ServeError::TokenRequired { .. })
            .then_some("give a token with --token-file or KIN_SERVE_TOKEN, or listen on 127.0.0.1");
        CommandError::failure(e.to_string()).with_optional_hint(hint)
    })?;
    writeln!(
        printer.stderr(),
        "kin serve: stopped after {} requests",
        served.requests
    )?;
    Ok(())
}

/// The scheduler's settings for the served repository; its lines go to stderr, beside the
/// request log.
fn scheduler_options(
    printer: Printer,
    repo: &kin::Repo,
) -> Result<kin_server::scheduler::SchedulerOptions, CommandError> {
    Ok(kin_server::scheduler::SchedulerOptions {
        root: repo.root().to_path_buf(),
        schedules: super::schedule::schedules(repo)?,
        kin: super::schedule::kin_executable()?,
        stop: Arc::new(AtomicBool::new(false)),
        report: Arc::new(move |line: &str| {
            let _ = writeln!(printer.stderr(), "{line}");
        }),
    })
}
