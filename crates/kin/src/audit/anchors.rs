//! Anchors: the audit chain's head written into a git note (`refs/notes/kin-audit`) on the
//! current commit, one line per anchor: `kin-audit-anchor seq=N hash=HEX`, followed by
//! ` key=PUBLIC sig=SIGNATURE` when signed (Ed25519 over the text before them). Notes travel
//! with `git push origin refs/notes/kin-audit`, and a store rewritten from scratch no longer
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
    /// For a signed anchor: the signer's public key (hex) and whether the signature holds.
    pub signed: Option<(String, bool)>,
}

/// The text an anchor's signature covers.
fn signed_text(seq: i64, hash: &str) -> String {
    format!("{PREFIX} seq={seq} hash={hash}")
}

/// Appends an anchor of `seq`/`hash` to the note of HEAD, signed with `key` if given.
pub fn anchor_head(
    root: &Path,
    seq: i64,
    hash: &str,
    key: Option<&ed25519_dalek::SigningKey>,
) -> Result<Anchor, AuditError> {
    let commit = crate::git::resolve_commit(root, "HEAD")?.ok_or(AuditError::NoCommit)?;
    let mut line = signed_text(seq, hash);
    let signed = key.map(|key| {
        let (public, signature) = super::signing::sign(key, &line);
        line.push_str(&format!(" key={public} sig={signature}"));
        (public, true)
    });
    git_output(
        root,
        &["notes", "--ref", ANCHOR_REF, "append", "-m", &line, &commit],
    )?;
    Ok(Anchor {
        commit,
        seq,
        hash: hash.to_owned(),
        signed,
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
    let mut key = None;
    let mut signature = None;
    for field in fields.split_whitespace() {
        match field.split_once('=')? {
            ("seq", value) => seq = value.parse().ok(),
            ("hash", value)
                if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                hash = Some(value.to_owned())
            }
            ("key", value) => key = Some(value.to_owned()),
            ("sig", value) => signature = Some(value.to_owned()),
            _ => return None,
        }
    }
    let (seq, hash): (i64, String) = (seq?, hash?);
    let signed = match (key, signature) {
        (None, None) => None,
        (Some(key), Some(signature)) => {
            let valid = super::signing::verify(&key, &signature, &signed_text(seq, &hash));
            Some((key, valid))
        }
        _ => return None,
    };
    Some(Anchor {
        commit: commit.to_owned(),
        seq,
        hash,
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_lines_read_back_and_malformed_ones_are_refused() {
        let hash = "a".repeat(64);
        let anchor = parse_fields("c0ffee", &format!(" seq=12 hash={hash}")).expect("valid");
        assert_eq!(
            (anchor.seq, anchor.hash.as_str(), anchor.signed),
            (12, hash.as_str(), None)
        );
        assert_eq!(parse_fields("c0ffee", " seq=12 hash=xyz"), None);
        assert_eq!(parse_fields("c0ffee", " seq=twelve"), None);
        assert_eq!(
            parse_fields("c0ffee", &format!(" seq=1 hash={hash} key=ab")),
            None
        );
    }

    #[test]
    fn a_signed_anchor_reads_back_valid_and_a_forged_one_invalid() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let hash = "b".repeat(64);
        let (public, signature) = super::super::signing::sign(&key, &signed_text(5, &hash));
        let anchor = parse_fields(
            "c0ffee",
            &format!(" seq=5 hash={hash} key={public} sig={signature}"),
        )
        .expect("valid");
        assert_eq!(anchor.signed, Some((public.clone(), true)));
        let forged = parse_fields(
            "c0ffee",
            &format!(" seq=6 hash={hash} key={public} sig={signature}"),
        )
        .expect("parses");
        assert_eq!(forged.signed, Some((public, false)));
    }
}
