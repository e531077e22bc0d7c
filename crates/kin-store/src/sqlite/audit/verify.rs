//! `kin audit verify` over SQLite: the slices read by [`scan`](super::scan) joined into one
//! chain, each run entry's digest against its run's, and the entries that are not runs
//! (promotions, import marks, a genesis) against their rows. Only a mismatch reads a
//! document whole, to name the field that changed.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde_json::{Value, json};

use super::run_document::{hex_text, run_document, run_id_text};
use super::scan::{ChainSlice, RunDigest, RunEntry, Scan, Slices, scan};
use super::{all_promotion_payloads, entry, imported_commits};
use crate::audit::{AuditCheck, AuditEntry, AuditFinding, CHAIN_START, canonical, sha256_hex};
use crate::error::StoreError;
use crate::ids::RunId;

/// Checks the chain and the rows it describes: every problem found, in chain order, and the
/// chain's last entry.
pub(in crate::sqlite) fn verify(conn: &Connection) -> Result<AuditCheck, StoreError> {
    verify_in(conn, Slices::DEFAULT)
}

/// [`verify`], the work cut into `slices`.
pub(super) fn verify_in(conn: &Connection, slices: Slices) -> Result<AuditCheck, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let conn: &Connection = &tx;
    let Scan { chain, mut runs } = scan(conn, slices)?;
    let joined = join_chain(&chain);
    let mut run_entries = Vec::new();
    let mut unnamed = Vec::new();
    let mut others = Vec::new();
    for slice in chain {
        run_entries.extend(slice.runs);
        unnamed.extend(slice.unnamed);
        others.extend(slice.others);
    }
    runs.sort_unstable_by_key(|run| run.uuid);
    let (other_findings, vouched) = verify_others(conn, &others, &runs)?;

    let mut findings: Vec<AuditFinding> = joined.broken.into_iter().collect();
    let (mut by_entry, inserted) = compare_runs(run_entries, &runs, &vouched);
    // An entry whose subject is not a run id names no run: whatever it was, it is gone.
    by_entry.extend(unnamed.into_iter().map(|seq| (seq, None)));
    by_entry.sort_unstable_by_key(|(seq, _)| *seq);
    for (seq, key) in by_entry {
        findings.extend(run_finding(conn, seq, key)?);
    }
    for key in inserted {
        findings.push(inserted_finding(conn, key)?);
    }
    findings.extend(other_findings);
    Ok(AuditCheck {
        findings,
        head: joined
            .last
            .map(|seq| entry(conn, seq))
            .transpose()?
            .flatten(),
        entries: joined.count,
    })
}

/// The chain's slices as one chain.
struct JoinedChain {
    broken: Option<AuditFinding>,
    count: i64,
    last: Option<i64>,
}

/// Joins the slices, checking each one's first entry against the one before: its number,
/// then its own hash (the slice checked it), then its link.
fn join_chain(slices: &[ChainSlice]) -> JoinedChain {
    let mut joined = JoinedChain {
        broken: None,
        count: 0,
        last: None,
    };
    let mut expected = 1;
    let mut prev = CHAIN_START;
    for slice in slices {
        joined.count += slice.count;
        let (Some((first_seq, first_prev)), Some((last_seq, last_hash))) =
            (&slice.first, &slice.last)
        else {
            continue;
        };
        if joined.broken.is_none() {
            let edited_first = matches!(slice.broken, Some(AuditFinding::EntryEdited { seq }) if seq == *first_seq);
            joined.broken = if *first_seq != expected {
                Some(AuditFinding::Sequence {
                    expected,
                    found: *first_seq,
                })
            } else if edited_first {
                slice.broken.clone()
            } else if first_prev != prev {
                Some(AuditFinding::BrokenLink { seq: *first_seq })
            } else {
                slice.broken.clone()
            };
        }
        expected = last_seq + 1;
        prev = last_hash;
        joined.last = Some(*last_seq);
    }
    joined
}

