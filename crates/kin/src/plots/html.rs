//! One self-contained HTML page of plots: Vega-Lite charts drawn by the Vega bundles embedded
//! in the page, images inlined, so it opens offline and can be mailed or archived as it is.

use std::fmt::Write as _;

use base64::Engine as _;

use super::cells::{Style, write_text};
use super::chart::Chart;
use super::render::{Plot, PlotContent};
use crate::html_text::escape;

const VEGA: &str = include_str!("../../assets/vega/vega.min.js");
const VEGA_LITE: &str = include_str!("../../assets/vega/vega-lite.min.js");
const VEGA_EMBED: &str = include_str!("../../assets/vega/vega-embed.min.js");

/// Where a custom page template puts the plots (required), the scripts and a refresh tag.
pub const PLOTS_PLACEHOLDER: &str = "{plot_divs}";
const SCRIPTS_PLACEHOLDER: &str = "{scripts}";
const REFRESH_PLACEHOLDER: &str = "{refresh_tag}";

const DEFAULT_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{refresh_tag}
<title>kin plots</title>
{scripts}
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; }
.kin-plot { display: inline-block; vertical-align: top; margin: 0 1.5rem 1.5rem 0; }
.kin-images { border: 1px solid #ccc; padding: 0.5rem; margin-bottom: 1.5rem; white-space: nowrap; overflow-x: auto; }
.kin-images figure { display: inline-block; margin: 0.25rem 0.75rem; text-align: center; }
.kin-error { color: #b00020; font-family: monospace; }
</style>
</head>
<body>
{plot_divs}
</body>
</html>
"#;

/// Why a page could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the HTML template has to contain '{PLOTS_PLACEHOLDER}'")]
    MissingPlaceholder,
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

/// The page for `plots`, in `template` (kin's own page when `None`), written to `out` plot
/// by plot, so that a page of many points is never held whole in memory.
pub fn write_page(
    plots: &[Plot],
    template: Option<&str>,
    out: &mut impl std::io::Write,
) -> Result<(), PageError> {
    let template = template.unwrap_or(DEFAULT_PAGE);
    if !template.contains(PLOTS_PLACEHOLDER) {
        return Err(PageError::MissingPlaceholder);
    }
    let charts = plots
        .iter()
        .filter(|p| matches!(p.content, PlotContent::Vega { chart: Some(_), .. }))
        .count();
    let scripts = if charts > 0 { scripts() } else { String::new() };
    // Everything before the plots, the plots written in place, then the rest: the page is
    // built once, without copying the (large) plots around.
    let (before, after) = template
        .split_once(PLOTS_PLACEHOLDER)
        .unwrap_or((template, ""));
    let fill = |part: &str| {
        part.replace(SCRIPTS_PLACEHOLDER, &scripts)
            .replace(REFRESH_PLACEHOLDER, "")
    };
    out.write_all(fill(before).as_bytes())?;
    let mut body = String::new();
    let mut charts = 0;
    for plot in ordered(plots) {
        body.clear();
        match &plot.content {
            PlotContent::Vega {
                chart: Some(filled),
                ..
            } => {
                chart(&mut body, charts, &plot.id, filled);
                charts += 1;
            }
            PlotContent::Vega { chart: None, .. } => {}
            PlotContent::Images(images) if !images.is_empty() => {
                let _ = write!(
                    body,
                    "<div class=\"kin-images\">\n<p>{}</p>\n",
                    escape(&plot.id)
                );
                for image in images {
                    let data = base64::engine::general_purpose::STANDARD.encode(&image.bytes);
                    let _ = writeln!(
                        body,
                        "<figure><figcaption>{}</figcaption><img src=\"data:{};base64,{data}\" alt=\"{}\"></figure>",
                        escape(&image.rev),
                        mime_type(&image.path),
                        escape(&image.path),
                    );
                }
                body.push_str("</div>\n");
            }
            PlotContent::Images(_) => {}
        }
        out.write_all(body.as_bytes())?;
    }
    out.write_all(fill(after).replace(PLOTS_PLACEHOLDER, "").as_bytes())?;
    Ok(())
}

/// Charts first, then images by directory, step number (`3.png`) and name, as DVC lays them out.
fn ordered(plots: &[Plot]) -> Vec<&Plot> {
    let mut ordered: Vec<&Plot> = plots.iter().collect();
    ordered.sort_by_key(|plot| match plot.content {
        PlotContent::Vega { .. } => (false, String::new(), None, String::new()),
        PlotContent::Images(_) => {
            let (dir, name) = plot.id.rsplit_once('/').unwrap_or(("", &plot.id));
            let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
            (
                true,
                dir.to_owned(),
                stem.parse::<u64>().ok(),
                name.to_owned(),
            )
        }
    });
    ordered
}

/// The three bundles, each in its own script element, without their source-map comments
/// (a browser's developer tools would try to fetch the maps).
fn scripts() -> String {
    let mut scripts = String::new();
    for bundle in [VEGA, VEGA_LITE, VEGA_EMBED] {
        let code = bundle
            .trim_end()
            .rsplit_once('\n')
            .filter(|(_, last)| last.starts_with("//# sourceMappingURL="))
            .map_or(bundle, |(code, _)| code);
        scripts.push_str("<script>\n");
        scripts.push_str(code);
        scripts.push_str("\n</script>\n");
    }
    scripts
}

fn chart(body: &mut String, index: usize, id: &str, filled: &Chart) {
    let element = format!("kin-plot-{index}");
    let mut title = String::new();
    write_text(&mut title, id, Style::Script);
    let _ = write!(
        body,
        "<div class=\"kin-plot\" id=\"{element}\" data-plot-id=\"{}\"></div>\n\
         <script>\n\
         vegaEmbed('#{element}', ",
        escape(id)
    );
    filled.write(body, Style::Script);
    let _ = write!(
        body,
        ", {{\"actions\": {{\"export\": true, \"source\": false, \"compiled\": false, \"editor\": false}}}})\n\
         .catch(function (error) {{ var el = document.getElementById('{element}'); el.className += ' kin-error'; el.textContent = {title} + ': ' + error; }});\n\
         </script>\n"
    );
}

fn mime_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::render::Image;
    use serde_json::json;

    #[test]
    fn page_embeds_scripts_specs_and_images() {
        let plots = vec![
            Plot {
                id: "imgs/2.png".to_owned(),
                content: PlotContent::Images(vec![Image {
                    rev: "workspace".to_owned(),
                    path: "imgs/2.png".to_owned(),
                    bytes: b"png".to_vec(),
                }]),
                problems: Vec::new(),
            },
            Plot {
                id: "loss</script>".to_owned(),
                content: PlotContent::Vega {
                    revisions: vec!["workspace".to_owned()],
                    chart: Some(Chart {
                        spec: json!({"title": "</script><b>"}),
                        series: Vec::new(),
                    }),
                },
                problems: Vec::new(),
            },
        ];
        let page = |template| {
            let mut out = Vec::new();
            write_page(&plots, template, &mut out).map(|()| String::from_utf8(out).expect("utf-8"))
        };
        let html = page(None).expect("page");
        assert!(html.contains("vegaEmbed('#kin-plot-0'"));
        assert!(html.contains("data:image/png;base64,cG5n"));
        assert!(!html.contains("sourceMappingURL"));
        assert!(!html.contains("</script><b>"));
        assert_eq!(html.matches("</script>").count(), 4);
        let chart_at = html.find("kin-plot-0").expect("chart");
        let image_at = html
            .find("kin-images")
            .map(|_| html.rfind("<div class=\"kin-images\"").expect("images"));
        assert!(image_at.expect("images") > chart_at);
        assert!(matches!(
            page(Some("<html></html>")),
            Err(PageError::MissingPlaceholder)
        ));
    }
}
