//! Signed anchors: an Ed25519 key (its 32-byte secret seed as 64 hex digits, from a file or
//! `KIN_AUDIT_SIGNING_KEY`) signs the anchor line `kin-audit-anchor seq=N hash=HEX`; the
//! note keeps the public key and the signature, so verification says who signed.

use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// Why a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no signing key: pass --key FILE or set {}",
        crate::env::KIN_AUDIT_SIGNING_KEY
    )]
    Missing,
    #[error("cannot read the signing key {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the signing key must be 64 hex digits (a 32-byte Ed25519 seed)")]
    Malformed,
}

/// The signing key from `file`, else from the environment.
pub fn load_key(file: Option<&Path>) -> Result<SigningKey, KeyError> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?,
        None => std::env::var(crate::env::KIN_AUDIT_SIGNING_KEY).map_err(|_| KeyError::Missing)?,
    };
    let seed: [u8; 32] = hex_bytes(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or(KeyError::Malformed)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// `(public key hex, signature hex)` of `message`.
pub fn sign(key: &SigningKey, message: &str) -> (String, String) {
    let signature = key.sign(message.as_bytes());
    (
        hex(key.verifying_key().as_bytes()),
        hex(&signature.to_bytes()),
    )
}

/// Whether `signature` (hex) by `public_key` (hex) signs `message`.
pub fn verify(public_key: &str, signature: &str, message: &str) -> bool {
    let key: Option<[u8; 32]> = hex_bytes(public_key).and_then(|b| b.try_into().ok());
    let sig: Option<[u8; 64]> = hex_bytes(signature).and_then(|b| b.try_into().ok());
    match (key, sig) {
        (Some(key), Some(sig)) => VerifyingKey::from_bytes(&key)
            .map(|key| {
                key.verify(message.as_bytes(), &Signature::from_bytes(&sig))
                    .is_ok()
            })
            .unwrap_or(false),
        _ => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let (public, signature) = sign(&key, "kin-audit-anchor seq=3 hash=ab");
        assert!(verify(
            &public,
            &signature,
            "kin-audit-anchor seq=3 hash=ab"
        ));
        assert!(!verify(
            &public,
            &signature,
            "kin-audit-anchor seq=4 hash=ab"
        ));
        let other = hex(SigningKey::from_bytes(&[8u8; 32])
            .verifying_key()
            .as_bytes());
        assert!(!verify(
            &other,
            &signature,
            "kin-audit-anchor seq=3 hash=ab"
        ));
        assert!(!verify("zz", &signature, "x"));
    }
}
