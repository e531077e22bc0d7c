//! The `[[schedule]]` tables of `.kin/config.toml`, read with the place of each value so a
//! bad one is reported at its file, line and column.

use std::ops::Range;
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use serde::Deserialize;
use toml::Spanned;

use super::timing::{Timing, TimingError, parse_instant, parse_interval};
use crate::kin_config::CONFIG_FILE;

/// A schedule as committed.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub name: String,
    /// Stages or pipeline files to reproduce; empty for the whole pipeline.
    pub targets: Vec<String>,
    pub timing: Timing,
    /// A DVC remote to push to after a successful run.
    pub push: Option<String>,
    /// Attempts after the first failed one.
    pub retries: u32,
    pub retry_delay: RetryDelay,
    /// Longest an attempt may run before it is stopped and recorded as timed out.
    pub timeout: Option<SignedDuration>,
    pub concurrency: Concurrency,
    /// Run only when something the pipeline reads changed (as `kin status` decides).
    pub only_if_changed: bool,
    /// After downtime, run once for the firings missed (or not at all).
    pub catch_up: bool,
    pub on_failure: Option<OnFailure>,
    /// A branch to bring up to date (`git pull --ff-only origin BRANCH`) before each firing.
    pub git_pull: Option<String>,
}

/// How long to wait before each retry.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryDelay {
    /// Seconds before the first, second, … retry; the last repeats.
    pub delays: Vec<f64>,
    /// Each retry past the listed delays waits this many times longer than the one before.
    pub backoff: f64,
    /// Up to this fraction of each delay is added or taken away at random.
    pub jitter: f64,
}

impl RetryDelay {
    /// Seconds to wait before retry number `retry` (1 for the first), without jitter.
    pub fn base_seconds(&self, retry: u32) -> f64 {
        let index = usize::try_from(retry.saturating_sub(1)).unwrap_or(usize::MAX);
        match self.delays.get(index) {
            Some(delay) => *delay,
            None => {
                let last = self.delays.last().copied().unwrap_or(0.0);
                let beyond = index + 1 - self.delays.len().max(1);
                let power = i32::try_from(beyond).unwrap_or(i32::MAX);
                last * self.backoff.powi(power)
            }
        }
    }
}

/// What a schedule does when another run of it is still going at its next firing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concurrency {
    /// The new firing does not run (recorded as skipped).
    Skip,
    /// The new firing runs once the previous one is over.
    Queue,
    /// The new firing is recorded as cancelled.
    CancelNew,
}

impl Concurrency {
    pub fn as_str(self) -> &'static str {
        match self {
            Concurrency::Skip => "skip",
            Concurrency::Queue => "queue",
            Concurrency::CancelNew => "cancel-new",
        }
    }
}

/// Who hears of a failed scheduled run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// An `http(s)://` URL receiving the failure as a JSON POST.
    Webhook(String),
    /// A shell command, given the failure as JSON on its standard input.
    Command(String),
}

/// A schedule that could not be read, at its place in the file.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", file.display())]
pub struct ScheduleConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    schedule: Vec<Spanned<Entry>>,
    /// `[schedules] file = "PATH"`: more `[[schedule]]` tables in a file of their own.
    schedules: Option<SchedulesTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchedulesTable {
    file: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Spanned<String>,
    #[serde(default)]
    targets: Option<Spanned<Targets>>,
    cron: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    every: Option<Spanned<Seconds>>,
    anchor: Option<Spanned<String>>,
    push: Option<Spanned<String>>,
    retries: Option<Spanned<i64>>,
    retry_delay: Option<Spanned<Delays>>,
    retry_backoff: Option<Spanned<f64>>,
    retry_jitter: Option<Spanned<f64>>,
    timeout: Option<Spanned<Seconds>>,
    concurrency: Option<Spanned<String>>,
    only_if_changed: Option<bool>,
    catch_up: Option<bool>,
    on_failure: Option<Spanned<String>>,
    git_pull: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Targets {
    One(String),
    Many(Vec<String>),
}

/// A length of time: seconds as a number, or a text like `90s`, `15m`, `1h30m`, `7d`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Delays {
    One(f64),
    Many(Vec<f64>),
}

