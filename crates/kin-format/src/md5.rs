//! Typed md5 digests and object ids (`<md5>` for files, `<md5>.dir` for directories).

use std::fmt;
use std::str::FromStr;

/// An md5 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Md5(pub [u8; 16]);

impl Md5 {
    /// The md5 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use md5::Digest;
        Md5(md5::Md5::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Md5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of the whole hex string: manifests format tens of thousands of these.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0xf)];
        }
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Md5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Md5({self})")
    }
}

/// Text that is not 32 hex digits (optionally followed by `.dir` for an object id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an md5 hash")]
pub struct BadHash(pub String);

impl FromStr for Md5 {
    type Err = BadHash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadHash(s.to_owned());
        if s.len() != 32 {
            return Err(bad());
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(Md5(out))
    }
}

/// What a cache object is named by: a file's md5, or a directory manifest's md5 with `.dir`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ObjectId {
    pub md5: Md5,
    pub is_dir: bool,
}

impl ObjectId {
    pub fn file(md5: Md5) -> Self {
        ObjectId { md5, is_dir: false }
    }

    pub fn dir(md5: Md5) -> Self {
        ObjectId { md5, is_dir: true }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.md5, if self.is_dir { ".dir" } else { "" })
    }
}

impl FromStr for ObjectId {
    type Err = BadHash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_suffix(".dir") {
            Some(md5) => Ok(ObjectId::dir(
                md5.parse().map_err(|_| BadHash(s.to_owned()))?,
            )),
            None => Ok(ObjectId::file(s.parse()?)),
        }
    }
}

/// How a recorded `md5` was computed, which also says where its object is kept. DVC 3 reads
/// an entry without a `hash:` key as written by DVC 2 (`Output._compute_hash_info_from_meta`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub enum HashName {
    /// DVC 3's `hash: md5`: md5 of the raw bytes; objects under `files/md5/`.
    #[default]
    Md5,
    /// DVC 2's "md5-dos2unix": CRLF read as LF in text; objects at the cache's top level.
    Md5Dos2Unix,
}

impl HashName {
    /// The name an entry's `hash:` key gives: none is DVC 2's.
    pub fn of_entry(hash_key: Option<&str>) -> Self {
        match hash_key {
            Some("md5") => HashName::Md5,
            _ => HashName::Md5Dos2Unix,
        }
    }

    /// Whether this is DVC 2's hash, written without a `hash:` key.
    pub fn is_legacy(self) -> bool {
        self == HashName::Md5Dos2Unix
    }

    /// DVC's name for it (`md5`, `md5-dos2unix`).
    pub fn as_str(self) -> &'static str {
        match self {
            HashName::Md5 => "md5",
            HashName::Md5Dos2Unix => "md5-dos2unix",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let empty = Md5::of(b"");
        assert_eq!(empty.to_string(), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!("d41d8cd98f00b204e9800998ecf8427e".parse::<Md5>(), Ok(empty));
        let id: ObjectId = "5edea7ba3ee6f8a54b340b85b3bc7b50.dir"
            .parse()
            .expect("valid");
        assert!(id.is_dir);
        assert_eq!(id.to_string(), "5edea7ba3ee6f8a54b340b85b3bc7b50.dir");
        assert!("xyz".parse::<Md5>().is_err());
        assert!("d41d8cd98f00b204e9800998ecf8427g".parse::<Md5>().is_err());
    }
}
