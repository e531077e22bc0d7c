//! Population stability index over buckets whose empty shares were filled.

/// `sum((ref - cur) * ln(ref / cur))`.
pub fn index(reference: &[f64], current: &[f64]) -> f64 {
    reference
        .iter()
        .zip(current)
        .map(|(r, c)| (r - c) * (r / c).ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_shares_are_zero() {
        assert_eq!(index(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
        assert!(index(&[0.9, 0.1], &[0.1, 0.9]) > 1.0);
    }
}
