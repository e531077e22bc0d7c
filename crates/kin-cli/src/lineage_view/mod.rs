//! Printing lineage: runs and artifact versions as text, JSON and Graphviz DOT.

pub mod dot;
pub mod text;
pub mod warnings;

pub use kin::lineage::json::{lineage_json as to_json, run_json, run_node_id, version_node_id};

/// A hash shortened for people: 8 digits, as git shortens commits (`.dir` kept).
pub fn short_hash(hash: &str) -> String {
    match hash.strip_suffix(".dir") {
        Some(digest) => format!("{}.dir", prefix(digest, 8)),
        None => prefix(hash, 8).to_owned(),
    }
}

/// The first `chars` characters of `text`, or all of it. Records come from a store that a sync
/// or an older kin may have filled with anything; slicing bytes could split a character.
pub fn prefix(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(end, _)| &text[..end])
}

/// `--since DATE|SPAN` (`2026-11-01`, `2026-11-01T09:30`, `3d`, `12h`): a point in time.
pub fn since_arg(
    text: &str,
) -> Result<kin::lineage::kin_store::Timestamp, crate::command_error::CommandError> {
    kin::lineage::kin_store::Timestamp::parse(text, kin::lineage::now()).ok_or_else(|| {
        crate::command_error::CommandError::usage(format!("`{text}` is not a date or a span"))
            .with_hint("use a date like 2026-11-01 or 2026-11-01T09:30, or a span like 3d, 12h, 2w")
    })
}

/// `--tag KEY=VALUE`, checked as the library checks every tag (clap turns an error into a
/// usage error, exit 2).
pub fn tag_arg(text: &str) -> Result<(String, String), String> {
    kin::lineage::tags::parse_tag(text, kin::lineage::tags::TagOrigin::Cli)
        .map_err(|e| e.to_string())
}

/// `850ms`, `12.3s`, `4m05s`, `2h03m`.
pub fn format_duration(millis: i64) -> String {
    let millis = millis.max(0);
    match millis {
        0..1_000 => format!("{millis}ms"),
        1_000..60_000 => format!("{:.1}s", millis as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m{:02}s", millis / 60_000, millis % 60_000 / 1000),
        _ => format!("{}h{:02}m", millis / 3_600_000, millis % 3_600_000 / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_never_split_a_character() {
        assert_eq!(prefix("0123456789abcdef", 7), "0123456");
        assert_eq!(prefix("abc", 7), "abc");
        assert_eq!(prefix("ééééééééé", 7), "ééééééé");
        assert_eq!(short_hash("0123456789abcdef.dir"), "01234567.dir");
        assert_eq!(short_hash("é.dir"), "é.dir");
    }
}
