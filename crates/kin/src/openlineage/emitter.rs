//! Sends events in the background, in order, so that a repro never waits on a lineage
//! server: [`Emitter::emit`] only queues; [`Emitter::finish`] gives what is queued a short
//! time to go out and reports, as warnings, what failed or had to be dropped.

use std::io::Write;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use super::Transport;

/// Failures told one by one before they are only counted.
const TOLD_FAILURES: usize = 3;

pub struct Emitter {
    sender: Option<mpsc::Sender<Value>>,
    done: mpsc::Receiver<()>,
    worker: Option<JoinHandle<()>>,
    report: Arc<Mutex<Report>>,
    queued: usize,
}

#[derive(Default)]
struct Report {
    sent: usize,
    failed: usize,
    reasons: Vec<String>,
}

impl Emitter {
    /// Starts the sending thread for `transport`.
    pub fn start(transport: Transport) -> Emitter {
        let (sender, events) = mpsc::channel::<Value>();
        let (finished, done) = mpsc::channel();
        let report = Arc::new(Mutex::new(Report::default()));
        let shared = Arc::clone(&report);
        let worker = std::thread::Builder::new()
            .name("kin-openlineage".to_owned())
            .spawn(move || {
                let mut sink = Sink::open(transport);
                for event in events {
                    let outcome = sink.send(&event);
                    let mut report = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    match outcome {
                        Ok(()) => report.sent += 1,
                        Err(reason) => {
                            report.failed += 1;
                            if report.reasons.len() < TOLD_FAILURES {
                                report.reasons.push(reason);
                            }
                        }
                    }
                }
                let _ = finished.send(());
            })
            .ok();
        Emitter {
            sender: worker.as_ref().map(|_| sender),
            done,
            worker,
            report,
            queued: 0,
        }
    }

    /// Queues an event; never blocks.
    pub fn emit(&mut self, event: Value) {
        if let Some(sender) = &self.sender
            && sender.send(event).is_ok()
        {
            self.queued += 1;
        }
    }

    /// Waits up to `grace` for the queue to empty; the warnings to show (nothing when every
    /// event went out).
    pub fn finish(mut self, grace: Duration) -> Vec<String> {
        drop(self.sender.take());
        let drained = self.done.recv_timeout(grace).is_ok();
        if drained && let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        let report = self.report.lock().unwrap_or_else(PoisonError::into_inner);
        let mut warnings: Vec<String> = report
            .reasons
            .iter()
            .map(|reason| format!("an OpenLineage event was not sent: {reason}"))
            .collect();
        if report.failed > report.reasons.len() {
            warnings.push(format!(
                "{} more OpenLineage events were not sent",
                report.failed - report.reasons.len()
            ));
        }
        let unsent = self.queued.saturating_sub(report.sent + report.failed);
        if unsent > 0 {
            warnings.push(format!(
                "{unsent} OpenLineage events were dropped: they were not sent within {:.0} s",
                grace.as_secs_f64()
            ));
        }
        warnings
    }
}

/// Where the worker writes.
enum Sink {
    Http {
        client: Option<reqwest::blocking::Client>,
        url: String,
        api_key: Option<String>,
    },
    /// The file, opened for appending at the first event.
    File {
        path: std::path::PathBuf,
        file: Option<std::fs::File>,
    },
    Console,
}

impl Sink {
    fn open(transport: Transport) -> Sink {
        match transport {
            Transport::Http {
                url,
                api_key,
                timeout,
            } => Sink::Http {
                client: reqwest::blocking::Client::builder()
                    .timeout(timeout)
                    .build()
                    .ok(),
                url,
                api_key,
            },
            Transport::File { path } => Sink::File { path, file: None },
            Transport::Console => Sink::Console,
        }
    }

    fn send(&mut self, event: &Value) -> Result<(), String> {
        let line = event.to_string();
        match self {
            Sink::Http {
                client,
                url,
                api_key,
            } => {
                let client = client
                    .as_ref()
                    .ok_or_else(|| "no HTTP client could be made".to_owned())?;
                let mut request = client
                    .post(url.as_str())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(line);
                if let Some(key) = api_key {
                    request = request.bearer_auth(key);
                }
                let response = request.send().map_err(|e| format!("{url}: {e}"))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    let body = response.text().unwrap_or_default();
                    let body: String = body.chars().take(200).collect();
                    Err(format!("{url} answered {status}: {body}"))
                }
            }
            Sink::File { path, file } => {
                let failed = |e: std::io::Error| format!("{}: {e}", path.display());
                let file = match file {
                    Some(file) => file,
                    None => file.insert(
                        std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&*path)
                            .map_err(failed)?,
                    ),
                };
                // One write per line, so concurrent writers never interleave within one.
                file.write_all(format!("{line}\n").as_bytes())
                    .map_err(failed)
            }
            // The console transport is a log sink: events on stderr, one JSON line each.
            Sink::Console => writeln!(std::io::stderr(), "{line}").map_err(|e| e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gets_every_event_in_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("events.jsonl");
        let mut emitter = Emitter::start(Transport::File { path: path.clone() });
        for n in 0..5 {
            emitter.emit(serde_json::json!({ "n": n }));
        }
        assert_eq!(emitter.finish(Duration::from_secs(5)), Vec::<String>::new());
        let text = std::fs::read_to_string(&path).expect("read");
        let numbers: Vec<i64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("json")["n"]
                    .as_i64()
                    .expect("n")
            })
            .collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn an_unreachable_server_is_a_warning_not_an_error() {
        // A port nothing listens on: connection refused at once.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        let mut emitter = Emitter::start(Transport::Http {
            url: format!("http://127.0.0.1:{port}/api/v1/lineage"),
            api_key: None,
            timeout: Duration::from_secs(1),
        });
        for _ in 0..5 {
            emitter.emit(serde_json::json!({}));
        }
        let warnings = emitter.finish(Duration::from_secs(10));
        assert_eq!(warnings.len(), TOLD_FAILURES + 1, "{warnings:?}");
        assert!(warnings[0].starts_with("an OpenLineage event was not sent: http://127.0.0.1:"));
        assert_eq!(warnings[3], "2 more OpenLineage events were not sent");
    }
}
