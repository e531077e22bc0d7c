//! The audit log's model: entries chained by SHA-256, and the canonical JSON they hash.
//!
//! Canonical JSON (what a third party re-verifies with): keys sorted by code point at every
//! level, no whitespace between tokens, strings as UTF-8 with only `"`, `\` and control
//! characters escaped — Python's `json.dumps(v, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False)`. Payloads hold integers and strings only, never floats.
//!
//! An entry's hash is the SHA-256 (lower-case hex) of the canonical JSON of
//! `{"seq", "at", "actor", "action", "subject", "payload_sha256", "prev"}`, where `at` is
//! milliseconds since the epoch, `actor` is `{"user", "host"}`, `payload_sha256` the SHA-256
//! of the canonical payload, and `prev` the previous entry's hash (64 zeros for the first).

#[cfg(test)]
use serde_json::json;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::timestamp::Timestamp;

/// The `prev` of the first entry.
pub const CHAIN_START: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who wrote an entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<String>,
    pub host: Option<String>,
}

/// One link of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: Actor,
    /// `genesis`, `run`, `promotion`, `import-marks`, `lineage-merge` or `registry`.
    pub action: String,
    /// What it is about: a run id, a tag, …
    pub subject: String,
    /// The canonical JSON of what was written.
    pub payload: String,
    pub prev: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry's fields give (equal to `hash` unless something was edited).
    pub fn computed_hash(&self) -> String {
        entry_hash(
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &sha256_hex(&self.payload),
            &self.prev,
        )
    }
}

/// The hash of an entry with these fields: SHA-256 of the canonical JSON of
/// `{"action","actor":{"host","user"},"at","payload_sha256","prev","seq","subject"}`.
pub fn entry_hash(
    seq: i64,
    at: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
    payload_sha256: &str,
    prev: &str,
) -> String {
    let mut fields = Vec::with_capacity(256);
    EntryFields {
        seq,
        at_millis: at.millis(),
        user: actor.user.as_deref(),
        host: actor.host.as_deref(),
        action,
        subject,
        payload_sha256,
        prev,
    }
    .write_canonical(&mut fields);
    sha256_hex_bytes(&fields)
}

/// The fields of an entry its hash covers, borrowed.
pub(crate) struct EntryFields<'a> {
    pub seq: i64,
    pub at_millis: i64,
    pub user: Option<&'a str>,
    pub host: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub payload_sha256: &'a str,
    pub prev: &'a str,
}

impl EntryFields<'_> {
    /// Appends their canonical JSON to `out`, written directly in sorted key order.
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) {
        let optional = |out: &mut Vec<u8>, text: Option<&str>| match text {
            Some(text) => write_json_string(out, text),
            None => out.extend_from_slice(b"null"),
        };
        out.extend_from_slice(b"{\"action\":");
        write_json_string(out, self.action);
        out.extend_from_slice(b",\"actor\":{\"host\":");
        optional(out, self.host);
        out.extend_from_slice(b",\"user\":");
        optional(out, self.user);
        out.extend_from_slice(b"},\"at\":");
        write_integer(out, self.at_millis);
        out.extend_from_slice(b",\"payload_sha256\":");
        write_json_string(out, self.payload_sha256);
        out.extend_from_slice(b",\"prev\":");
        write_json_string(out, self.prev);
        out.extend_from_slice(b",\"seq\":");
        write_integer(out, self.seq);
        out.extend_from_slice(b",\"subject\":");
        write_json_string(out, self.subject);
        out.push(b'}');
    }
}

/// Lower-case hex digits, by value.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `value` in decimal.
pub(crate) fn write_integer(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Appends `text` as a canonical JSON string: quoted, with `"`, `\` and the control
/// characters escaped (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00xx`), all else as is.
pub(crate) fn write_json_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.push(b'"');
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPES[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if escape == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// By byte: 0 if it stands for itself in a JSON string, else the letter after the backslash
/// that escapes it (`u` for `\u00xx`).
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// SHA-256 of `text`, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    sha256_hex_bytes(text.as_bytes())
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex_text(&sha256(bytes))
}

/// A digest in lower-case hex, as a `String`.
pub(crate) fn hex_text(digest: &[u8; 32]) -> String {
    String::from_utf8_lossy(&hex_digest(digest)).into_owned()
}

/// SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A digest in lower-case hex.
pub(crate) fn hex_digest(digest: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, byte) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(byte >> 4)];
        out[2 * i + 1] = HEX[usize::from(byte & 0xf)];
    }
    out
}

