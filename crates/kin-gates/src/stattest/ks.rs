//! Two-sample Kolmogorov-Smirnov test, two-sided, with scipy's choice of exact or asymptotic p-value.

use super::ks_dist;

/// Above this many values in either sample the p-value is asymptotic (scipy's `MAX_AUTO_N`).
const MAX_EXACT_N: usize = 10_000;

/// Two-sided p-value for two sorted, non-empty samples.
pub fn p_value(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len(), b.len());
    let d = statistic(a, b);
    if n1.max(n2) <= MAX_EXACT_N
        && let Some(p) = exact(n1 as u64, n2 as u64, d)
    {
        return p;
    }
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = (m * n / (m + n)).round_ties_even();
    ks_dist::two_sided_sf(en as u64, d).clamp(0.0, 1.0)
}

/// The largest distance between the two empirical CDFs.
pub fn statistic(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut max_up, mut max_down) = (0.0f64, 0.0f64);
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(p), Some(q)) => p.min(*q),
            (Some(p), None) => *p,
            (None, Some(q)) => *q,
            (None, None) => break,
        };
        while a.get(i).is_some_and(|y| *y == x) {
            i += 1;
        }
        while b.get(j).is_some_and(|y| *y == x) {
            j += 1;
        }
        let diff = i as f64 / n1 - j as f64 / n2;
        max_up = max_up.max(diff);
        max_down = max_down.max(-diff);
    }
    max_up.max(max_down.clamp(0.0, 1.0))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Exact p-value by counting lattice paths (Hodges), or `None` when it is not representable.
fn exact(n1: u64, n2: u64, d: f64) -> Option<f64> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round_ties_even() as u64;
    if h == 0 {
        return Some(1.0);
    }
    let p = if n1 == n2 {
        outside_square(n1, h)
    } else {
        outside_band(n1, n2, g, h)
    };
    (0.0..=1.0).contains(&p).then_some(p)
}

/// Share of paths leaving the band |x - y| < h on an n×n lattice.
fn outside_square(n: u64, h: u64) -> f64 {
    let mut total = 0.0;
    let mut k = n / h;
    loop {
        let mut p = 1.0;
        for j in 0..h {
            let num = n as f64 - (k * h) as f64 - j as f64;
            p = num * p / (n + k * h + j + 1) as f64;
        }
        total = p * (1.0 - total);
        if k == 0 {
            break;
        }
        k -= 1;
    }
    2.0 * total
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

/// Share of lattice paths from (0,0) to (m,n) that touch |x/m - y/n| >= h/lcm(m,n).
///
/// Column by column over a sliding window, carrying one minus the share of paths still
/// inside (Viehmann's formulation), which avoids huge binomial coefficients.
fn outside_band(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let mut lo = 0i64;
    let mut hi = ceil_div(h, mg).min(n + 1);
    let mut width = hi - lo;
    let len = (2 * hi + 2).min(n + 1) as usize;
    let mut col = vec![1.0f64; len];
    for v in col.iter_mut().take(hi as usize) {
        *v = 0.0;
    }
    for i in 1..=m {
        let (prev_lo, prev_width) = (lo, width);
        lo = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        hi = ceil_div(ng * i + h, mg).min(n + 1);
        if hi <= lo {
            return 1.0;
        }
        let mut val = if lo == 0 { 0.0 } else { 1.0 };
        let fi = i as f64;
        for jj in 0..(hi - lo) {
            let j = (jj + lo) as f64;
            let from = (jj + lo - prev_lo) as usize;
            val = (col[from] * fi + val * j) / (fi + j);
            col[jj as usize] = val;
        }
        width = hi - lo;
        if prev_width > width {
            let start = width as usize;
            let end = (prev_width as usize).min(col.len());
            for v in col.iter_mut().take(end).skip(start) {
                *v = 1.0;
            }
        }
    }
    col[(hi - lo - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(v: &[f64]) -> Vec<f64> {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn matches_scipy_exact() {
        // scipy.stats.ks_2samp([1,2,3,4,5,6,7,8], [3.5,5.5,7.5,9.5,11.5])
        let a = sorted(&[1., 2., 3., 4., 5., 6., 7., 8.]);
        let b = sorted(&[3.5, 5.5, 7.5, 9.5, 11.5]);
        assert!((statistic(&a, &b) - 0.475).abs() < 1e-12);
        let p = p_value(&a, &b);
        assert!((p - 0.4001554001554002).abs() < 1e-12, "{p}");
        // equal sizes: ks_2samp([1,2,3,4], [5,6,7,8]).pvalue == 0.028571428571428577
        let p = p_value(&[1., 2., 3., 4.], &[5., 6., 7., 8.]);
        assert!((p - 0.028571428571428577).abs() < 1e-12, "{p}");
    }
}
