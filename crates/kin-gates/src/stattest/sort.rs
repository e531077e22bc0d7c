//! Fast sorting of finite floats: an LSD radix sort on order-preserving integer keys.

/// Bits per radix digit: six passes cover 64 bits, and 2048 counters stay in cache.
const BITS: usize = 11;
const BUCKETS: usize = 1 << BITS;
const DIGITS: usize = 64usize.div_ceil(BITS);

/// Sorts finite (non-NaN) values ascending; `-0.0` is turned into `0.0` first.
pub fn sort_floats(values: &mut Vec<f64>) {
    if values.len() < 2048 {
        for x in values.iter_mut().filter(|x| **x == 0.0) {
            *x = 0.0;
        }
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let n = values.len();
    // One pass turns values into keys (in the same allocation) and counts every digit.
    let mut counts = vec![[0u32; BUCKETS]; DIGITS];
    let mut keys: Vec<u64> = std::mem::take(values)
        .into_iter()
        .map(|x| {
            let k = key(if x == 0.0 { 0.0 } else { x });
            for (d, c) in counts.iter_mut().enumerate() {
                c[digit(k, d)] += 1;
            }
            k
        })
        .collect();
    let mut buffer = vec![0u64; n];
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
    *values = keys.into_iter().map(value).collect();
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
}