/// `value` as canonical JSON (see the module's header).
pub fn canonical(value: &Value) -> String {
    sorted(value).to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The `import-marks` entry's subject and payload for commits newly marked as imported.
pub(crate) fn import_marks(marked: &mut [String]) -> (String, Value) {
    marked.sort();
    (
        format!("{} commit(s)", marked.len()),
        serde_json::json!({ "commits": marked }),
    )
}

/// The strings of a payload's array (`commits`, `imported`); nothing if it is not one.
pub(crate) fn json_strings(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The `lineage-merge` entry's payload: where the runs came from, the records read, the runs.
pub(crate) fn lineage_merge(runs: &[crate::NewRun], source: &str, records: &[String]) -> Value {
    let mut records = records.to_vec();
    records.sort();
    let ids: Vec<String> = runs.iter().map(|run| run.id.to_string()).collect();
    serde_json::json!({"source": source, "records": records, "runs": ids})
}

/// The outcome of verifying a store's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheck {
    /// Every problem, the chain's first break first.
    pub findings: Vec<AuditFinding>,
    /// The chain's last entry.
    pub head: Option<AuditEntry>,
    /// How many entries the chain has.
    pub entries: i64,
}

/// What `kin audit verify` found wrong, the first problem first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditFinding {
    /// An entry's own fields no longer give its hash.
    EntryEdited { seq: i64 },
    /// The chain skips or repeats a number: entries were deleted, inserted or reordered.
    Sequence { expected: i64, found: i64 },
    /// An entry does not point at the one before it.
    BrokenLink { seq: i64 },
    /// A row an entry describes now differs from what was written; `field` names what.
    RowEdited {
        seq: i64,
        subject: String,
        what: String,
        field: String,
        recorded: String,
        now: String,
    },
    /// A row an entry describes is gone.
    RowDeleted {
        seq: i64,
        subject: String,
        what: String,
    },
    /// A row no entry describes (written outside kin).
    RowInserted { subject: String, what: String },
    /// An anchor names an entry the chain no longer has, or with another hash.
    AnchorMismatch {
        seq: i64,
        anchored: String,
        found: Option<String>,
        source: String,
    },
}

impl AuditFinding {
    /// The finding in words.
    pub fn describe(&self) -> String {
        match self {
            AuditFinding::EntryEdited { seq } => {
                format!("entry {seq} was edited: its fields no longer give its hash")
            }
            AuditFinding::Sequence { expected, found } => format!(
                "entry {expected} is missing (the next is {found}): entries were deleted, inserted or reordered"
            ),
            AuditFinding::BrokenLink { seq } => {
                format!(
                    "entry {seq} does not follow the entry before it: the chain was reordered or rewritten"
                )
            }
            AuditFinding::RowEdited {
                seq,
                subject,
                what,
                field,
                recorded,
                now,
            } => format!(
                "{what} {subject} (entry {seq}) was edited: `{field}` was {recorded}, is now {now}"
            ),
            AuditFinding::RowDeleted { seq, subject, what } => {
                format!("{what} {subject} (entry {seq}) was deleted")
            }
            AuditFinding::RowInserted { subject, what } => {
                format!("{what} {subject} has no audit entry: it was written outside kin")
            }
            AuditFinding::AnchorMismatch {
                seq,
                anchored,
                found,
                source,
            } => match found {
                Some(found) => format!(
                    "the anchor in {source} says entry {seq} is {anchored}, the chain has {found}: the log was rewritten"
                ),
                None => format!(
                    "the anchor in {source} names entry {seq} ({anchored}), which the chain no longer has: the log was truncated"
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_hashes_are_of_the_canonical_fields() {
        let actor = Actor {
            user: Some("ana".to_owned()),
            host: None,
        };
        let fields = json!({
            "seq": 3, "at": 1_000, "actor": {"user": "ana", "host": null}, "action": "run",
            "subject": "x\"y", "payload_sha256": "ab", "prev": CHAIN_START,
        });
        assert_eq!(
            entry_hash(
                3,
                Timestamp::from_millis(1_000),
                &actor,
                "run",
                "x\"y",
                "ab",
                CHAIN_START
            ),
            sha256_hex(&canonical(&fields))
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_and_python_escape_them() {
        let mut samples: Vec<String> = (0u32..0x80)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        samples.extend(["", "é\u{2028}\u{10ffff}", "\\\"\\", "\u{7f}x\u{1f}"].map(str::to_owned));
        for sample in samples {
            let mut ours = Vec::new();
            write_json_string(&mut ours, &sample);
            assert_eq!(
                String::from_utf8(ours).expect("utf-8"),
                Value::from(sample.as_str()).to_string()
            );
        }
    }

    #[test]
    fn canonical_json_is_pythons_sorted_compact_form() {
        // json.dumps({"b": [1, {"d": None, "c": "é\n"}], "a": True}, sort_keys=True,
        //            separators=(",", ":"), ensure_ascii=False)
        let value = json!({"b": [1, {"d": null, "c": "é\n"}], "a": true});
        assert_eq!(
            canonical(&value),
            "{\"a\":true,\"b\":[1,{\"c\":\"é\\n\",\"d\":null}]}"
        );
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
