//! Pearson's chi-square test of current counts against reference shares scaled to the current size.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::Counts;

/// p-value of `sum((obs - exp)^2 / exp)` with `k - 1` degrees of freedom.
pub fn p_value(counts: &Counts) -> f64 {
    let scale = counts.current_total() as f64 / counts.reference_total() as f64;
    let mut statistic = 0.0;
    for (r, c) in counts.reference.iter().zip(&counts.current) {
        let expected = *r as f64 * scale;
        let diff = *c as f64 - expected;
        statistic += diff * diff / expected;
    }
    let dof = counts.labels.len().saturating_sub(1) as f64;
    if statistic.is_nan() || dof == 0.0 {
        return f64::NAN;
    }
    if statistic.is_infinite() {
        return 0.0;
    }
    match ChiSquared::new(dof) {
        Ok(dist) => dist.sf(statistic),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy() {
        // scipy.stats.chisquare([30, 20, 50], [40, 40, 20]).pvalue
        let counts = Counts {
            labels: vec!["a".into(), "b".into(), "c".into()],
            reference: vec![40, 40, 20],
            current: vec![30, 20, 50],
        };
        let p = p_value(&counts);
        assert!((p - 3.2661313427874443e-13).abs() < 1e-24, "{p}");
    }
}
