//! Chart data for the report: reference and current shares per bin or per category.

use crate::stattest::Sample;
use crate::stattest::binned_counts_for_chart;

/// At most this many categories are drawn; the rest are summed into "other".
const MAX_CATEGORIES: usize = 20;

/// Bars: one label per bar, the reference and current share of rows in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    pub labels: Vec<String>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// Ten equal-width bins for numbers, the most frequent categories otherwise.
pub fn chart_for(sample: &Sample) -> Chart {
    match sample {
        Sample::Numeric {
            reference, current, ..
        } => binned_counts_for_chart(reference, current, 10),
        Sample::Categorical(counts) => {
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
