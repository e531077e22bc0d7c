//! Progress bars for hashing, linking and transfers: files and bytes with the rate, drawn on
//! a terminal, silent when piped or with `-q`.
//!
//! A bar can never panic on a closed stderr: it draws only when stderr is a terminal, and
//! indicatif discards drawing errors in every method used here (`inc`, `inc_length`,
//! `set_message`, `set_prefix`, `set_style`, `finish_and_clear`; of its methods only
//! `set_tab_width` unwraps one, and kin never calls it).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use kin::data::Progress;

/// How often the bytes part of the bar is redrawn: formatting it per file would cost more
/// than copying a small file.
const BYTES_REFRESH: Duration = Duration::from_millis(100);

/// A files bar on stderr, with bytes done, bytes known and the byte rate beside it.
pub struct Bar {
    bar: ProgressBar,
    bytes_done: AtomicU64,
    bytes_total: AtomicU64,
    started: Instant,
    last_drawn: Mutex<Option<Instant>>,
}

impl Bar {
    /// A bar labelled `message`; nothing is drawn when `hidden` (`-q`, `--json`).
    pub fn new(message: &'static str, hidden: bool) -> Self {
        let target = if hidden || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "{prefix:10} [{bar:30}] {pos}/{len} files {msg} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style.progress_chars("=> "));
        bar.set_prefix(message);
        Bar {
            bar,
            bytes_done: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            started: Instant::now(),
            last_drawn: Mutex::new(None),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Redraws the bytes part when it is due (or `force`d).
    fn draw_bytes(&self, force: bool) {
        if self.bar.is_hidden() {
            return;
        }
        let now = Instant::now();
        let Ok(mut last) = self.last_drawn.lock() else {
            return;
        };
        if !force && last.is_some_and(|t| now.duration_since(t) < BYTES_REFRESH) {
            return;
        }
        *last = Some(now);
        let done = self.bytes_done.load(Ordering::Relaxed);
        let total = self.bytes_total.load(Ordering::Relaxed);
        let seconds = now.duration_since(self.started).as_secs_f64().max(1e-3);
        let rate = (done as f64 / seconds) as u64;
        self.bar.set_message(format!(
            "{}/{} ({}/s)",
            HumanBytes(done),
            HumanBytes(total),
            HumanBytes(rate)
        ));
    }
}

impl Progress for Bar {
    fn add_total(&self, files: u64, bytes: u64) {
        self.bar.inc_length(files);
        self.bytes_total.fetch_add(bytes, Ordering::Relaxed);
        self.draw_bytes(true);
    }

    fn advance(&self, files: u64, bytes: u64) {
        self.bar.inc(files);
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        self.draw_bytes(false);
    }
}
