//! Judging an audit chain against the rows it describes, whichever backend holds them: a
//! reader checks entries' numbers, hashes and links and keeps each run entry's payload
//! digest; the backend supplies each run's document digest; the judge compares them and
//! words what differs, reading single rows only where something does not match.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::audit::{
    AuditCheck, AuditEntry, AuditFinding, CHAIN_START, EntryFields, canonical, hex_digest,
    hex_text, json_strings, sha256, sha256_hex,
};
use crate::error::StoreError;
use crate::ids::RunId;
use crate::schedule::attempt_key;

/// A run entry's payload digest, by the run id it names.
#[derive(Clone, Debug)]
pub(crate) struct RunEntry {
    pub uuid: [u8; 16],
    pub seq: i64,
    pub digest: [u8; 32],
}

/// A run's document digest as its rows read now; `uuid` is `None` if its id column was edited
/// into something that is not an id.
#[derive(Clone, Debug)]
pub(crate) struct RunDigest {
    pub uuid: Option<[u8; 16]>,
    pub key: i64,
    pub digest: [u8; 32],
}

/// What a slice of the chain holds and where it breaks.
#[derive(Debug, Default)]
pub(crate) struct ChainSlice {
    /// The first entry's number and the hash it says precedes it.
    pub first: Option<(i64, String)>,
    /// The last entry's number and hash.
    pub last: Option<(i64, String)>,
    /// The slice's first break; one at its first entry can only be an edit (its number and
    /// link are checked against the slice before).
    pub broken: Option<AuditFinding>,
    pub count: i64,
    pub runs: Vec<RunEntry>,
    /// The numbers of run entries whose subject is not a run id.
    pub unnamed: Vec<i64>,
    /// The entries that are not runs, whole.
    pub others: Vec<AuditEntry>,
}

/// Checks entries one after another, in number order: each one's number, hash and link to
/// the one before; keeps what the rows will be compared with.
#[derive(Default)]
pub(crate) struct ChainReader {
    slice: ChainSlice,
    fields: Vec<u8>,
    last_hash: Vec<u8>,
    last_seq: Option<i64>,
}

/// One entry's stored columns, borrowed.
pub(crate) struct StoredEntry<'a> {
    pub seq: i64,
    pub at_millis: i64,
    pub user: Option<&'a str>,
    pub host: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub payload: &'a [u8],
    pub prev: &'a str,
    pub hash: &'a str,
}

impl ChainReader {
    /// Reads the next entry; `whole` gives it as an [`AuditEntry`] (only entries that are not
    /// runs are kept whole).
    pub(crate) fn push(
        &mut self,
        entry: &StoredEntry<'_>,
        whole: impl FnOnce() -> Result<AuditEntry, StoreError>,
    ) -> Result<(), StoreError> {
        let payload_digest = sha256(entry.payload);
        let payload_hex = hex_digest(&payload_digest);
        self.fields.clear();
        EntryFields {
            seq: entry.seq,
            at_millis: entry.at_millis,
            user: entry.user,
            host: entry.host,
            action: entry.action,
            subject: entry.subject,
            payload_sha256: std::str::from_utf8(&payload_hex).unwrap_or_default(),
            prev: entry.prev,
        }
        .write_canonical(&mut self.fields);
        let edited = hex_digest(&sha256(&self.fields)) != entry.hash.as_bytes();
        let seq = entry.seq;
        let slice = &mut self.slice;
        slice.count += 1;
        match self.last_seq {
            None => {
                slice.first = Some((seq, entry.prev.to_owned()));
                if edited {
                    slice.broken = Some(AuditFinding::EntryEdited { seq });
                }
            }
            Some(before) if slice.broken.is_none() => {
                slice.broken = if seq != before + 1 {
                    Some(AuditFinding::Sequence {
                        expected: before + 1,
                        found: seq,
                    })
                } else if edited {
                    Some(AuditFinding::EntryEdited { seq })
                } else if entry.prev.as_bytes() != self.last_hash.as_slice() {
                    Some(AuditFinding::BrokenLink { seq })
                } else {
                    None
                };
            }
            Some(_) => {}
        }
        self.last_seq = Some(seq);
        self.last_hash.clear();
        self.last_hash.extend_from_slice(entry.hash.as_bytes());
        if entry.action == "run" {
            match entry.subject.parse::<RunId>() {
                Ok(id) => slice.runs.push(RunEntry {
                    uuid: id.0,
                    seq,
                    digest: payload_digest,
                }),
                Err(_) => slice.unnamed.push(seq),
            }
        } else {
            slice.others.push(whole()?);
        }
        Ok(())
    }

