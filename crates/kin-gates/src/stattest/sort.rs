//! Fast sorting of finite floats: LSD radix sorts on order-preserving integer keys.

/// Bits per radix digit: six passes cover 64 bits, and 2048 counters stay in cache.
const BITS: usize = 11;
const BUCKETS: usize = 1 << BITS;

/// Powers of ten tried as the scale of decimal data (all exact in an f64).
const SCALES: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// Sorts finite (non-NaN) values ascending; `-0.0` is turned into `0.0` first.
pub fn sort_floats(values: &mut Vec<f64>) {
    if values.len() < 2048 {
        for x in values.iter_mut().filter(|x| **x == 0.0) {
            *x = 0.0;
        }
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    if !sort_decimals(values) {
        sort_bits(values);
    }
}

/// Sorts values that are all `m / 10^f` for integers `|m| < 2^31` and one `f` (decimals as
/// CSV files hold them, and integers) by `m`, as 4-byte keys over their range, often
/// needing only two passes. Exact: for such `m`, the rounded quotient is strictly
/// increasing in `m` (two quotients closer than one ulp would need `|m| >= 2^52`), so the
/// order is the same and dividing the sorted `m` again gives back the very same values.
/// False, leaving the values as they were, when they are not all such decimals.
fn sort_decimals(values: &mut [f64]) -> bool {
    let fits = |v: f64, scale: f64| {
        let m = (v * scale).round();
        m.abs() < 2_147_483_648.0 && m / scale == v
    };
    let sample = &values[..32.min(values.len())];
    let Some(&scale) = SCALES.iter().find(|&&s| sample.iter().all(|&v| fits(v, s))) else {
        return false;
    };
    let mut ints: Vec<i32> = Vec::with_capacity(values.len());
    let mut min = i32::MAX;
    for &v in values.iter() {
        if !fits(v, scale) {
            return false;
        }
        let m = (v * scale).round() as i32;
        min = min.min(m);
        ints.push(m);
    }
    let mut counts = vec![[0u32; BUCKETS]; 32usize.div_ceil(BITS)];
    // The distance to the smallest fits in 32 bits; the keys reuse the integers' allocation.
    let keys: Vec<u32> = ints
        .into_iter()
        .map(|m| {
            let k = m.wrapping_sub(min) as u32;
            for (d, c) in counts.iter_mut().enumerate() {
                c[(k >> (d * BITS)) as usize & (BUCKETS - 1)] += 1;
            }
            k
        })
        .collect();
    let keys = radix(keys, &counts, |k, d| {
        (k >> (d * BITS)) as usize & (BUCKETS - 1)
    });
    for (v, k) in values.iter_mut().zip(keys) {
        *v = (i64::from(min) + i64::from(k)) as f64 / scale;
    }
    true
}

/// Sorts by the bits of the floats, turned into order-preserving integers.
fn sort_bits(values: &mut Vec<f64>) {
    // One pass turns values into keys (in the same allocation) and counts every digit.
    let mut counts = vec![[0u32; BUCKETS]; 64usize.div_ceil(BITS)];
    let keys: Vec<u64> = std::mem::take(values)
        .into_iter()
        .map(|x| {
            let k = key(if x == 0.0 { 0.0 } else { x });
            for (d, c) in counts.iter_mut().enumerate() {
                c[digit(k, d)] += 1;
            }
            k
        })
        .collect();
    let keys = radix(keys, &counts, digit);
    *values = keys.into_iter().map(value).collect();
}

/// LSD radix sort by `BITS`-bit digits whose counts per bucket are given, least
/// significant first.
fn radix<K: Copy + Default>(
    mut keys: Vec<K>,
    counts: &[[u32; BUCKETS]],
    digit: impl Fn(K, usize) -> usize,
) -> Vec<K> {
    let n = keys.len();
    let mut buffer = vec![K::default(); n];
    let mut offsets = [0usize; BUCKETS];
    for (d, c) in counts.iter().enumerate() {
        // A digit that is the same for every key leaves the order as it is.
        if c.iter().any(|&x| x as usize == n) {
            continue;
        }
        let mut total = 0;
        for (o, &x) in offsets.iter_mut().zip(c) {
            *o = total;
            total += x as usize;
        }
        for &k in &keys {
            let slot = &mut offsets[digit(k, d)];
            buffer[*slot] = k;
            *slot += 1;
        }
        std::mem::swap(&mut keys, &mut buffer);
    }
    keys
}

fn digit(k: u64, d: usize) -> usize {
    ((k >> (d * BITS)) as usize) & (BUCKETS - 1)
}

fn key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn value(k: u64) -> f64 {
    let bits = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
    f64::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_total_cmp() {
        let mut v: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 5003) as f64 * if i % 3 == 0 { -0.5 } else { 1.25 })
            .collect();
        v.push(-0.0);
        v.push(f64::MIN_POSITIVE);
        let mut want = v.clone();
        for x in want.iter_mut().filter(|x| **x == 0.0) {
            *x = 0.0;
        }
        want.sort_by(f64::total_cmp);
        sort_floats(&mut v);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn decimals_sort_as_integers_to_the_same_bits() {
        let mut state: u64 = 7;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for scale in [1.0, 100.0, 1e5] {
            let mut v: Vec<f64> = (0..20_000)
                .map(|_| ((next() % 2_000_001) as f64 - 1e6) / scale)
                .collect();
            v[100] = -0.0;
            let mut want = v.clone();
            for x in want.iter_mut().filter(|x| **x == 0.0) {
                *x = 0.0;
            }
            want.sort_by(f64::total_cmp);
            let mut direct = v.clone();
            assert!(sort_decimals(&mut direct), "scale {scale}");
            assert_eq!(bits(&direct), bits(&want), "scale {scale}");
            sort_floats(&mut v);
            assert_eq!(bits(&v), bits(&want), "scale {scale}");
        }
        // A later value with more decimals than the sample showed: the general sort.
        let mut v: Vec<f64> = (0..5000).map(|i| f64::from(i % 97) / 10.0).collect();
        v.push(0.123_456_789_1);
        let untouched = v.clone();
        assert!(!sort_decimals(&mut v));
        assert_eq!(bits(&v), bits(&untouched));
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort_floats(&mut v);
        assert_eq!(bits(&v), bits(&want));
    }
}
