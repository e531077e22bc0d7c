//! Jensen-Shannon distance (natural log) between two share vectors, as scipy computes it.

/// `sqrt((KL(p||m) + KL(q||m)) / 2)` with `m = (p + q) / 2`, after normalising p and q.
pub fn distance(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    let mut total = 0.0;
    for (a, b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        total += rel_entr(a, m) + rel_entr(b, m);
    }
    (total / 2.0).sqrt()
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy() {
        // scipy.spatial.distance.jensenshannon([1, 0], [0.5, 0.5])
        let d = distance(&[1.0, 0.0], &[0.5, 0.5]);
        assert!((d - 0.464501404022459).abs() < 1e-12, "{d}");
    }
}
