//! Anchors: the audit chain's head written into a git note (`refs/notes/kin-audit`) on the
//! current commit, one line per anchor: `kin-audit-anchor seq=N hash=HEX`. Notes travel with
//! `git push origin refs/notes/kin-audit`, and a store rewritten from scratch no longer
//! matches them.

use std::path::Path;

use super::AuditError;
use crate::git::{git_command, git_output};

/// The notes ref anchors live in.
pub const ANCHOR_REF: &str = "refs/notes/kin-audit";

const PREFIX: &str = "kin-audit-anchor";

/// One recorded head of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The commit whose note holds it.
    pub commit: String,
    pub seq: i64,
    pub hash: String,
}

/// Appends an anchor of `seq`/`hash` to the note of HEAD.
pub fn anchor_head(root: &Path, seq: i64, hash: &str) -> Result<Anchor, AuditError> {
    let commit = crate::git::resolve_commit(root, "HEAD")?.ok_or(AuditError::NoCommit)?;
    let line = format!("{PREFIX} seq={seq} hash={hash}");
    git_output(
        root,
        &["notes", "--ref", ANCHOR_REF, "append", "-m", &line, &commit],
    )?;
    Ok(Anchor {
        commit,
        seq,
        hash: hash.to_owned(),
    })
}

/// Every anchor in the notes ref (none if it does not exist).
pub fn read_anchors(root: &Path) -> Result<Vec<Anchor>, AuditError> {
    let listed = git_command(root, &["notes", "--ref", ANCHOR_REF, "list"])?;
    if !listed.status.success() {
        return Ok(Vec::new());
    }
    let mut anchors = Vec::new();
    for line in String::from_utf8_lossy(&listed.stdout).lines() {
        let Some((_, commit)) = line.split_once(' ') else {
            continue;
        };
        let note = git_output(root, &["notes", "--ref", ANCHOR_REF, "show", commit])?;
        for text in String::from_utf8_lossy(&note).lines() {
            let Some(fields) = text.strip_prefix(PREFIX) else {
                continue;
            };
            anchors.push(
                parse_fields(commit, fields).ok_or_else(|| AuditError::BadAnchor {
                    commit: commit.to_owned(),
                    line: text.to_owned(),
                })?,
            );
        }
    }
    anchors.sort_by_key(|a| a.seq);
    Ok(anchors)
}

fn parse_fields(commit: &str, fields: &str) -> Option<Anchor> {
    let mut seq = None;
    let mut hash = None;
    for field in fields.split_whitespace() {
        match field.split_once('=')? {
            ("seq", value) => seq = value.parse().ok(),
            ("hash", value)
                if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                hash = Some(value.to_owned())
            }
            _ => return None,
        }
    }
    Some(Anchor {
        commit: commit.to_owned(),
        seq: seq?,
        hash: hash?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_lines_read_back_and_malformed_ones_are_refused() {
        let hash = "a".repeat(64);
        let anchor = parse_fields("c0ffee", &format!(" seq=12 hash={hash}")).expect("valid");
        assert_eq!((anchor.seq, anchor.hash.as_str()), (12, hash.as_str()));
        assert_eq!(parse_fields("c0ffee", " seq=12 hash=xyz"), None);
        assert_eq!(parse_fields("c0ffee", " seq=twelve"), None);
    }
}
