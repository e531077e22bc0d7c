//! CSV input: a header row, then values; a column is re-read as text if a later value is not a number.

use std::collections::HashSet;
use std::path::Path;

use super::builder::ColumnBuilder;
use super::{Table, TableError};

pub fn read(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Table, TableError> {
    let mut text_columns: HashSet<usize> = HashSet::new();
    loop {
        match read_pass(path, keep, &text_columns)? {
            Pass::Done(table) => return Ok(table),
            Pass::Retry(more) => text_columns.extend(more),
        }
    }
}

enum Pass {
    Done(Table),
    Retry(Vec<usize>),
}

fn csv_error(path: &Path, error: csv::Error) -> TableError {
    match error.into_kind() {
        csv::ErrorKind::Io(source) => TableError::Io {
            path: path.to_path_buf(),
            source,
        },
        other => TableError::Csv {
            path: path.to_path_buf(),
            message: format!("{other:?}"),
        },
    }
}

fn read_pass(
    path: &Path,
    keep: &dyn Fn(&str) -> bool,
    text_columns: &HashSet<usize>,
) -> Result<Pass, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let mut seen = HashSet::new();
    for name in headers.iter() {
        if !seen.insert(name) {
            return Err(TableError::DuplicateColumn {
                path: path.to_path_buf(),
                column: name.to_owned(),
            });
        }
    }
    let mut skipped = Vec::new();
    // `None` for a column the caller does not want: its values are never parsed.
    let mut builders: Vec<Option<ColumnBuilder>> = headers
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if keep(name) {
                Some(ColumnBuilder::new(
                    name.to_owned(),
                    text_columns.contains(&i),
                ))
            } else {
                skipped.push(name.to_owned());
                None
            }
        })
        .collect();
    let mut failed: Vec<usize> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
    let file_size = reader.get_ref().metadata().map_or(0, |m| m.len());
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        rows += 1;
        if rows == 1000 {
            // Size the columns for the whole file from the first rows (plus a little).
            let per_row = reader.position().byte() as f64 / 1000.0;
            let estimate = (file_size as f64 / per_row * 1.02) as usize;
            for builder in builders.iter_mut().flatten() {
                builder.reserve(estimate.saturating_sub(rows));
            }
        }
        for (i, (builder, token)) in builders.iter_mut().zip(record.iter()).enumerate() {
            let Some(builder) = builder else { continue };
            if failed.contains(&i) {
                continue;
            }
            if builder.push(token).is_err() {
                failed.push(i);
            }
        }
    }
    if !failed.is_empty() {
        return Ok(Pass::Retry(failed));
    }
    Ok(Pass::Done(Table {
        columns: builders
            .into_iter()
            .flatten()
            .map(ColumnBuilder::finish)
            .collect(),
        rows,
        skipped,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{ColumnData, Dtype};

    #[test]
    fn mixed_column_is_reread_as_text() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "a,b,c\n1,x,1.5\n2,y,\n3,4,2\n").expect("write");
        let table = read(&path, &|_| true).expect("read");
        assert_eq!(table.rows, 3);
        let dtypes: Vec<Dtype> = table.columns.iter().map(|c| c.dtype).collect();
        assert_eq!(dtypes, [Dtype::Int, Dtype::Text, Dtype::Float]);
        let b = table.column("b").expect("b");
        assert!(
            matches!(&b.data, ColumnData::Text { dictionary, .. } if dictionary == &["x", "y", "4"])
        );
    }
}