    /// What the entries read hold.
    pub(crate) fn finish(mut self) -> ChainSlice {
        self.slice.last = self
            .last_seq
            .map(|seq| (seq, String::from_utf8_lossy(&self.last_hash).into_owned()));
        self.slice
    }
}

/// What the judge needs from a store beyond the digests: single rows, read only where
/// something does not match, and the few rows that are not runs.
pub(crate) trait AuditSource {
    /// The entry numbered `seq`.
    fn entry(&self, seq: i64) -> Result<Option<AuditEntry>, StoreError>;
    /// The canonical document of the run keyed `key`, as its rows read now.
    fn run_document(&self, key: i64) -> Result<Option<String>, StoreError>;
    /// The id (as text) and stage of the run keyed `key`.
    fn run_label(&self, key: i64) -> Result<(String, String), StoreError>;
    /// Every promotion's row as a document, by tag.
    fn promotion_documents(&self) -> Result<HashMap<String, Value>, StoreError>;
    /// The commits marked as imported.
    fn imported_commits(&self) -> Result<HashSet<String>, StoreError>;
    /// Every schedule attempt's row as a document (`AttemptColumns::document`).
    fn schedule_attempt_documents(&self) -> Result<Vec<Value>, StoreError>;
}

/// Judges a chain read in `chain` slices (in number order) against the runs' digests (in any
/// order): every problem found, in chain order, and the chain's last entry.
pub(crate) fn judge(
    source: &dyn AuditSource,
    chain: Vec<ChainSlice>,
    mut runs: Vec<RunDigest>,
) -> Result<AuditCheck, StoreError> {
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
    let (other_findings, vouched) = verify_others(source, &others, &runs)?;

    let mut findings: Vec<AuditFinding> = joined.broken.into_iter().collect();
    let (mut by_entry, inserted) = compare_runs(run_entries, &runs, &vouched);
    // An entry whose subject is not a run id names no run: whatever it was, it is gone.
    by_entry.extend(unnamed.into_iter().map(|seq| (seq, None)));
    by_entry.sort_unstable_by_key(|(seq, _)| *seq);
    for (seq, key) in by_entry {
        findings.extend(run_finding(source, seq, key)?);
    }
    for key in inserted {
        let (id, stage) = source.run_label(key)?;
        findings.push(AuditFinding::RowInserted {
            subject: format!("{id} (stage {stage})"),
            what: "run".to_owned(),
        });
    }
    findings.extend(other_findings);
    Ok(AuditCheck {
        findings,
        head: joined
            .last
            .map(|seq| source.entry(seq))
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
    source: &dyn AuditSource,
    seq: i64,
    run: Option<i64>,
) -> Result<Option<AuditFinding>, StoreError> {
    let Some(entry) = source.entry(seq)? else {
        return Ok(None);
    };
    let stage = serde_json::from_str::<Value>(&entry.payload)
        .ok()
        .and_then(|v| v["run"]["stage"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    let label = format!("{} (stage {stage})", entry.subject);
    let now = match run {
        Some(key) => source.run_document(key)?,
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

/// The entries that are not runs — promotions, schedule attempts, import marks, a genesis —
/// against their rows, and the promotions, attempts and imported commits no entry names; with
/// the runs a genesis vouches for.
fn verify_others(
    source: &dyn AuditSource,
    others: &[AuditEntry],
    runs: &[RunDigest],
) -> Result<(Vec<AuditFinding>, HashSet<[u8; 16]>), StoreError> {
    let mut findings = Vec::new();
    let mut promotions = source.promotion_documents()?;
    let mut imported = source.imported_commits()?;
    let mut attempts: HashMap<String, Vec<Value>> = HashMap::new();
    for document in source.schedule_attempt_documents()? {
        attempts
            .entry(attempt_key(&document))
            .or_default()
            .push(document);
    }
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
            "schedule-attempt" => {
                let key = attempt_key(&recorded);
                let now = attempts
                    .get_mut(&key)
                    .and_then(Vec::pop)
                    .map(|document| canonical(&document));
                findings.extend(row_finding(
                    entry.seq,
                    "schedule attempt",
                    &key,
                    &canonical(&recorded),
                    now.as_deref(),
                ));
            }
            "import-marks" => {
                for commit in json_strings(&recorded["commits"]) {
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
                for commit in json_strings(&recorded["imported"]) {
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
    let mut unrecorded: Vec<String> = attempts
        .into_iter()
        .flat_map(|(key, rows)| std::iter::repeat_n(key, rows.len()))
        .collect();
    unrecorded.sort();
    for key in unrecorded {
        findings.push(AuditFinding::RowInserted {
            subject: key,
            what: "schedule attempt".to_owned(),
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
