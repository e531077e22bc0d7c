//! Drift statistical tests with Evidently's names, default thresholds and drift rules.

mod binning;
mod chi_square;
mod jensen_shannon;
mod ks;
mod ks_dist;
mod psi;
mod sort;
mod sum;
mod wasserstein;
mod z_test;

pub use binning::{Bins, Counts, Sample, equal_width_shares, format_number};
pub use sort::sort_floats;
pub use sum::{pairwise_sum, population_std};

use crate::columns::ColumnKind;

/// A drift test, named as in Evidently's `stattest` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatTest {
    Ks,
    ChiSquare,
    Z,
    Wasserstein,
    JensenShannon,
    Psi,
}

impl StatTest {
    pub const ALL: [StatTest; 6] = [
        StatTest::Ks,
        StatTest::ChiSquare,
        StatTest::Z,
        StatTest::Wasserstein,
        StatTest::JensenShannon,
        StatTest::Psi,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StatTest::Ks => "ks",
            StatTest::ChiSquare => "chisquare",
            StatTest::Z => "z",
            StatTest::Wasserstein => "wasserstein",
            StatTest::JensenShannon => "jensenshannon",
            StatTest::Psi => "psi",
        }
    }

    /// Parses a test name; `chi_square`, `chi2`, `js` and `jensen_shannon` are accepted aliases.
    pub fn from_name(name: &str) -> Option<StatTest> {
        match name {
            "ks" => Some(StatTest::Ks),
            "chisquare" | "chi_square" | "chi2" => Some(StatTest::ChiSquare),
            "z" => Some(StatTest::Z),
            "wasserstein" => Some(StatTest::Wasserstein),
            "jensenshannon" | "jensen_shannon" | "js" => Some(StatTest::JensenShannon),
            "psi" => Some(StatTest::Psi),
            _ => None,
        }
    }

    pub fn default_threshold(self) -> f64 {
        match self {
            StatTest::Ks | StatTest::ChiSquare | StatTest::Z => 0.05,
            StatTest::Wasserstein | StatTest::JensenShannon | StatTest::Psi => 0.1,
        }
    }

    /// True when the score is a p-value (drift when small), false for distances (drift when large).
    pub fn is_p_value(self) -> bool {
        matches!(self, StatTest::Ks | StatTest::ChiSquare | StatTest::Z)
    }

    /// Column kinds the test accepts when asked for explicitly.
    pub fn accepts(self, kind: ColumnKind) -> bool {
        match self {
            StatTest::Ks | StatTest::Wasserstein => kind == ColumnKind::Numerical,
            StatTest::ChiSquare | StatTest::Z => kind == ColumnKind::Categorical,
            StatTest::JensenShannon | StatTest::Psi => true,
        }
    }

    /// Evidently's drift rule for a score against a threshold.
    pub fn drifted(self, score: f64, threshold: f64) -> bool {
        match self {
            StatTest::Ks => score <= threshold,
            StatTest::ChiSquare | StatTest::Z => score < threshold,
            StatTest::Wasserstein | StatTest::JensenShannon | StatTest::Psi => score >= threshold,
        }
    }

    /// The score: a p-value or a distance.
    pub fn score(self, sample: &Sample) -> Result<f64, StatTestError> {
        let kind = sample.kind();
        match (self, sample) {
            (
                StatTest::Ks,
                Sample::Numeric {
                    reference, current, ..
                },
            ) => Ok(ks::p_value(reference, current)),
            (
                StatTest::Wasserstein,
                Sample::Numeric {
                    reference,
                    current,
                    reference_std,
                },
            ) => Ok(wasserstein::normed_distance(
                reference,
                current,
                *reference_std,
            )),
            (StatTest::ChiSquare, _) => Ok(chi_square::p_value(&sample.counts())),
            (StatTest::Z, _) => Ok(z_test::p_value(&sample.counts())),
            (StatTest::JensenShannon, _) => {
                let (r, c) = binning::binned_shares(sample, false);
                Ok(jensen_shannon::distance(&r, &c))
            }
            (StatTest::Psi, _) => {
                let (r, c) = binning::binned_shares(sample, true);
                Ok(psi::index(&r, &c))
            }
            (test, _) => Err(StatTestError::WrongKind { test, kind }),
        }
    }
}

/// Evidently's default test for a column, from the reference size and the joint unique count.
pub fn default_test(kind: ColumnKind, reference_len: usize, n_unique: usize) -> StatTest {
    let small_categories = if n_unique > 2 {
        StatTest::ChiSquare
    } else {
        StatTest::Z
    };
    match (reference_len <= 1000, kind) {
        (true, ColumnKind::Numerical) if n_unique > 5 => StatTest::Ks,
        (true, _) => small_categories,
        (false, ColumnKind::Numerical) if n_unique > 5 => StatTest::Wasserstein,
        (false, _) => StatTest::JensenShannon,
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatTestError {
    #[error("the `{}` test does not apply to {} columns", test.name(), kind.name())]
    WrongKind { test: StatTest, kind: ColumnKind },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_selection_follows_evidently() {
        use ColumnKind::*;
        assert_eq!(default_test(Numerical, 1000, 6), StatTest::Ks);
        assert_eq!(default_test(Numerical, 1000, 5), StatTest::ChiSquare);
        assert_eq!(default_test(Numerical, 10, 2), StatTest::Z);
        assert_eq!(default_test(Categorical, 1000, 40), StatTest::ChiSquare);
        assert_eq!(default_test(Categorical, 1001, 40), StatTest::JensenShannon);
        assert_eq!(default_test(Numerical, 1001, 6), StatTest::Wasserstein);
        assert_eq!(default_test(Numerical, 1001, 5), StatTest::JensenShannon);
        for t in StatTest::ALL {
            assert_eq!(StatTest::from_name(t.name()), Some(t));
        }
    }
}
