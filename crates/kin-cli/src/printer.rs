//! The one way commands write: what was asked for on stdout, kin's own messages unless `-q`,
//! warnings on stderr, JSON documents in one of three layouts. Every write returns its
//! `io::Error`, so a reader that went away (`kin runs | head -1`) ends the command through `?`
//! and `main` exits 0 without a word, as git and ripgrep do.

use std::io::{self, Write};

use serde_json::Value;

use crate::command_error::CommandError;

/// Where a command's output goes, and whether kin's own messages are shown (the global `-q`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printer {
    /// Everything.
    Default,
    /// Requested output (tables, listings, `--json`), warnings and errors only.
    Quiet,
}

/// How a JSON document is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// kin's own documents: indented by two spaces.
    Pretty,
    /// One line.
    Compact,
    /// Python's `json.dumps` as DVC prints it, for output that must match DVC's byte for byte.
    Dvc,
    /// Python's `json.dumps(indent=4)` as `gto --json` prints it.
    Gto,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        if quiet {
            Printer::Quiet
        } else {
            Printer::Default
        }
    }

    pub fn is_quiet(self) -> bool {
        self == Printer::Quiet
    }

    /// Output the user asked for: printed even with `-q`.
    pub fn stdout(self) -> Stream {
        Stream::Stdout(io::stdout())
    }

    /// kin's messages about what it did (`added …`, `Data and pipelines are up to date.`):
    /// nothing with `-q`.
    pub fn status(self) -> Stream {
        match self {
            Printer::Default => Stream::Stdout(io::stdout()),
            Printer::Quiet => Stream::Sink,
        }
    }

    /// Warnings, and command output that must stay off stdout: always shown.
    pub fn stderr(self) -> Stream {
        Stream::Stderr(io::stderr())
    }

    /// A JSON document and a newline on stdout.
    pub fn json(self, value: &Value, style: JsonStyle) -> io::Result<()> {
        write_json(&mut self.stdout(), value, style)
    }

    /// Writes what stdout still buffers (a last line without a newline).
    pub fn flush(self) -> io::Result<()> {
        io::stdout().flush()
    }

    /// Reports an error on stderr. Best effort: when stderr is gone too there is nowhere left
    /// to say it, and the exit code still does.
    pub fn report_error(self, error: &CommandError) {
        let _ = self.stderr().write_all(error.render().as_bytes());
    }
}

/// A JSON document and a newline, written at once: every `--json` goes through here.
pub fn write_json(out: &mut impl Write, value: &Value, style: JsonStyle) -> io::Result<()> {
    let mut text = match style {
        JsonStyle::Pretty => serde_json::to_vec_pretty(value)?,
        JsonStyle::Compact => serde_json::to_vec(value)?,
        JsonStyle::Dvc => kin::metrics::python::py_json(value).into_bytes(),
        JsonStyle::Gto => kin::registry::gto_json::dumps(value).into_bytes(),
    };
    text.push(b'\n');
    out.write_all(&text)
}

/// One of the printer's destinations.
pub enum Stream {
    Stdout(io::Stdout),
    Stderr(io::Stderr),
    /// Swallows what `-q` hides.
    Sink,
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Stdout(out) => out.write(buf),
            Stream::Stderr(err) => err.write(buf),
            Stream::Sink => Ok(buf.len()),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Stdout(out) => out.write_all(buf),
            Stream::Stderr(err) => err.write_all(buf),
            Stream::Sink => Ok(()),
        }
    }

    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> io::Result<()> {
        match self {
            Stream::Stdout(out) => out.write_fmt(args),
            Stream::Stderr(err) => err.write_fmt(args),
            Stream::Sink => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Stdout(out) => out.flush(),
            Stream::Stderr(err) => err.flush(),
            Stream::Sink => Ok(()),
        }
    }
}