/// The schedules of the repository at `root`: those of `.kin/config.toml`, then those of
/// the file its `[schedules] file` names (relative to the root), each in file order.
pub fn load(root: &Path) -> Result<Vec<Schedule>, ScheduleConfigError> {
    let Some(text) = read(root, Path::new(CONFIG_FILE))? else {
        return Ok(Vec::new());
    };
    let (mut schedules, more) = parse_with_file(&text, Path::new(CONFIG_FILE))?;
    if let Some((named, span)) = more {
        let (line, column) = line_column(&text, span.start);
        let missing = || ScheduleConfigError {
            file: PathBuf::from(CONFIG_FILE),
            line,
            column,
            message: format!("the schedules file `{named}` does not exist"),
        };
        let relative = Path::new(&named);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            return Err(ScheduleConfigError {
                message: format!(
                    "the schedules file `{named}` must be a path inside the repository"
                ),
                ..missing()
            });
        }
        let other = read(root, relative)?.ok_or_else(missing)?;
        let (extra, _) = parse_with_file(&other, relative)?;
        for schedule in extra {
            if schedules.iter().any(|s| s.name == schedule.name) {
                let quoted = format!("\"{}\"", schedule.name);
                let (line, column) = other
                    .find(&quoted)
                    .map_or((0, 0), |at| line_column(&other, at));
                return Err(ScheduleConfigError {
                    file: relative.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "two schedules are named `{}` (one in {CONFIG_FILE})",
                        schedule.name
                    ),
                });
            }
            schedules.push(schedule);
        }
    }
    Ok(schedules)
}

/// A file's text; `None` if there is no such file.
fn read(root: &Path, relative: &Path) -> Result<Option<String>, ScheduleConfigError> {
    match std::fs::read_to_string(root.join(relative)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ScheduleConfigError {
            file: relative.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read it: {e}"),
        }),
    }
}

/// Reads the schedules in a config file's `text`; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Schedule>, ScheduleConfigError> {
    Ok(parse_with_file(text, file)?.0)
}

/// The schedules file a config names, and where in the config it is named.
type NamedFile = Option<(String, Range<usize>)>;

/// The schedules of `text`, and the schedules file it names.
fn parse_with_file(
    text: &str,
    file: &Path,
) -> Result<(Vec<Schedule>, NamedFile), ScheduleConfigError> {
    let at = |span: Range<usize>, message: String| {
        let (line, column) = line_column(text, span.start);
        ScheduleConfigError {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let parsed: File = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        at(span, e.message().to_owned())
    })?;
    let mut schedules: Vec<Schedule> = Vec::new();
    for entry in parsed.schedule {
        let span = entry.span();
        let schedule = read_entry(entry.into_inner(), span, &at)?;
        if schedules.iter().any(|s| s.name == schedule.name) {
            return Err(at(
                span_of_name(text, &schedule.name).unwrap_or(0..0),
                format!("two schedules are named `{}`", schedule.name),
            ));
        }
        schedules.push(schedule);
    }
    let more = parsed.schedules.map(|table| {
        let span = table.file.span();
        (table.file.into_inner(), span)
    });
    Ok((schedules, more))
}

