//! numpy's pairwise summation, bit for bit, so means and variances round as pandas' do.

/// `np.sum` of `f(x)` over a contiguous float64 array: blocks of at most 128 values summed
/// with eight accumulators; longer runs split in halves (cut at a multiple of 8), recursively.
pub fn pairwise_sum(values: &[f64], f: impl Fn(f64) -> f64 + Copy) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut res = 0.0;
        for x in values {
            res += f(*x);
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        for (slot, x) in r.iter_mut().zip(values) {
            *slot = f(*x);
        }
        let full = n - n % 8;
        for chunk in values[8..full].chunks_exact(8) {
            for (slot, x) in r.iter_mut().zip(chunk) {
                *slot += f(*x);
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &values[full..] {
            res += f(*x);
        }
        res
    } else {
        let half = n / 2;
        let cut = half - half % 8;
        pairwise_sum(&values[..cut], f) + pairwise_sum(&values[cut..], f)
    }
}

/// pandas' `Series.std(ddof=0)` (what `np.std` of a Series calls): a two-pass variance with
/// pairwise sums, over the values in row order.
pub fn population_std(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = pairwise_sum(values, |x| x) / n;
    let var = pairwise_sum(values, |x| (mean - x) * (mean - x)) / n;
    var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_numpy() {
        // x = 1e6 + 0.1 * (i % 7) - 0.013 * (i % 11), i in 0..1000; np.sum(x).hex()
        let x: Vec<f64> = (0..1000)
            .map(|i| 1e6 + 0.1 * f64::from(i % 7) - 0.013 * f64::from(i % 11))
            .collect();
        assert_eq!(pairwise_sum(&x, |v| v).to_bits(), 0x41cd_cd65_7561_eb85);
        let sequential: f64 = x.iter().sum();
        assert_ne!(sequential.to_bits(), 0x41cd_cd65_7561_eb85);
    }
}
