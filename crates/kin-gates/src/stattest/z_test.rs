//! Two-proportion Z-test for a column with at most two distinct values.

use statrs::distribution::{ContinuousCDF, Normal};

use super::Counts;

/// Two-sided p-value for the share of the first value in reference vs current.
pub fn p_value(counts: &Counts) -> f64 {
    let n1 = counts.reference_total() as f64;
    let n2 = counts.current_total() as f64;
    let single_same_value = counts.labels.len() == 1;
    if single_same_value {
        return 1.0;
    }
    // The share of rows that are *not* the first (sorted) value; the side does not change |z|.
    let first = counts
        .labels
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.cmp(b.1))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let p1 = (n1 - counts.reference[first] as f64) / n1;
    let p2 = (n2 - counts.current[first] as f64) / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    match Normal::new(0.0, 1.0) {
        Ok(normal) => 2.0 * (1.0 - normal.cdf(z.abs())),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_evidently() {
        // evidently z_stat_test on reference 30×a 70×b, current 50×a 50×b
        let counts = Counts {
            labels: vec!["a".into(), "b".into()],
            reference: vec![30, 70],
            current: vec![50, 50],
        };
        let p = p_value(&counts);
        assert!((p - 0.0038924171227785465).abs() < 1e-9, "{p}");
    }
}
