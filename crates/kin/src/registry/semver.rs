//! Semantic versions as GTO writes them in tags (`v1.2.3`, `v2.0.0-rc.1+build.5`): parsing by
//! SemVer 2.0's grammar, precedence as python-semver compares (build metadata ignored), bumps.

use std::cmp::Ordering;
use std::fmt;

/// Why a version was refused.
#[derive(Debug, thiserror::Error)]
#[error("`{text}` is not a semantic version: write it as vMAJOR.MINOR.PATCH, e.g. v1.0.0")]
pub struct VersionError {
    pub text: String,
}

/// A version with its `v` prefix, e.g. `v1.2.0`.
#[derive(Debug, Clone)]
pub struct SemVer {
    text: String,
    /// Major, minor and patch as decimal digits without leading zeros (any length, as Python's
    /// integers are).
    core: [String; 3],
    prerelease: Vec<String>,
}

impl SemVer {
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let refuse = || VersionError {
            text: text.to_owned(),
        };
        let body = text.strip_prefix('v').ok_or_else(refuse)?;
        let (body, build) = match body.split_once('+') {
            Some((body, build)) => (body, Some(build)),
            None => (body, None),
        };
        let (core, prerelease) = match body.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (body, None),
        };
        let numbers: Vec<&str> = core.split('.').collect();
        let [major, minor, patch] = numbers.as_slice() else {
            return Err(refuse());
        };
        if ![major, minor, patch]
            .iter()
            .all(|n| is_numeric_identifier(n))
        {
            return Err(refuse());
        }
        let prerelease: Vec<String> = match prerelease {
            None => Vec::new(),
            Some(pre) => {
                let ids: Vec<&str> = pre.split('.').collect();
                let valid = |id: &&str| {
                    is_numeric_identifier(id)
                        || (!id.is_empty()
                            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !id.chars().all(|c| c.is_ascii_digit()))
                };
                if !ids.iter().all(valid) {
                    return Err(refuse());
                }
                ids.into_iter().map(str::to_owned).collect()
            }
        };
        if let Some(build) = build {
            let valid = |id: &str| {
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            };
            if !build.split('.').all(valid) {
                return Err(refuse());
            }
        }
        Ok(SemVer {
            text: text.to_owned(),
            core: [
                (*major).to_owned(),
                (*minor).to_owned(),
                (*patch).to_owned(),
            ],
            prerelease,
        })
    }

    /// The first version GTO registers: `v0.0.1`.
    pub fn first() -> Self {
        SemVer {
            text: "v0.0.1".to_owned(),
            core: ["0".to_owned(), "0".to_owned(), "1".to_owned()],
            prerelease: Vec::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The next version at `part` (0 major, 1 minor, 2 patch): lower parts reset to 0, and
    /// pre-release and build dropped, as python-semver bumps.
    pub fn bump(&self, part: Bump) -> SemVer {
        let index = part as usize;
        let mut core = self.core.clone();
        core[index] = increment(&core[index]);
        for lower in core.iter_mut().skip(index + 1) {
            *lower = "0".to_owned();
        }
        SemVer {
            text: format!("v{}.{}.{}", core[0], core[1], core[2]),
            core,
            prerelease: Vec::new(),
        }
    }
}

/// Which part of a version a bump raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    Major = 0,
    Minor = 1,
    Patch = 2,
}

impl fmt::Display for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for SemVer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemVer {}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// SemVer precedence: the numbers, then a pre-release sorts before the release, identifiers
/// compared one by one (numbers numerically and below words); build metadata does not count.
impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        let core = self
            .core
            .iter()
            .zip(&other.core)
            .map(|(a, b)| compare_numbers(a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        core.then_with(
            || match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    let ids = self.prerelease.iter().zip(&other.prerelease);
                    ids.map(|(a, b)| compare_identifiers(a, b))
                        .find(|o| o.is_ne())
                        .unwrap_or_else(|| self.prerelease.len().cmp(&other.prerelease.len()))
                }
            },
        )
    }
}

fn is_numeric_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// Two decimal numbers without leading zeros, of any length.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn compare_identifiers(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => compare_numbers(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// `digits + 1` in decimal.
fn increment(digits: &str) -> String {
    let mut bytes: Vec<u8> = digits.bytes().collect();
    for byte in bytes.iter_mut().rev() {
        if *byte == b'9' {
            *byte = b'0';
        } else {
            *byte += 1;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> SemVer {
        SemVer::parse(text).expect("valid")
    }

    #[test]
    fn grammar_is_semver_2_with_a_v() {
        for good in [
            "v0.0.1",
            "v1.2.3-rc.1",
            "v1.0.0-alpha-1.x+build.7",
            "v10.20.30+meta",
        ] {
            assert!(SemVer::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "1.0.0",
            "V1.0.0",
            "v1.0",
            "v01.0.0",
            "v1.0.0-01",
            "v1.0.0-",
            "v1.0.0+",
            "v1.0.0-a..b",
            "vx.y.z",
        ] {
            assert!(SemVer::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn precedence_follows_the_spec() {
        let ordered = [
            "v1.0.0-alpha",
            "v1.0.0-alpha.1",
            "v1.0.0-alpha.beta",
            "v1.0.0-beta",
            "v1.0.0-beta.2",
            "v1.0.0-beta.11",
            "v1.0.0-rc.1",
            "v1.0.0",
            "v1.0.1",
            "v1.10.0",
            "v2.0.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("v1.0.0+a"), v("v1.0.0+b"));
    }

    #[test]
    fn bumps_reset_lower_parts_and_drop_prerelease() {
        assert_eq!(v("v1.2.3-rc.1").bump(Bump::Patch).as_str(), "v1.2.4");
        assert_eq!(v("v1.2.3").bump(Bump::Minor).as_str(), "v1.3.0");
        assert_eq!(v("v1.9.9").bump(Bump::Major).as_str(), "v2.0.0");
        assert_eq!(v("v0.0.99").bump(Bump::Patch).as_str(), "v0.0.100");
    }
}
