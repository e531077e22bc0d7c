//! Fast sorting of finite floats: an LSD radix sort on order-preserving integer keys.

/// Sorts finite (non-NaN) values ascending; `-0.0` is turned into `0.0` first.
pub fn sort_floats(values: &mut [f64]) {
    if values.len() < 2048 {
        for x in values.iter_mut().filter(|x| **x == 0.0) {
            *x = 0.0;
        }
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values
        .iter()
        .map(|x| key(if *x == 0.0 { 0.0 } else { *x }))
        .collect();
    let mut buffer = vec![0u64; keys.len()];
    for pass in 0..8 {
        let shift = pass * 8;
        let mut counts = [0usize; 256];
        for k in &keys {
            counts[((k >> shift) & 0xff) as usize] += 1;
        }
        if counts.contains(&keys.len()) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut total = 0;
        for (o, c) in offsets.iter_mut().zip(counts) {
            *o = total;
            total += c;
        }
        for k in &keys {
            let digit = ((k >> shift) & 0xff) as usize;
            buffer[offsets[digit]] = *k;
            offsets[digit] += 1;
        }
        std::mem::swap(&mut keys, &mut buffer);
    }
    for (v, k) in values.iter_mut().zip(keys) {
        *v = value(k);
    }
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