/// Run entries against runs (sorted by id): the entries whose run differs (`Some(key)`) or is
/// gone (`None`), by entry number, and the keys of runs no entry names and no genesis
/// vouches for.
fn compare_runs(
    mut entries: Vec<RunEntry>,
    runs: &[RunDigest],
    vouched: &HashSet<[u8; 16]>,
) -> (Vec<(i64, Option<i64>)>, Vec<i64>) {
    entries.sort_unstable_by_key(|entry| (entry.uuid, entry.seq));
    let mut mismatched = Vec::new();
    let mut inserted = Vec::new();
    let mut entries = entries.into_iter().peekable();
    for run in runs {
        let Some(uuid) = run.uuid else {
            inserted.push(run.key);
            continue;
        };
        while let Some(entry) = entries.next_if(|entry| entry.uuid < uuid) {
            mismatched.push((entry.seq, None));
        }
        let mut named = false;
        while let Some(entry) = entries.next_if(|entry| entry.uuid == uuid) {
            named = true;
            if entry.digest != run.digest {
                mismatched.push((entry.seq, Some(run.key)));
            }
        }
        if !named && !vouched.contains(&uuid) {
            inserted.push(run.key);
        }
    }
    mismatched.extend(entries.map(|entry| (entry.seq, None)));
    inserted.sort_unstable();
    (mismatched, inserted)
}

/// The finding for run entry `seq` whose run (key `run`) reads differently, or is gone.
fn run_finding(
    conn: &Connection,
    seq: i64,
    run: Option<i64>,
) -> Result<Option<AuditFinding>, StoreError> {
    let Some(entry) = entry(conn, seq)? else {
        return Ok(None);
    };
    let stage = serde_json::from_str::<Value>(&entry.payload)
        .ok()
        .and_then(|v| v["run"]["stage"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    let label = format!("{} (stage {stage})", entry.subject);
    let now = match run {
        Some(key) => run_document(conn, key)?.map(|(_, document)| document),
        None => None,
    };
    Ok(row_finding(
        seq,
        "run",
        &label,
        &entry.payload,
        now.as_deref(),
    ))
}

/// The finding for the run keyed `key` that no entry names.
fn inserted_finding(conn: &Connection, key: i64) -> Result<AuditFinding, StoreError> {
    let (id, stage) =
        conn.query_row("SELECT uuid, stage FROM run WHERE id = ?1", [key], |row| {
            Ok((run_id_text(row.get_ref(0)?), row.get::<_, String>(1)?))
        })?;
    Ok(AuditFinding::RowInserted {
        subject: format!("{id} (stage {stage})"),
        what: "run".to_owned(),
    })
}

/// The first field where two documents differ, with both values (`path.to.field`).
fn first_difference(recorded: &Value, now: &Value, path: &str) -> Option<(String, String, String)> {
    match (recorded, now) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let inner = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                first_difference(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    &inner,
                )
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some((path.to_owned(), a.to_string(), b.to_string())),
    }
}

/// The finding for a row whose document is `now` (or gone) where `recorded` was written.
fn row_finding(
    seq: i64,
    what: &str,
    subject: &str,
    recorded: &str,
    now: Option<&str>,
) -> Option<AuditFinding> {
    match now {
        None => Some(AuditFinding::RowDeleted {
            seq,
            subject: subject.to_owned(),
            what: what.to_owned(),
        }),
        Some(now) if now == recorded => None,
        Some(now) => {
            let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
            let (field, was, is) =
                first_difference(&parse(recorded), &parse(now), "").unwrap_or_default();
            Some(AuditFinding::RowEdited {
                seq,
                subject: subject.to_owned(),
                what: what.to_owned(),
                field,
                recorded: was,
                now: is,
            })
        }
    }
}

/// The entries that are not runs — promotions, import marks, a genesis — against their rows,
/// and the promotions and imported commits no entry names; with the runs a genesis vouches
/// for.
fn verify_others(
    conn: &Connection,
    others: &[AuditEntry],
    runs: &[RunDigest],
) -> Result<(Vec<AuditFinding>, HashSet<[u8; 16]>), StoreError> {
    let mut findings = Vec::new();
    let mut promotions = all_promotion_payloads(conn)?;
    let mut imported = imported_commits(conn)?;
    let mut vouched = HashSet::new();
    for entry in others {
        let recorded: Value = serde_json::from_str(&entry.payload).unwrap_or(Value::Null);
        match entry.action.as_str() {
            "promotion" => {
                let now = promotions.remove(&entry.subject).map(|doc| canonical(&doc));
                findings.extend(row_finding(
                    entry.seq,
                    "promotion",
                    &entry.subject,
                    &entry.payload,
                    now.as_deref(),
                ));
            }
            "import-marks" => {
                for commit in recorded["commits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !imported.remove(commit) {
                        findings.push(AuditFinding::RowDeleted {
                            seq: entry.seq,
                            subject: commit.to_owned(),
                            what: "imported commit".to_owned(),
                        });
                    }
                }
            }
            "genesis" => {
                findings.extend(genesis_findings(
                    entry,
                    &recorded,
                    runs,
                    &mut promotions,
                    &mut vouched,
                ));
                for commit in recorded["imported"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    imported.remove(commit);
                }
            }
            _ => {}
        }
    }

    let mut tags: Vec<String> = promotions.into_keys().collect();
    tags.sort();
    for tag in tags {
        findings.push(AuditFinding::RowInserted {
            subject: tag,
            what: "promotion".to_owned(),
        });
    }
    let mut commits: Vec<String> = imported.into_iter().collect();
    commits.sort();
    for commit in commits {
        findings.push(AuditFinding::RowInserted {
            subject: commit,
            what: "imported commit".to_owned(),
        });
    }
    Ok((findings, vouched))
}

