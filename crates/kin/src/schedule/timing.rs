//! When a schedule fires: a cron expression read on a time zone's wall clock, or a fixed
//! interval counted from an anchor instant.

use std::fmt;

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The furthest a time zone moves its clock at once (a DST change, or a zone changing its
/// offset); candidate wall-clock times are looked at this far around an instant so that the
/// second pass through a repeated hour is not missed.
const MAX_CLOCK_SHIFT: SignedDuration = SignedDuration::from_hours(26);

/// How far ahead a cron search looks before deciding that an expression never fires
/// (`0 0 31 2 *`): the croner search itself gives up after some years.
const SEARCH_YEARS: i16 = 30;

/// A schedule's timing.
#[derive(Clone, Debug)]
pub enum Timing {
    /// A five-field cron expression on `zone`'s wall clock.
    Cron {
        expression: String,
        cron: Box<Cron>,
        zone: TimeZone,
        zone_name: String,
    },
    /// Every `interval`, at `anchor + k * interval`.
    Every {
        interval: SignedDuration,
        anchor: Timestamp,
    },
}

/// Why a timing could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TimingError {
    #[error("`{expression}` is not a cron expression: {reason}")]
    Cron { expression: String, reason: String },
    #[error("`{name}` is not a known time zone")]
    Zone { name: String },
    #[error(
        "`{text}` is not an interval: write a number of seconds or units like `90s`, `15m`, `6h`, `1d`, `1w` or `1h30m`"
    )]
    Interval { text: String },
    #[error("the interval must be at least one second")]
    TooShort,
    #[error(
        "`{text}` is not a time: write it as RFC 3339, like `2026-03-08T09:00:00Z` or `2026-03-08T09:00:00-05:00`"
    )]
    Instant { text: String },
}

impl Timing {
    /// A cron expression (five fields, or a nickname like `@daily`) read in `zone`
    /// (an IANA name; `UTC` when absent).
    pub fn cron(expression: &str, zone: Option<&str>) -> Result<Self, TimingError> {
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|e| TimingError::Cron {
                expression: expression.to_owned(),
                reason: e.to_string(),
            })?;
        let zone_name = zone.unwrap_or("UTC").to_owned();
        let zone = TimeZone::get(&zone_name).map_err(|_| TimingError::Zone {
            name: zone_name.clone(),
        })?;
        Ok(Timing::Cron {
            expression: expression.to_owned(),
            cron: Box::new(cron),
            zone,
            zone_name,
        })
    }

    /// Every `interval` (see [`parse_interval`]) from `anchor` (default: the Unix epoch).
    pub fn every(interval: SignedDuration, anchor: Option<Timestamp>) -> Result<Self, TimingError> {
        if interval < SignedDuration::from_secs(1) {
            return Err(TimingError::TooShort);
        }
        Ok(Timing::Every {
            interval,
            anchor: anchor.unwrap_or(Timestamp::UNIX_EPOCH),
        })
    }

    /// The first `count` fire times strictly after `after`, in order.
    pub fn next_after(&self, after: Timestamp, count: usize) -> Vec<Timestamp> {
        match self {
            Timing::Cron { cron, zone, .. } => cron_after(cron, zone, after, count),
            Timing::Every { interval, anchor } => {
                let mut next = first_interval_after(*interval, *anchor, after);
                let mut times = Vec::with_capacity(count);
                while times.len() < count {
                    let Some(time) = next else { break };
                    times.push(time);
                    next = time.checked_add(*interval).ok();
                }
                times
            }
        }
    }

    /// The fire times in `(after, until]`, in order, at most `limit` of them (the latest).
    pub fn between(&self, after: Timestamp, until: Timestamp, limit: usize) -> Vec<Timestamp> {
        let mut times = Vec::new();
        let mut from = after;
        loop {
            let batch = self.next_after(from, 64);
            let done = batch.len() < 64;
            for time in batch {
                if time > until {
                    return keep_last(times, limit);
                }
                times.push(time);
                from = time;
            }
            if done {
                return keep_last(times, limit);
            }
            if times.len() > limit {
                times = keep_last(times, limit);
            }
        }
    }
}

