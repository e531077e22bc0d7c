//! Cleaned samples of one column and their value counts and histograms (numpy's `sturges` bins).

use std::borrow::Cow;

use crate::columns::ColumnKind;

/// Counts per distinct value over both datasets; `labels[i]` has `reference[i]` and `current[i]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Counts {
    pub labels: Vec<String>,
    pub reference: Vec<u64>,
    pub current: Vec<u64>,
}

impl Counts {
    pub fn reference_total(&self) -> u64 {
        self.reference.iter().sum()
    }

    pub fn current_total(&self) -> u64 {
        self.current.iter().sum()
    }
}

/// One column of both datasets with missing values and infinities removed.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// Sorted finite values, and the reference's population std (for Wasserstein).
    Numeric {
        reference: Vec<f64>,
        current: Vec<f64>,
        reference_std: f64,
    },
    Categorical(Counts),
}

impl Sample {
    pub fn kind(&self) -> ColumnKind {
        match self {
            Sample::Numeric { .. } => ColumnKind::Numerical,
            Sample::Categorical(_) => ColumnKind::Categorical,
        }
    }

    pub fn reference_len(&self) -> usize {
        match self {
            Sample::Numeric { reference, .. } => reference.len(),
            Sample::Categorical(c) => usize::try_from(c.reference_total()).unwrap_or(usize::MAX),
        }
    }

    pub fn current_len(&self) -> usize {
        match self {
            Sample::Numeric { current, .. } => current.len(),
            Sample::Categorical(c) => usize::try_from(c.current_total()).unwrap_or(usize::MAX),
        }
    }

    /// Distinct values over both datasets.
    pub fn n_unique(&self) -> usize {
        self.n_unique_up_to(usize::MAX)
    }

    /// `min(n_unique, cap)`, without walking the rest of the values once `cap` is reached
    /// (choosing a test needs only to know whether there are more than 5).
    pub fn n_unique_up_to(&self, cap: usize) -> usize {
        match self {
            Sample::Numeric {
                reference, current, ..
            } => distinct_merged(reference, current, cap),
            Sample::Categorical(c) => c.labels.len().min(cap),
        }
    }

    /// Value counts; numbers are labelled with their shortest round-trip decimal form.
    pub fn counts(&self) -> Cow<'_, Counts> {
        match self {
            Sample::Categorical(c) => Cow::Borrowed(c),
            Sample::Numeric {
                reference, current, ..
            } => {
                let mut counts = Counts::default();
                for (value, r, c) in merged_runs(reference, current) {
                    counts.labels.push(format_number(value));
                    counts.reference.push(r);
                    counts.current.push(c);
                }
                Cow::Owned(counts)
            }
        }
    }
}

/// A number as a category label: integers without a fraction, others in Rust's shortest form.
pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Distinct values of two sorted slices together, counting up to `cap`.
fn distinct_merged(reference: &[f64], current: &[f64], cap: usize) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    loop {
        let value = match (reference.get(i), current.get(j)) {
            _ if n == cap => return n,
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => return n,
        };
        n += 1;
        while reference.get(i).is_some_and(|x| *x == value) {
            i += 1;
        }
        while current.get(j).is_some_and(|x| *x == value) {
            j += 1;
        }
    }
}

/// (value, count in reference, count in current) for every distinct value of two sorted slices.
fn merged_runs(reference: &[f64], current: &[f64]) -> Vec<(f64, u64, u64)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < reference.len() || j < current.len() {
        let value = match (reference.get(i), current.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        let start_i = i;
        while reference.get(i).is_some_and(|x| *x == value) {
            i += 1;
        }
        let start_j = j;
        while current.get(j).is_some_and(|x| *x == value) {
            j += 1;
        }
        out.push((value, (i - start_i) as u64, (j - start_j) as u64));
    }
    out
}

/// numpy's `histogram_bin_edges(values, bins="sturges")` for a non-empty sample.
pub fn sturges_edges(min: f64, max: f64, size: usize) -> Vec<f64> {
    let ptp = max - min;
    let width = ptp / ((size as f64).log2() + 1.0);
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let bins = if width > 0.0 {
        ((last - first) / width).ceil().max(1.0) as usize
    } else {
        1
    };
    linspace(first, last, bins + 1)
}

/// numpy's `linspace(start, stop, num)` with the endpoint.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = num.saturating_sub(1).max(1) as f64;
    let step = (stop - start) / div;
    let mut out: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                (i as f64) / div * (stop - start) + start
            } else {
                (i as f64) * step + start
            }
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = stop;
    }
    out
}

/// numpy's `histogram(sorted, edges)`: half-open bins, the last one closed.
pub fn histogram(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let bins = edges.len().saturating_sub(1);
    let mut counts = Vec::with_capacity(bins);
    for i in 0..bins {
        let lo = sorted.partition_point(|x| *x < edges[i]);
        let hi = if i + 1 == bins {
            sorted.partition_point(|x| *x <= edges[i + 1])
        } else {
            sorted.partition_point(|x| *x < edges[i + 1])
        };
        counts.push((hi.saturating_sub(lo)) as u64);
    }
    counts
}