fn read_entry(
    entry: Entry,
    table: Range<usize>,
    at: &dyn Fn(Range<usize>, String) -> ScheduleConfigError,
) -> Result<Schedule, ScheduleConfigError> {
    let retry_delay = read_retry_delay(&entry, at)?;
    let name_span = entry.name.span();
    let name = entry.name.into_inner();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(at(
            name_span,
            format!("`{name}` is not a schedule name: use letters, digits, `-`, `_` and `.`"),
        ));
    }
    let timing_error = |span: Range<usize>, e: TimingError| at(span, e.to_string());
    let timing = match (entry.cron, entry.every) {
        (Some(cron), None) => {
            if let Some(anchor) = &entry.anchor {
                return Err(at(
                    anchor.span(),
                    "`anchor` goes with `every`, not `cron`".to_owned(),
                ));
            }
            let zone = entry.timezone.as_ref();
            Timing::cron(cron.get_ref(), zone.map(|z| z.get_ref().as_str())).map_err(|e| match (
                &e, zone,
            ) {
                (TimingError::Zone { .. }, Some(zone)) => timing_error(zone.span(), e),
                _ => timing_error(cron.span(), e),
            })?
        }
        (None, Some(every)) => {
            if let Some(zone) = &entry.timezone {
                return Err(at(
                    zone.span(),
                    "`timezone` goes with `cron`; an interval is counted in real time from `anchor`"
                        .to_owned(),
                ));
            }
            let interval = seconds(every.get_ref()).map_err(|e| timing_error(every.span(), e))?;
            let anchor = match &entry.anchor {
                Some(anchor) => Some(
                    parse_instant(anchor.get_ref()).map_err(|e| timing_error(anchor.span(), e))?,
                ),
                None => None,
            };
            Timing::every(interval, anchor).map_err(|e| timing_error(every.span(), e))?
        }
        (Some(cron), Some(_)) => {
            return Err(at(
                cron.span(),
                format!("schedule `{name}` has both `cron` and `every`: give one"),
            ));
        }
        (None, None) => {
            return Err(at(
                table,
                format!("schedule `{name}` needs `cron` (with `timezone`) or `every`"),
            ));
        }
    };
    let targets = match entry.targets.map(Spanned::into_inner) {
        None => Vec::new(),
        Some(Targets::One(target)) => vec![target],
        Some(Targets::Many(targets)) => targets,
    };
    let retries = match entry.retries {
        None => 0,
        Some(retries) => u32::try_from(*retries.get_ref()).map_err(|_| {
            at(
                retries.span(),
                format!(
                    "`retries` must be a whole number from 0, not {}",
                    retries.get_ref()
                ),
            )
        })?,
    };
    let timeout = match &entry.timeout {
        None => None,
        Some(timeout) => {
            let duration =
                seconds(timeout.get_ref()).map_err(|e| at(timeout.span(), e.to_string()))?;
            if duration <= SignedDuration::ZERO {
                return Err(at(timeout.span(), "`timeout` must be positive".to_owned()));
            }
            Some(duration)
        }
    };
    let concurrency = match &entry.concurrency {
        None => Concurrency::Skip,
        Some(text) => match text.get_ref().as_str() {
            "skip" => Concurrency::Skip,
            "queue" => Concurrency::Queue,
            "cancel-new" => Concurrency::CancelNew,
            other => {
                return Err(at(
                    text.span(),
                    format!("`concurrency` is `skip`, `queue` or `cancel-new`, not `{other}`"),
                ));
            }
        },
    };
    let on_failure = match entry.on_failure {
        None => None,
        Some(text) => {
            let span = text.span();
            let text = text.into_inner();
            if text.trim().is_empty() {
                return Err(at(span, "`on_failure` is empty".to_owned()));
            }
            Some(
                if text.starts_with("http://") || text.starts_with("https://") {
                    OnFailure::Webhook(text)
                } else {
                    OnFailure::Command(text)
                },
            )
        }
    };
    let git_pull = match entry.git_pull {
        None => None,
        Some(branch) => {
            let span = branch.span();
            let branch = branch.into_inner();
            if branch.is_empty() || branch.starts_with('-') || branch.contains(char::is_whitespace)
            {
                return Err(at(span, format!("`{branch}` is not a branch name")));
            }
            Some(branch)
        }
    };
    Ok(Schedule {
        git_pull,
        name,
        targets,
        timing,
        push: entry.push.map(Spanned::into_inner),
        retries,
        retry_delay,
        timeout,
        concurrency,
        only_if_changed: entry.only_if_changed.unwrap_or(true),
        catch_up: entry.catch_up.unwrap_or(true),
        on_failure,
    })
}

fn read_retry_delay(
    entry: &Entry,
    at: &dyn Fn(Range<usize>, String) -> ScheduleConfigError,
) -> Result<RetryDelay, ScheduleConfigError> {
    let delays = match &entry.retry_delay {
        None => vec![0.0],
        Some(delay) => {
            let delays = match delay.get_ref() {
                Delays::One(one) => vec![*one],
                Delays::Many(many) => many.clone(),
            };
            if delays.is_empty() || delays.iter().any(|d| !d.is_finite() || *d < 0.0) {
                return Err(at(
                    delay.span(),
                    "`retry_delay` is a number of seconds from 0, or a non-empty list of them"
                        .to_owned(),
                ));
            }
            delays
        }
    };
    let backoff = match &entry.retry_backoff {
        None => 1.0,
        Some(backoff) if backoff.get_ref().is_finite() && *backoff.get_ref() >= 1.0 => {
            *backoff.get_ref()
        }
        Some(backoff) => {
            return Err(at(
                backoff.span(),
                "`retry_backoff` multiplies each delay: a number from 1".to_owned(),
            ));
        }
    };
    let jitter = match &entry.retry_jitter {
        None => 0.0,
        Some(jitter) if (0.0..=1.0).contains(jitter.get_ref()) => *jitter.get_ref(),
        Some(jitter) => {
            return Err(at(
                jitter.span(),
                "`retry_jitter` is a fraction of the delay, from 0 to 1".to_owned(),
            ));
        }
    };
    Ok(RetryDelay {
        delays,
        backoff,
        jitter,
    })
}

