//! Chart data for the report: reference and current shares per bin or per category.

use crate::stattest::Bins;

/// At most this many categories are drawn; the rest are summed into "other".
const MAX_CATEGORIES: usize = 20;

/// Bars: one label per bar, the reference and current share of rows in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    pub labels: Vec<String>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// One bar per numeric bin, labelled by its lower edge; the most frequent categories otherwise.
pub fn chart_for(bins: &Bins) -> Chart {
    match bins {
        Bins::Numeric {
            edges,
            reference,
            current,
        } => Chart {
            labels: edges
                .iter()
                .take(reference.len())
                .map(|e| format!("{e:.4}"))
                .collect(),
            reference: reference.clone(),
            current: current.clone(),
        },
        Bins::Categorical(counts) => {
            let (nr, nc) = (
                counts.reference_total().max(1) as f64,
                counts.current_total().max(1) as f64,
            );
            let mut order: Vec<usize> = (0..counts.labels.len()).collect();
            order.sort_by(|a, b| {
                let total = |i: usize| counts.reference[i] + counts.current[i];
                total(*b)
                    .cmp(&total(*a))
                    .then_with(|| counts.labels[*a].cmp(&counts.labels[*b]))
            });
            let mut chart = Chart::default();
            let (mut other_r, mut other_c) = (0u64, 0u64);
            for (rank, i) in order.into_iter().enumerate() {
                if rank < MAX_CATEGORIES {
                    chart.labels.push(counts.labels[i].clone());
                    chart.reference.push(counts.reference[i] as f64 / nr);
                    chart.current.push(counts.current[i] as f64 / nc);
                } else {
                    other_r += counts.reference[i];
                    other_c += counts.current[i];
                }
            }
            if other_r + other_c > 0 {
                chart.labels.push("(other)".to_owned());
                chart.reference.push(other_r as f64 / nr);
                chart.current.push(other_c as f64 / nc);
            }
            chart
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stattest::{Counts, Sample};

    #[test]
    fn numbers_get_ten_bins_labelled_by_their_lower_edge() {
        let sample = Sample::Numeric {
            reference: vec![0.0, 1.0, 2.0, 10.0],
            current: vec![5.0, 10.0],
            reference_std: 1.0,
        };
        let chart = chart_for(&Bins::of(&sample));
        assert_eq!(chart.labels.len(), 10);
        assert_eq!(chart.labels[0], "0.0000");
        assert_eq!(chart.labels[9], "9.0000");
        assert_eq!(chart.reference[0], 0.25);
        assert_eq!(chart.current[5], 0.5);
    }

    #[test]
    fn categories_beyond_twenty_are_summed_into_other() {
        let labels: Vec<String> = (0..25).map(|i| format!("c{i:02}")).collect();
        let counts = Counts {
            reference: (0..25).map(|i| 25 - i).collect(),
            current: vec![1; 25],
            labels,
        };
        let chart = chart_for(&Bins::Categorical(counts));
        assert_eq!(chart.labels.len(), 21);
        assert_eq!(chart.labels[0], "c00");
        assert_eq!(chart.labels[20], "(other)");
        assert_eq!(chart.current[20], 5.0 / 25.0);
    }
}
