//! Typed identifiers: run ids (UUIDv7) and artifact content hashes.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;
use crate::timestamp::Timestamp;

/// A run's id: a UUIDv7, so ids sort by creation time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RunId(pub [u8; 16]);

impl RunId {
    /// A fresh UUIDv7 for a run starting at `at`.
    pub fn new_v7(at: Timestamp) -> Self {
        let mut bytes = [0u8; 16];
        let millis = u64::try_from(at.millis()).unwrap_or(0);
        bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
        bytes[6..].copy_from_slice(&random_bytes());
        bytes[6] = 0x70 | (bytes[6] & 0x0f);
        bytes[8] = 0x80 | (bytes[8] & 0x3f);
        RunId(bytes)
    }

    /// The id as 32 lowercase hex digits without dashes (how prefixes are matched).
    pub fn to_simple(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(32);
        for byte in self.0 {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        hex
    }
}

/// Ten unpredictable bytes: from the kernel, or failing that from std's per-process hash keys
/// mixed with the time and a counter (ids must be unique, not secret).
fn random_bytes() -> [u8; 10] {
    use std::io::Read;
    let mut out = [0u8; 10];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .is_ok()
    {
        return out;
    }
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    for chunk in out.chunks_mut(8) {
        let mut hasher = state.build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        let word = hasher.finish().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    out
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_simple();
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

impl FromStr for RunId {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        let bad = || StoreError::BadRunId {
            text: text.to_owned(),
        };
        if hex.len() != 32 {
            return Err(bad());
        }
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(RunId(bytes))
    }
}

/// Normalises a user-typed run id prefix (dashes dropped, lowercase); `None` if it holds
/// anything but hex digits.
pub(crate) fn run_prefix(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (!hex.is_empty() && hex.len() <= 32 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(hex)
}

/// The smallest and largest run ids starting with `prefix` (hex digits, dashes ignored): the
/// ids sharing a prefix form one range of the big-endian uuid column.
pub(crate) fn prefix_bounds(prefix: &str) -> Result<(RunId, RunId), StoreError> {
    let Some(hex) = run_prefix(prefix) else {
        return Err(StoreError::BadRunId {
            text: prefix.to_owned(),
        });
    };
    let bound = |fill: char| -> Result<RunId, StoreError> {
        let mut text = hex.clone();
        text.extend(std::iter::repeat_n(fill, 32 - hex.len()));
        text.parse()
    };
    Ok((bound('0')?, bound('f')?))
}

/// An artifact version's content hash as DVC names it: a file's md5, or a directory
/// manifest's md5 followed by `.dir`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ArtifactHash(String);

impl ArtifactHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_dir(&self) -> bool {
        self.0.ends_with(".dir")
    }

    /// A file's hash from its md5 digest.
    pub fn from_md5(digest: [u8; 16]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let text = digest
            .iter()
            .flat_map(|byte| [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]])
            .map(char::from)
            .collect();
        ArtifactHash(text)
    }
}

impl fmt::Display for ArtifactHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ArtifactHash {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digest = text.strip_suffix(".dir").unwrap_or(text);
        if digest.len() == 32
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(ArtifactHash(text.to_owned()))
        } else {
            Err(StoreError::BadHash {
                text: text.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_ids_carry_their_time_version_and_variant() {
        let at = Timestamp::from_millis(1_700_000_000_123);
        let id = RunId::new_v7(at);
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "7");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(&id.to_simple()[..12], "018bcfe5687b");
        assert_eq!(text.parse::<RunId>().expect("parses"), id);
        assert_ne!(RunId::new_v7(at), id);
    }

    #[test]
    fn hashes_are_validated() {
        assert!(
            "d41d8cd98f00b204e9800998ecf8427e"
                .parse::<ArtifactHash>()
                .is_ok()
        );
        let dir: ArtifactHash = "d41d8cd98f00b204e9800998ecf8427e.dir".parse().expect("dir");
        assert!(dir.is_dir());
        assert!(
            "D41D8CD98F00B204E9800998ECF8427E"
                .parse::<ArtifactHash>()
                .is_err()
        );
        assert!("abc".parse::<ArtifactHash>().is_err());
        assert_eq!(run_prefix("0190-AB"), Some("0190ab".to_owned()));
        assert_eq!(run_prefix("xyz"), None);
    }
}
