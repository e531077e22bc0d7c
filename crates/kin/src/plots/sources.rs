//! The data files plots read, parsed as DVC 3 parses them: JSON, YAML and TOML as documents,
//! CSV and TSV as rows of strings keyed by the header, images as bytes.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SourceError;
use super::cells::FileRows;
use crate::Repo;
use crate::metrics::{Tree, parse, read_bytes};
use crate::tracked::TrackedOut;

/// Image extensions DVC shows as images rather than charts (compared case-sensitively, as DVC does).
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "gif", "png", "svg"];

/// What one data file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceData {
    /// A document or a table, as the rows plots draw.
    Rows(Arc<FileRows>),
    /// An image's bytes.
    Image(Vec<u8>),
}

impl SourceData {
    /// Whether there is anything to plot (Python's truthiness of the loaded content).
    pub fn is_empty(&self) -> bool {
        match self {
            SourceData::Rows(rows) => rows.empty,
            SourceData::Image(bytes) => bytes.is_empty(),
        }
    }
}

/// The extension after the last dot of the file name, `` without one.
fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    }
}

/// Whether DVC shows this file as an image.
pub fn is_image(path: &str) -> bool {
    IMAGE_EXTENSIONS.contains(&extension(path))
}

/// Reads and parses one data file of a source. `header`: whether a CSV/TSV file's first row
/// names its columns.
pub(crate) fn load(
    repo: &Repo,
    tree: &Tree,
    tracked: &[TrackedOut],
    path: &str,
    header: bool,
) -> Result<SourceData, SourceError> {
    // A definition's path may climb out of the repository (`../x.json`) or be absolute;
    // plots read only the repository's own files.
    kin_format::repo_path::RepoPath::parse(path).map_err(|refusal| SourceError::Outside {
        path: path.to_owned(),
        refusal,
    })?;
    let ext = extension(path);
    if is_image(path) {
        return Ok(SourceData::Image(read_bytes(repo, tree, tracked, path)?));
    }
    let delimiter = match ext {
        "csv" => Some(b','),
        "tsv" => Some(b'\t'),
        "json" | "yaml" | "yml" | "toml" => None,
        _ => {
            return Err(SourceError::UnsupportedType {
                path: path.to_owned(),
            });
        }
    };
    let bytes = read_bytes(repo, tree, tracked, path)?;
    let rows = match delimiter {
        // JSON by plots' own reader; what it gives up on goes through the parser metrics use,
        // for its error message.
        None if ext == "json" => match super::json_reader::read(&bytes) {
            Some(document) => FileRows::from_cell(document),
            None => FileRows::from_json(&parse(path, &bytes)?.to_json()),
        },
        None => FileRows::from_json(&parse(path, &bytes)?.to_json()),
        Some(delimiter) => {
            let text = std::str::from_utf8(&bytes).map_err(|_| SourceError::Encoding {
                path: path.to_owned(),
            })?;
            FileRows::from_json(&Value::Array(read_table(text, delimiter, header)))
        }
    };
    Ok(SourceData::Rows(Arc::new(rows)))
}

/// Rows keyed by column name, as Python's `csv.DictReader` gives them: every value a string,
/// a short row's missing columns `null`, a long row's extra values listed under `null`, blank
/// lines skipped. Without a header, columns are named `0`, `1`, ... by the number of
/// comma-separated fields of the first line (DVC counts them with commas even in a TSV file).
fn read_table(text: &str, delimiter: u8, header: bool) -> Vec<Value> {
    let rows = |delimiter: u8| {
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .into_records()
            .filter_map(Result::ok)
            .filter(|record| !record.is_empty())
            .map(|record| record.iter().map(str::to_owned).collect::<Vec<String>>())
    };
    let mut records = rows(delimiter);
    let names: Vec<String> = if header {
        match records.next() {
            Some(names) => names,
            None => return Vec::new(),
        }
    } else {
        let width = rows(b',').next().map_or(0, |first| first.len());
        (0..width).map(|i| i.to_string()).collect()
    };
    records
        .map(|values| {
            let mut row = Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = values
                    .get(i)
                    .map_or(Value::Null, |v| Value::from(v.as_str()));
                row.insert(name.clone(), value);
            }
            if values.len() > names.len() {
                let extra = values[names.len()..]
                    .iter()
                    .map(|v| Value::from(v.as_str()));
                row.insert("null".to_owned(), Value::Array(extra.collect()));
            }
            Value::Object(row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_read_as_dict_reader_does() {
        let rows = read_table("a,b\n1,2\n\n3\n4,5,6\n", b',', true);
        assert_eq!(
            rows,
            vec![
                json!({"a": "1", "b": "2"}),
                json!({"a": "3", "b": null}),
                json!({"a": "4", "b": "5", "null": ["6"]}),
            ]
        );
        let rows = read_table("x\ty\n1\t2\n", b'\t', false);
        assert_eq!(
            rows,
            vec![
                json!({"0": "x", "null": ["y"]}),
                json!({"0": "1", "null": ["2"]})
            ]
        );
        assert_eq!(
            read_table("\"q,1\",2\n", b',', false),
            vec![json!({"0": "q,1", "1": "2"})]
        );
    }

    #[test]
    fn images_by_extension() {
        assert!(is_image("imgs/1.png"));
        assert!(!is_image("imgs/1.PNG"));
        assert!(!is_image("png"));
    }
}
