//! Parquet input through the `parquet` crate's row API (no Arrow), flat schemas only.

use std::path::Path;

use parquet::basic::Type as PhysicalType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use super::builder::ColumnBuilder;
use super::{Table, TableError};

fn parquet_error(path: &Path, message: impl ToString) -> TableError {
    TableError::Parquet {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

pub fn read(path: &Path) -> Result<Table, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = SerializedFileReader::new(file).map_err(|e| parquet_error(path, e))?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let mut builders: Vec<ColumnBuilder> = Vec::new();
    for column in schema.columns() {
        if column.path().parts().len() != 1 {
            return Err(parquet_error(
                path,
                format!("nested column `{}` is not supported", column.path()),
            ));
        }
        let text = matches!(
            column.physical_type(),
            PhysicalType::BYTE_ARRAY | PhysicalType::FIXED_LEN_BYTE_ARRAY
        );
        builders.push(ColumnBuilder::new(column.name().to_owned(), text));
    }
    let mut rows = 0usize;
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| parquet_error(path, e))?;
    for row in iter {
        let row = row.map_err(|e| parquet_error(path, e))?;
        rows += 1;
        for (builder, (_, field)) in builders.iter_mut().zip(row.get_column_iter()) {
            push_field(builder, field).map_err(|_| {
                parquet_error(
                    path,
                    format!("column `{}` mixes value types", builder.name()),
                )
            })?;
        }
    }
    Ok(Table {
        columns: builders.into_iter().map(ColumnBuilder::finish).collect(),
        rows,
    })
}

fn push_field(builder: &mut ColumnBuilder, field: &Field) -> Result<(), super::builder::NeedsText> {
    let int = |v: i64| v as f64;
    match field {
        Field::Null => {
            builder.push_null();
            Ok(())
        }
        Field::Bool(b) => builder.push(if *b { "True" } else { "False" }),
        Field::Byte(v) => builder.push_number(f64::from(*v), true),
        Field::Short(v) => builder.push_number(f64::from(*v), true),
        Field::Int(v) => builder.push_number(f64::from(*v), true),
        Field::Long(v) => builder.push_number(int(*v), true),
        Field::UByte(v) => builder.push_number(f64::from(*v), true),
        Field::UShort(v) => builder.push_number(f64::from(*v), true),
        Field::UInt(v) => builder.push_number(f64::from(*v), true),
        Field::ULong(v) => builder.push_number(*v as f64, true),
        Field::Float(v) => builder.push_number(f64::from(*v), false),
        Field::Double(v) => builder.push_number(*v, false),
        Field::Str(s) => {
            builder.push_text(s);
            Ok(())
        }
        other => {
            builder.push_text(&other.to_string());
            Ok(())
        }
    }
}
