//! Self-contained HTML reports (inline CSS and SVG, no scripts, no network) for drift and fairness.

pub mod chart;
mod svg;

use std::fmt::Write as _;

use crate::drift::DriftResult;
use crate::fairness::Check;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:980px}\
h1{font-size:1.5rem}table{border-collapse:collapse;margin:1rem 0}\
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}\
.bad{color:#b00020;font-weight:bold}.ok{color:#1b7f3b;font-weight:bold}\
section{border-top:1px solid #ddd;padding-top:.5rem;margin-top:1rem}\
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

fn verdict(ok: bool, good: &str, bad: &str) -> String {
    if ok {
        format!("<span class=\"ok\">{}</span>", escape(good))
    } else {
        format!("<span class=\"bad\">{}</span>", escape(bad))
    }
}

fn number(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_owned()
    } else {
        format!("{x:.6}")
    }
}

/// The drift report: summary, a table with drifted columns first, then one chart per column.
pub fn drift_html(result: &DriftResult, reference_name: &str, current_name: &str) -> String {
    let mut order: Vec<usize> = (0..result.columns.len()).collect();
    order.sort_by_key(|i| !result.columns[*i].drift);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Data drift: {}</h1><p>reference <code>{}</code>, current <code>{}</code></p>\
         <p>{} of {} columns drifted (share {:.3}; dataset drift when at least {}).</p>",
        verdict(
            !result.dataset_drift,
            "no dataset drift",
            "dataset drift detected"
        ),
        escape(reference_name),
        escape(current_name),
        result.drifted_columns,
        result.columns.len(),
        result.share_of_drifted_columns(),
        result.drift_share,
    );
    body.push_str(
        "<table><tr><th>column</th><th>type</th><th>test</th><th>score</th>\
         <th>threshold</th><th>drift</th></tr>",
    );
    for &i in &order {
        let c = &result.columns[i];
        let _ = write!(
            body,
            "<tr><td><a href=\"#col-{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            c.kind.name(),
            c.stattest.name(),
            number(c.score),
            c.threshold,
            verdict(!c.drift, "no", "drift"),
        );
    }
    body.push_str("</table><p class=\"legend\"><span style=\"background:#4c78a8\"></span>reference<span style=\"background:#f58518\"></span>current</p>");
    for &i in &order {
        let c = &result.columns[i];
        let _ = write!(
            body,
            "<section id=\"col-{i}\"><h2>{} {}</h2><p>{} rows in reference, {} in current (missing values dropped)</p>{}</section>",
            escape(&c.name),
            verdict(!c.drift, "", "drift"),
            c.reference_rows,
            c.current_rows,
            svg::bars(&chart::chart_for(&c.bins)),
        );
    }
    page("kin drift report", &body)
}

/// Rows of the group table: group label, then (metric, value) pairs.
pub type GroupTable = [(String, Vec<(String, Option<f64>)>)];

/// The fairness report: checks, per-group table and one bar chart per metric.
pub fn fairness_html(
    title: &str,
    passed: bool,
    checks: &[Check],
    group_table: &GroupTable,
    metrics: &[(String, Option<f64>)],
) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Fairness: {}</h1><p>{}</p>",
        verdict(passed, "passed", "failed"),
        escape(title)
    );
    if !checks.is_empty() {
        body.push_str("<h2>Checks</h2><table><tr><th>metric</th><th>bound</th><th>value</th><th>result</th></tr>");
        for c in checks {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.metric),
                c.bound.name(),
                c.limit,
                c.value.map(number).unwrap_or_else(|| "n/a".into()),
                verdict(c.passed, "pass", "fail"),
            );
        }
        body.push_str("</table>");
    }
    body.push_str("<h2>Metrics</h2><table>");
    for (name, value) in metrics {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(name),
            value.map(number).unwrap_or_else(|| "n/a".into())
        );
    }
    body.push_str("</table><h2>Groups</h2>");
    let Some((_, first)) = group_table.first() else {
        return page("kin fairness report", &body);
    };
    body.push_str("<table><tr><th>group</th>");
    for (name, _) in first {
        let _ = write!(body, "<th>{}</th>", escape(name));
    }
    body.push_str("</tr>");
    for (group, values) in group_table {
        let _ = write!(body, "<tr><td>{}</td>", escape(group));
        for (_, v) in values {
            let _ = write!(
                body,
                "<td>{}</td>",
                v.map(number).unwrap_or_else(|| "n/a".into())
            );
        }
        body.push_str("</tr>");
    }
    body.push_str("</table>");
    for (m, (name, _)) in first.iter().enumerate() {
        let labels: Vec<String> = group_table.iter().map(|(g, _)| g.clone()).collect();
        let values: Vec<f64> = group_table
            .iter()
            .map(|(_, v)| v.get(m).and_then(|x| x.1).unwrap_or(0.0))
            .collect();
        let _ = write!(
            body,
            "<section><h3>{} by group</h3>{}</section>",
            escape(name),
            svg::single_bars(&labels, &values)
        );
    }
    page("kin fairness report", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
