//! In-memory tables read from CSV or Parquet, with pandas-like column dtypes.

mod builder;
mod csv_reader;
mod number;
mod parquet_reader;

use std::path::{Path, PathBuf};

pub use builder::{ColumnBuilder, is_null_token};

/// Marks a missing value in [`ColumnData::Text`] codes.
pub const NULL_CODE: u32 = u32::MAX;

/// The storage dtype of a column, as pandas would infer it from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// Whole numbers without missing values (pandas `int64`).
    Int,
    /// Numbers, possibly with missing values (NaN) or infinities (pandas `float64`).
    Float,
    /// Only `True`/`False` literals, no missing values (pandas `bool`).
    Bool,
    /// Anything else (pandas `object`).
    Text,
    /// Dates with times (Parquet timestamps; pandas `datetime64`), as seconds since the Unix
    /// epoch. Drift leaves these columns out, as Evidently's `DataDriftTable` does.
    Datetime,
}

impl Dtype {
    pub fn is_numeric(self) -> bool {
        matches!(self, Dtype::Int | Dtype::Float)
    }
}

/// Column values: numbers (NaN for missing) or dictionary-encoded text.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Numbers(Vec<f64>),
    /// `codes[i]` indexes `dictionary`, or is [`NULL_CODE`].
    Text {
        dictionary: Vec<String>,
        codes: Vec<u32>,
    },
}

impl ColumnData {
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numbers(v) => v.len(),
            ColumnData::Text { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct non-missing values (pandas `nunique`; NaN is missing, infinities count).
    pub fn n_unique(&self) -> usize {
        match self {
            ColumnData::Numbers(v) => {
                let mut seen: Vec<u64> = v
                    .iter()
                    .filter(|x| !x.is_nan())
                    .map(|x| canonical_bits(*x))
                    .collect();
                seen.sort_unstable();
                seen.dedup();
                seen.len()
            }
            ColumnData::Text { dictionary, codes } => {
                let mut used = vec![false; dictionary.len()];
                for &c in codes {
                    if let Some(slot) = used.get_mut(c as usize) {
                        *slot = true;
                    }
                }
                used.iter().filter(|u| **u).count()
            }
        }
    }

    /// Number of values that are not missing.
    pub fn non_null(&self) -> usize {
        match self {
            ColumnData::Numbers(v) => v.iter().filter(|x| !x.is_nan()).count(),
            ColumnData::Text { codes, .. } => codes.iter().filter(|c| **c != NULL_CODE).count(),
        }
    }
}

/// Bits of a float with `-0.0` folded into `0.0`, so equal numbers compare equal.
pub fn canonical_bits(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub dtype: Dtype,
    pub data: ColumnData,
}

/// A table: named columns of equal length, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: usize,
    /// Columns of the file that the caller's selection left unread, in file order.
    pub skipped: Vec<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether the file has this column, read or skipped.
    pub fn has_column(&self, name: &str) -> bool {
        self.column(name).is_some() || self.skipped.iter().any(|n| n == name)
    }

    /// Every column name: those read, then those skipped.
    pub fn names(&self) -> Vec<String> {
        let read = self.columns.iter().map(|c| &c.name);
        read.chain(&self.skipped).cloned().collect()
    }

    /// Reads a table, choosing the format by extension (`.parquet`/`.pq` or else CSV).
    pub fn read(path: &Path) -> Result<Table, TableError> {
        Table::read_selected(path, &|_| true)
    }

    /// Reads only the columns `keep` accepts (by name); the others are listed in `skipped`
    /// and never parsed, so an unsupported Parquet column can be left out.
    pub fn read_selected(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Table, TableError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let table = match ext.as_deref() {
            Some("parquet") | Some("pq") => parquet_reader::read(path, keep)?,
            _ => csv_reader::read(path, keep)?,
        };
        if table.rows == 0 {
            return Err(TableError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(table)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not valid CSV: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("`{path}` is not a readable Parquet file: {message}")]
    Parquet { path: PathBuf, message: String },
    #[error("`{path}`: column `{column}` has the Parquet type {kind}, which kin cannot read")]
    Unsupported {
        path: PathBuf,
        column: String,
        kind: String,
    },
    #[error("`{path}` has no data rows")]
    Empty { path: PathBuf },
    #[error("`{path}` has the column `{column}` twice")]
    DuplicateColumn { path: PathBuf, column: String },
}