/// The rows a genesis entry vouches for against their digests; the runs it names join
/// `vouched`.
fn genesis_findings(
    entry: &AuditEntry,
    recorded: &Value,
    runs: &[RunDigest],
    promotions: &mut HashMap<String, Value>,
    vouched: &mut HashSet<[u8; 16]>,
) -> Vec<AuditFinding> {
    let mut findings = Vec::new();
    let edited =
        |what: &str, subject: &str, digest: &Value, found: String| AuditFinding::RowEdited {
            seq: entry.seq,
            subject: subject.to_owned(),
            what: what.to_owned(),
            field: format!("(a field of a {what} recorded before the audit log)"),
            recorded: digest.to_string(),
            now: found,
        };
    for (id, digest) in recorded["runs"].as_object().into_iter().flatten() {
        let uuid = id.parse::<RunId>().ok().map(|id| id.0);
        vouched.extend(uuid);
        let found = uuid.and_then(|uuid| {
            runs.binary_search_by_key(&Some(uuid), |run| run.uuid)
                .ok()
                .map(|i| hex_text(&runs[i].digest))
        });
        match found {
            None => findings.push(AuditFinding::RowDeleted {
                seq: entry.seq,
                subject: id.clone(),
                what: "run".to_owned(),
            }),
            Some(found) if json!(found) != *digest => {
                findings.push(edited("run", id, digest, found))
            }
            Some(_) => {}
        }
    }
    for (tag, digest) in recorded["promotions"].as_object().into_iter().flatten() {
        match promotions.remove(tag) {
            None => findings.push(AuditFinding::RowDeleted {
                seq: entry.seq,
                subject: tag.clone(),
                what: "promotion".to_owned(),
            }),
            Some(doc) if json!(sha256_hex(&canonical(&doc))) != *digest => {
                findings.push(edited(
                    "promotion",
                    tag,
                    digest,
                    sha256_hex(&canonical(&doc)),
                ));
            }
            Some(_) => {}
        }
    }
    findings
}