fn keep_last(mut times: Vec<Timestamp>, limit: usize) -> Vec<Timestamp> {
    let excess = times.len().saturating_sub(limit);
    times.drain(..excess);
    times
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timing::Cron {
                expression,
                zone_name,
                ..
            } => write!(f, "cron `{expression}` ({zone_name})"),
            Timing::Every { interval, anchor } => {
                write!(f, "every {}", format_interval(*interval))?;
                if *anchor != Timestamp::UNIX_EPOCH {
                    write!(f, " from {anchor}")?;
                }
                Ok(())
            }
        }
    }
}

/// The instants whose wall-clock time in `zone` matches `cron`, after `after`. A wall-clock
/// time that a DST change skips never happens, so it does not fire; one that a DST change
/// repeats happens twice, and fires at both instants.
fn cron_after(cron: &Cron, zone: &TimeZone, after: Timestamp, count: usize) -> Vec<Timestamp> {
    let mut found: Vec<Timestamp> = Vec::new();
    if count == 0 {
        return found;
    }
    let Some(start) = after.checked_sub(MAX_CLOCK_SHIFT).ok() else {
        return found;
    };
    let mut wall = zone.to_datetime(start);
    let horizon = wall.year().saturating_add(SEARCH_YEARS);
    while let Ok(next) = cron.find_next_occurrence(&wall, false) {
        if next.year() > horizon {
            break;
        }
        wall = next;
        for instant in instants_of(zone, wall) {
            if instant > after {
                found.push(instant);
            }
        }
        if found.len() >= count {
            // Later wall-clock candidates can still be earlier instants (the second pass
            // through a repeated hour) only within the largest clock shift.
            found.sort_unstable();
            let nth = found[count - 1];
            let Ok(bound) = nth.checked_add(MAX_CLOCK_SHIFT) else {
                break;
            };
            if zone.to_datetime(bound) <= wall {
                break;
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found.truncate(count);
    found
}

/// The instants at which `zone`'s clock reads `wall`: none in a gap, two in a fold.
fn instants_of(zone: &TimeZone, wall: DateTime) -> Vec<Timestamp> {
    let offsets = match zone.to_ambiguous_timestamp(wall).offset() {
        AmbiguousOffset::Unambiguous { offset } => vec![offset],
        AmbiguousOffset::Gap { .. } => Vec::new(),
        AmbiguousOffset::Fold { before, after } => vec![before, after],
    };
    offsets
        .into_iter()
        .filter_map(|offset| offset.to_timestamp(wall).ok())
        .collect()
}

fn first_interval_after(
    interval: SignedDuration,
    anchor: Timestamp,
    after: Timestamp,
) -> Option<Timestamp> {
    let since = after.duration_since(anchor).as_nanos();
    let step = interval.as_nanos();
    // The smallest k with anchor + k * interval > after.
    let k = since.div_euclid(step) + 1;
    let offset = i64::try_from(k.checked_mul(step)?.div_euclid(1_000_000_000)).ok()?;
    let nanos = i32::try_from(k.checked_mul(step)?.rem_euclid(1_000_000_000)).ok()?;
    anchor.checked_add(SignedDuration::new(offset, nanos)).ok()
}

/// Reads an interval: a whole number of seconds, or numbers with units `s`, `m`, `h`, `d`
/// (24 hours) and `w`, like `90s`, `1h30m` or `7d`.
pub fn parse_interval(text: &str) -> Result<SignedDuration, TimingError> {
    let bad = || TimingError::Interval {
        text: text.to_owned(),
    };
    let trimmed = text.trim();
    if let Ok(seconds) = trimmed.parse::<i64>() {
        return Ok(SignedDuration::from_secs(seconds));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if c.is_whitespace() && digits.is_empty() {
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let count: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = count
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() || trimmed.is_empty() {
        return Err(bad());
    }
    Ok(SignedDuration::from_secs(total))
}

/// An interval as [`parse_interval`] reads it, in its largest whole units.
pub fn format_interval(interval: SignedDuration) -> String {
    let mut seconds = interval.as_secs();
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut text = String::new();
    for (unit, size) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3_600),
        ("m", 60),
        ("s", 1),
    ] {
        if seconds >= size {
            text.push_str(&format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    text
}

/// Reads an instant written in RFC 3339 (with `Z` or an offset).
pub fn parse_instant(text: &str) -> Result<Timestamp, TimingError> {
    text.trim().parse().map_err(|_| TimingError::Instant {
        text: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    fn texts(times: &[Timestamp]) -> Vec<String> {
        times.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_skipped_wall_time_does_not_fire_and_a_repeated_one_fires_twice() {
        let daily = Timing::cron("30 2 * * *", Some("America/New_York")).expect("cron");
        // 2026-03-08: clocks jump from 02:00 to 03:00, so 02:30 never happens that day.
        let times = daily.next_after(at("2026-03-07T12:00:00Z"), 2);
        assert_eq!(
            texts(&times),
            ["2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]
        );
        // 2026-11-01: 01:30 happens at -04:00 and again at -05:00.
        let early = Timing::cron("30 1 * * *", Some("America/New_York")).expect("cron");
        let times = early.next_after(at("2026-10-31T12:00:00Z"), 3);
        assert_eq!(
            texts(&times),
            [
                "2026-11-01T05:30:00Z",
                "2026-11-01T06:30:00Z",
                "2026-11-02T06:30:00Z"
            ]
        );
    }

    #[test]
    fn intervals_count_from_their_anchor() {
        let every = Timing::every(
            parse_interval("1h30m").expect("interval"),
            Some(at("2026-01-01T00:10:00Z")),
        )
        .expect("timing");
        let times = every.next_after(at("2026-01-01T03:10:00Z"), 2);
        assert_eq!(
            texts(&times),
            ["2026-01-01T04:40:00Z", "2026-01-01T06:10:00Z"]
        );
        // Before the anchor too.
        let times = every.next_after(at("2025-12-31T23:00:00Z"), 1);
        assert_eq!(texts(&times), ["2026-01-01T00:10:00Z"]);
    }

    #[test]
    fn between_keeps_the_latest() {
        let hourly = Timing::cron("0 * * * *", None).expect("cron");
        let times = hourly.between(at("2026-01-01T00:00:00Z"), at("2026-01-03T00:00:00Z"), 2);
        assert_eq!(
            texts(&times),
            ["2026-01-02T23:00:00Z", "2026-01-03T00:00:00Z"]
        );
    }

    #[test]
    fn bad_timings_are_named() {
        assert!(matches!(
            Timing::cron("61 * * * *", None),
            Err(TimingError::Cron { .. })
        ));
        assert!(matches!(
            Timing::cron("0 * * * *", Some("Mars/Olympus")),
            Err(TimingError::Zone { .. })
        ));
        assert!(parse_interval("5 parsecs").is_err());
        assert!(parse_interval("").is_err());
        assert_eq!(
            format_interval(parse_interval("90m").expect("90m")),
            "1h30m"
        );
        assert_eq!(parse_interval("3600").expect("seconds").as_secs(), 3600);
        assert!(matches!(
            Timing::every(SignedDuration::ZERO, None),
            Err(TimingError::TooShort)
        ));
    }

    #[test]
    fn an_expression_that_never_fires_gives_nothing() {
        let never = Timing::cron("0 0 31 2 *", None).expect("cron");
        assert!(never.next_after(at("2026-01-01T00:00:00Z"), 1).is_empty());
    }
}