/// Evidently's `get_binned_data`: shares per bucket for reference and current.
///
/// Numerical columns with more than 20 distinct reference values use `sturges` bins over
/// both datasets; everything else uses one bucket per distinct value. With `fill_zeroes`,
/// empty buckets get a small share so logarithms stay finite.
pub fn binned_shares(sample: &Sample, fill_zeroes: bool) -> (Vec<f64>, Vec<f64>) {
    let n_ref = sample.reference_len() as f64;
    let n_cur = sample.current_len() as f64;
    let (ref_counts, cur_counts) = match sample {
        Sample::Numeric {
            reference, current, ..
        } if distinct_sorted(reference, 21) > 20 => {
            let min = reference[0].min(current.first().copied().unwrap_or(f64::INFINITY));
            let max = reference[reference.len() - 1]
                .max(current.last().copied().unwrap_or(f64::NEG_INFINITY));
            let edges = sturges_edges(min, max, reference.len() + current.len());
            (histogram(reference, &edges), histogram(current, &edges))
        }
        _ => {
            let counts = sample.counts();
            (counts.reference.clone(), counts.current.clone())
        }
    };
    let mut r: Vec<f64> = ref_counts.iter().map(|c| *c as f64 / n_ref).collect();
    let mut c: Vec<f64> = cur_counts.iter().map(|c| *c as f64 / n_cur).collect();
    if fill_zeroes {
        fill(&mut r);
        fill(&mut c);
    }
    (r, c)
}

/// How the rows of one column spread over both datasets, for drawing: what a drift result
/// keeps so that a report can chart it without going back to the data.
#[derive(Debug, Clone, PartialEq)]
pub enum Bins {
    /// Equal-width bins over the joint range: `edges` has one more item than each share list.
    Numeric {
        edges: Vec<f64>,
        reference: Vec<f64>,
        current: Vec<f64>,
    },
    /// Rows per distinct value, every value kept (the report decides which to draw).
    Categorical(Counts),
}

impl Bins {
    /// Ten equal-width bins for numbers, the value counts otherwise.
    pub fn of(sample: &Sample) -> Bins {
        match sample {
            Sample::Numeric {
                reference, current, ..
            } => equal_width_shares(reference, current, 10),
            Sample::Categorical(counts) => Bins::Categorical(counts.clone()),
        }
    }
}

/// Shares of both sorted samples in `bins` equal-width bins over their joint range.
pub fn equal_width_shares(reference: &[f64], current: &[f64], bins: usize) -> Bins {
    let lo = reference
        .first()
        .copied()
        .unwrap_or(0.0)
        .min(current.first().copied().unwrap_or(f64::INFINITY));
    let hi = reference
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(current.last().copied().unwrap_or(f64::NEG_INFINITY));
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let edges = linspace(lo, hi, bins + 1);
    let share = |counts: Vec<u64>, n: usize| -> Vec<f64> {
        counts
            .into_iter()
            .map(|c| c as f64 / n.max(1) as f64)
            .collect()
    };
    Bins::Numeric {
        reference: share(histogram(reference, &edges), reference.len()),
        current: share(histogram(current, &edges), current.len()),
        edges,
    }
}

/// Distinct values of a sorted slice, counting up to `cap`.
fn distinct_sorted(sorted: &[f64], cap: usize) -> usize {
    let mut n = 0;
    let mut last: Option<f64> = None;
    for x in sorted {
        if last != Some(*x) {
            if n == cap {
                break;
            }
            n += 1;
            last = Some(*x);
        }
    }
    n
}

fn fill(shares: &mut [f64]) {
    let smallest = shares
        .iter()
        .copied()
        .filter(|s| *s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest.is_finite() {
        return;
    }
    let value = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sturges_matches_numpy() {
        // np.histogram_bin_edges(np.arange(10.0), bins="sturges")
        let edges = sturges_edges(0.0, 9.0, 10);
        assert_eq!(edges.len(), 6);
        assert_eq!(edges[1], 1.8);
        assert_eq!(
            histogram(&[0.0, 1.0, 1.8, 9.0], &edges),
            vec![2, 1, 0, 0, 1]
        );
    }

    #[test]
    fn counts_of_numbers_merge_both_sides() {
        let s = Sample::Numeric {
            reference: vec![1.0, 1.0, 2.0],
            current: vec![2.0, 3.5],
            reference_std: 0.5,
        };
        let c = s.counts();
        assert_eq!(c.labels, ["1", "2", "3.5"]);
        assert_eq!(c.reference, [2, 1, 0]);
        assert_eq!(c.current, [0, 1, 1]);
        assert_eq!(s.n_unique(), 3);
    }
}
