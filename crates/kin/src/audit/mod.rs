//! The audit trail: the lineage store's hash chain verified against its rows, against the
//! registry tags it records, and against anchors of its head kept in git notes — so that a
//! store rewritten consistently from scratch is still caught against git history.

mod anchors;
pub mod bundle;
pub mod json;
pub mod signing;

use std::path::Path;

use kin_store::Store;
use kin_store::audit::{AuditEntry, AuditFinding};

use crate::Repo;
use crate::git::GitError;
use crate::lineage::LineageError;

pub use anchors::{ANCHOR_REF, Anchor, anchor_head, read_anchors};

/// Why the audit could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Lineage(#[from] LineageError),
    #[error(transparent)]
    Store(#[from] kin_store::StoreError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the audit log is empty: there is nothing to anchor")]
    EmptyLog,
    #[error("the repository has no commit to attach the anchor to")]
    NoCommit,
    #[error(transparent)]
    Key(#[from] signing::KeyError),
    #[error("anchor note on commit {commit} is malformed: {line:?}")]
    BadAnchor { commit: String, line: String },
}

/// What `kin audit verify` found.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub findings: Vec<AuditFinding>,
    /// The chain's last entry.
    pub head: Option<AuditEntry>,
    pub entries: usize,
    /// The anchors checked.
    pub anchors: Vec<Anchor>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies the chain, the rows it describes, the registry tags it records and every anchor.
pub fn verify(repo: &Repo) -> Result<AuditReport, AuditError> {
    let store = crate::lineage::open_store(repo)?;
    verify_store(repo.root(), &store)
}

fn verify_store(root: &Path, store: &Store) -> Result<AuditReport, AuditError> {
    let check = store.audit_verify()?;
    let mut findings = check.findings;
    findings.extend(registry_findings(
        root,
        &store.audit_entries(Some("registry"), None)?,
    )?);
    let anchors = read_anchors(root)?;
    for anchor in &anchors {
        let found = store.audit_entry(anchor.seq)?.map(|e| e.hash);
        if let Some((key, false)) = &anchor.signed {
            findings.push(AuditFinding::AnchorMismatch {
                seq: anchor.seq,
                anchored: anchor.hash.clone(),
                found: Some(format!(
                    "a signature that key {} did not make",
                    short_key(key)
                )),
                source: format!("the git note on commit {}", short(&anchor.commit)),
            });
        }
        if found.as_deref() != Some(anchor.hash.as_str()) {
            findings.push(AuditFinding::AnchorMismatch {
                seq: anchor.seq,
                anchored: anchor.hash.clone(),
                found,
                source: format!("the git note on commit {}", short(&anchor.commit)),
            });
        }
    }
    Ok(AuditReport {
        findings,
        head: check.head,
        entries: usize::try_from(check.entries).unwrap_or(usize::MAX),
        anchors,
    })
}

/// A public key's first 16 hex digits, as verification names signers.
pub fn short_key(key: &str) -> &str {
    key.get(..16).unwrap_or(key)
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// Registry entries whose tag is gone or now points elsewhere.
fn registry_findings(root: &Path, entries: &[AuditEntry]) -> Result<Vec<AuditFinding>, AuditError> {
    let mut findings = Vec::new();
    let registry: Vec<&AuditEntry> = entries.iter().filter(|e| e.action == "registry").collect();
    if registry.is_empty() {
        return Ok(findings);
    }
    let (_, tags) = crate::registry::git_tags::read_tags(root)?;
    for entry in registry {
        let recorded: serde_json::Value = serde_json::from_str(&entry.payload).unwrap_or_default();
        let commit = recorded["commit"].as_str().unwrap_or_default();
        match tags.iter().find(|t| t.name == entry.subject) {
            None => findings.push(AuditFinding::RowDeleted {
                seq: entry.seq,
                subject: entry.subject.clone(),
                what: "registry tag".to_owned(),
            }),
            Some(tag) if tag.target != commit => findings.push(AuditFinding::RowEdited {
                seq: entry.seq,
                subject: entry.subject.clone(),
                what: "registry tag".to_owned(),
                field: "commit".to_owned(),
                recorded: commit.to_owned(),
                now: tag.target.clone(),
            }),
            Some(_) => {}
        }
    }
    Ok(findings)
}
