//! A filled chart: its Vega-Lite specification with the data left out, and the series that
//! are written into it where the data goes, in DVC's `--json` style or for a page's script.

use serde_json::Value;

use super::cells::Style;
use super::series::{Series, write_points};

/// Stands where the data goes in a filled specification until it is written out.
pub(crate) const DATA_MARKER: &str = "\u{0}kin:data\u{0}";

/// A chart ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The specification, [`DATA_MARKER`] where the data goes.
    pub(crate) spec: Value,
    pub(crate) series: Vec<Series>,
}

impl Chart {
    /// The specification with its data, written in `style`.
    pub fn write(&self, out: &mut String, style: Style) {
        let spec = match style {
            Style::Python => kin_format::python::dumps_json(
                &self.spec,
                kin_format::python::DumpOptions::default(),
            ),
            // `<` never appears in JSON outside strings, and as `\u003c` inside them it cannot
            // close the page's script element.
            Style::Script => self.spec.to_string().replace('<', "\\u003c"),
        };
        let mut marker = String::new();
        kin_format::python::push_json_string(&mut marker, DATA_MARKER);
        match spec.split_once(&marker) {
            Some((before, after)) => {
                out.push_str(before);
                write_points(out, &self.series, style);
                out.push_str(after);
            }
            None => out.push_str(&spec),
        }
    }

    /// [`Chart::write`] into a new string.
    pub fn to_text(&self, style: Style) -> String {
        let mut out = String::new();
        self.write(&mut out, style);
        out
    }
}
