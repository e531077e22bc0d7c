//! First Wasserstein distance between two samples, normed by the reference's population std.

/// `W1(reference, current) / max(reference_std, 0.001)` for sorted, non-empty samples;
/// `reference_std` is the population std (pandas computes it in row order, see
/// [`population_std`](super::population_std)).
pub fn normed_distance(reference: &[f64], current: &[f64], reference_std: f64) -> f64 {
    distance(reference, current) / reference_std.max(0.001)
}

/// The area between the two empirical CDFs.
pub fn distance(u: &[f64], v: &[f64]) -> f64 {
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut total = 0.0;
    let mut prev: Option<f64> = None;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        if let Some(p) = prev {
            let diff = (i as f64 / nu - j as f64 / nv).abs();
            total += diff * (x - p);
        }
        while u.get(i).is_some_and(|y| *y == x) {
            i += 1;
        }
        while v.get(j).is_some_and(|y| *y == x) {
            j += 1;
        }
        prev = Some(x);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        assert!((distance(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]) - 5.0).abs() < 1e-12);
        // ([0, 1], [0.5]) == 0.5
        assert!((distance(&[0.0, 1.0], &[0.5]) - 0.5).abs() < 1e-12);
    }
}