fn seconds(value: &Seconds) -> Result<SignedDuration, TimingError> {
    match value {
        Seconds::Number(n) => Ok(SignedDuration::from_secs(*n)),
        Seconds::Text(text) => parse_interval(text),
    }
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where the second `name = "NAME"` is, to point at a duplicate.
fn span_of_name(text: &str, name: &str) -> Option<Range<usize>> {
    let quoted = format!("\"{name}\"");
    let mut found = text.match_indices(&quoted).map(|(i, _)| i);
    found.next()?;
    let second = found.next()?;
    Some(second..second + quoted.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Schedule>, String> {
        parse(text, Path::new(".kin/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_schedule_is_read() {
        let schedules = read(
            r#"
[store]
url = "x"

[[schedule]]
name = "weekly"
targets = ["train", "evaluate"]
cron = "0 6 * * MON"
timezone = "Europe/Berlin"
push = "storage"
retries = 2
retry_delay = [30, 120]
retry_backoff = 2
retry_jitter = 0.1
timeout = "2h"
concurrency = "queue"
only_if_changed = false
catch_up = false
on_failure = "https://hooks.example.invalid/kin"

[[schedule]]
name = "hourly"
every = "1h"
on_failure = "notify-send failed"
"#,
        )
        .expect("reads");
        assert_eq!(schedules.len(), 2);
        let weekly = &schedules[0];
        assert_eq!(weekly.targets, ["train", "evaluate"]);
        assert_eq!(weekly.retries, 2);
        assert_eq!(weekly.retry_delay.base_seconds(1), 30.0);
        assert_eq!(weekly.retry_delay.base_seconds(2), 120.0);
        assert_eq!(weekly.retry_delay.base_seconds(3), 240.0);
        assert_eq!(weekly.timeout.map(|t| t.as_secs()), Some(7200));
        assert_eq!(weekly.concurrency, Concurrency::Queue);
        assert!(!weekly.only_if_changed && !weekly.catch_up);
        assert!(matches!(weekly.on_failure, Some(OnFailure::Webhook(_))));
        let hourly = &schedules[1];
        assert!(hourly.targets.is_empty() && hourly.only_if_changed && hourly.catch_up);
        assert_eq!(
            hourly.on_failure,
            Some(OnFailure::Command("notify-send failed".into()))
        );
    }

    #[test]
    fn bad_values_are_reported_where_they_are() {
        let cases = [
            (
                "[[schedule]]\nname = \"a\"\ncron = \"0 25 * * *\"\n",
                ".kin/config.toml:3:8: `0 25 * * *` is not a cron expression",
            ),
            (
                "[[schedule]]\nname = \"a\"\ncron = \"0 1 * * *\"\ntimezone = \"Mars/Base\"\n",
                ".kin/config.toml:4:12: `Mars/Base` is not a known time zone",
            ),
            (
                "[[schedule]]\nname = \"a\"\nevery = \"1h\"\nretries = -1\n",
                ".kin/config.toml:4:11: `retries` must be a whole number from 0, not -1",
            ),
            (
                "[[schedule]]\nname = \"a\"\n",
                "schedule `a` needs `cron` (with `timezone`) or `every`",
            ),
            (
                "[[schedule]]\nname = \"a\"\nevery = \"1h\"\nconcurrency = \"sometimes\"\n",
                ".kin/config.toml:4:15: `concurrency` is `skip`, `queue` or `cancel-new`",
            ),
            (
                "[[schedule]]\nname = \"a\"\nevery = \"1h\"\nwhen = 3\n",
                ".kin/config.toml:4:1: unknown field `when`",
            ),
            (
                "[[schedule]]\nname = \"a\"\nevery = \"1h\"\n[[schedule]]\nname = \"a\"\nevery = \"2h\"\n",
                ".kin/config.toml:5:8: two schedules are named `a`",
            ),
            (
                "[[schedule]]\nname = \"a\"\nevery = \"1h\"\nretry_delay = [-1]\n",
                ".kin/config.toml:4:15: `retry_delay` is a number of seconds",
            ),
        ];
        for (text, expected) in cases {
            let error = read(text).expect_err(text);
            assert!(error.contains(expected), "{error}\n  wanted: {expected}");
        }
    }

    #[test]
    fn more_schedules_come_from_the_file_the_config_names() {
        let root = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(root.path().join(".kin")).expect("mkdir");
        std::fs::create_dir_all(root.path().join("ops")).expect("mkdir");
        std::fs::write(
            root.path().join(".kin/config.toml"),
            "[schedules]\nfile = \"ops/schedules.toml\"\n\n[[schedule]]\nname = \"a\"\nevery = \"1h\"\n",
        )
        .expect("config");
        std::fs::write(
            root.path().join("ops/schedules.toml"),
            "[[schedule]]\nname = \"b\"\ncron = \"0 6 * * 1\"\n",
        )
        .expect("schedules");
        let names: Vec<String> = load(root.path())
            .expect("loads")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["a", "b"]);

        std::fs::write(
            root.path().join("ops/schedules.toml"),
            "\n[[schedule]]\nname = \"a\"\nevery = \"2h\"\n",
        )
        .expect("schedules");
        let error = load(root.path()).expect_err("duplicate").to_string();
        assert!(
            error.starts_with("ops/schedules.toml:3:8: two schedules are named `a`"),
            "{error}"
        );

        std::fs::remove_file(root.path().join("ops/schedules.toml")).expect("rm");
        let error = load(root.path()).expect_err("missing").to_string();
        assert!(
            error.contains("the schedules file `ops/schedules.toml` does not exist"),
            "{error}"
        );
    }
}
