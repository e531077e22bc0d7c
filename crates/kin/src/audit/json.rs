//! The JSON of an audit entry, for `kin audit log --json` and the HTTP API alike: its fields,
//! with the payload as the JSON it holds.

use kin_store::audit::AuditEntry;
use serde_json::{Value, json};

pub fn entry_json(entry: &AuditEntry) -> Value {
    json!({
        "seq": entry.seq,
        "at": entry.at.to_string(),
        "user": entry.actor.user,
        "host": entry.actor.host,
        "action": entry.action,
        "subject": entry.subject,
        "payload": serde_json::from_str::<Value>(&entry.payload).unwrap_or(Value::Null),
        "prev": entry.prev,
        "hash": entry.hash,
    })
}
