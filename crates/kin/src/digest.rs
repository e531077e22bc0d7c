//! sha256 digests as lowercase hex: the ids of run-cache entries, environments and fingerprints.

use sha2::{Digest, Sha256};

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
