//! Points in time as milliseconds since the Unix epoch, shown and read as RFC 3339 (UTC).

use std::fmt;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    pub fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    pub fn now() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Reads `2026-11-22`, `2026-11-22T10:30`, `2026-11-22 10:30:05`, with optional
    /// fractional seconds and `Z` or `±HH:MM`, or a span back from `now` such as `90m`, `12h`,
    /// `3d` or `2w`. Dates without a zone are UTC.
    pub fn parse(text: &str, now: Timestamp) -> Option<Timestamp> {
        let text = text.trim();
        if let Some(span) = parse_span(text) {
            return Some(Timestamp(now.0.saturating_sub(span)));
        }
        parse_rfc3339(text)
    }
}

fn parse_span(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let amount: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let per = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    amount.checked_mul(per)
}

fn number(text: &str, from: usize, len: usize) -> Option<i64> {
    let part = text.get(from..from + len)?;
    part.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| part.parse().ok())
        .flatten()
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let year = number(text, 0, 4)?;
    let month = number(text, 5, 2)?;
    let day = number(text, 8, 2)?;
    if text.get(4..5) != Some("-") || text.get(7..8) != Some("-") {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    let mut rest = &text[10..];
    if let Some(time) = rest.strip_prefix(['T', 't', ' ']) {
        let hour = number(time, 0, 2)?;
        let minute = number(time, 3, 2)?;
        if time.get(2..3) != Some(":") || hour > 23 || minute > 59 {
            return None;
        }
        millis += hour * 3_600_000 + minute * 60_000;
        rest = &time[5..];
        if let Some(seconds) = rest.strip_prefix(':') {
            let second = number(seconds, 0, 2)?;
            if second > 60 {
                return None;
            }
            millis += second * 1000;
            rest = &seconds[2..];
            if let Some(fraction) = rest.strip_prefix('.') {
                let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return None;
                }
                let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
                millis += padded.parse::<i64>().ok()?;
                rest = &fraction[digits..];
            }
        }
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours = number(zone, 1, 2)?;
            let minutes = number(zone, 4, 2)?;
            if zone.len() != 6 || zone.get(3..4) != Some(":") {
                return None;
            }
            sign * (hours * 3_600_000 + minutes * 60_000)
        }
    };
    millis -= offset;
    Some(Timestamp(millis))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Timestamp {
    /// The wall-clock time `offset_secs` east of UTC, to the second, with its offset, as
    /// Python's `datetime.isoformat()` writes an aware time: `2026-11-22T11:30:05+01:00`.
    pub fn with_offset(self, offset_secs: i32) -> String {
        let local = self.0.div_euclid(1000) + i64::from(offset_secs);
        let sign = if offset_secs < 0 { '-' } else { '+' };
        let offset = offset_secs.unsigned_abs();
        let mut text = format!(
            "{}{sign}{:02}:{:02}",
            wall_clock(local),
            offset / 3600,
            offset % 3600 / 60
        );
        if !offset.is_multiple_of(60) {
            text.push_str(&format!(":{:02}", offset % 60));
        }
        text
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of seconds since the epoch.
fn wall_clock(secs: i64) -> String {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, to the second: `2026-11-22T10:30:05Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Z", wall_clock(self.0.div_euclid(1000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text, Timestamp(0)).expect(text)
    }

    #[test]
    fn formats_with_an_offset_as_python_isoformat() {
        // datetime.fromtimestamp(1700000000, timezone(timedelta(hours=-5, minutes=-30))).isoformat()
        let t = Timestamp::from_secs(1_700_000_000);
        assert_eq!(t.with_offset(0), "2023-11-14T22:13:20+00:00");
        assert_eq!(
            t.with_offset(-(5 * 3600 + 1800)),
            "2023-11-14T16:43:20-05:30"
        );
        assert_eq!(t.with_offset(3600), "2023-11-14T23:13:20+01:00");
    }

    #[test]
    fn formats_and_reads_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_700_000_000_123).to_string(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(at("2023-11-14T22:13:20.123Z"), Timestamp(1_700_000_000_123));
        assert_eq!(
            at("2023-11-14 23:13:20+01:00"),
            Timestamp(1_700_000_000_000)
        );
        assert_eq!(at("2024-02-29"), Timestamp(1_709_164_800_000));
        assert_eq!(at("1969-12-31T23:59"), Timestamp(-60_000));
        for day in [0, 1, 59, 60, 365, 10_957, 20_000, -1, -719_468] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn reads_spans_back_from_now() {
        let now = Timestamp(10 * 86_400_000);
        assert_eq!(Timestamp::parse("3d", now), Some(Timestamp(7 * 86_400_000)));
        assert_eq!(Timestamp::parse("1w", now), Some(Timestamp(3 * 86_400_000)));
        assert_eq!(
            Timestamp::parse("90m", now),
            Some(Timestamp(now.0 - 5_400_000))
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2023-13-01",
            "2023-02-30",
            "2023-11-14T25:00",
            "2023/11/14",
            "3y",
            "2023-11-14T10:00+1",
        ] {
            assert_eq!(Timestamp::parse(bad, Timestamp(0)), None, "{bad}");
        }
    }
}
