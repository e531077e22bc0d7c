//! Inline SVG bar charts with escaped labels.

use std::fmt::Write as _;

use super::chart::Chart;
use super::escape;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 220.0;
const BOTTOM: f64 = 60.0;

fn frame(inner: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{}\" role=\"img\">{inner}</svg>",
        HEIGHT + BOTTOM
    )
}

fn label(out: &mut String, x: f64, text: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" transform=\"rotate(45 {x:.1} {:.1})\">{}</text>",
        HEIGHT + 12.0,
        HEIGHT + 12.0,
        escape(text)
    );
}

/// Reference and current shares side by side per bar.
pub fn bars(chart: &Chart) -> String {
    let n = chart.labels.len().max(1) as f64;
    let max = chart
        .reference
        .iter()
        .chain(&chart.current)
        .copied()
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let slot = WIDTH / n;
    let bar = (slot / 2.0 - 2.0).max(1.0);
    let mut out = String::new();
    for (i, name) in chart.labels.iter().enumerate() {
        let x = i as f64 * slot;
        for (k, (values, colour)) in [(&chart.reference, "#4c78a8"), (&chart.current, "#f58518")]
            .into_iter()
            .enumerate()
        {
            let v = values.get(i).copied().unwrap_or(0.0);
            let h = v / max * (HEIGHT - 10.0);
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{colour}\"><title>{}: {:.4}</title></rect>",
                x + k as f64 * (bar + 1.0),
                HEIGHT - h,
                escape(name),
                v
            );
        }
        label(&mut out, x, name);
    }
    frame(&out)
}

/// One bar per label.
pub fn single_bars(labels: &[String], values: &[f64]) -> String {
    let chart = Chart {
        labels: labels.to_vec(),
        reference: values.to_vec(),
        current: vec![0.0; values.len()],
    };
    bars(&chart)
}
