//! Progress bars for hashing and linking: drawn on a terminal, silent when piped or with `-q`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kin::data::Progress;

/// A files-and-bytes bar on stderr.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(message: &'static str, quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{msg:10} [{bar:30}] {pos}/{len} files {elapsed}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(message);
        Bar { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn add_total(&self, files: u64, _bytes: u64) {
        self.bar.inc_length(files);
    }

    fn advance(&self, files: u64, _bytes: u64) {
        self.bar.inc(files);
    }
}
