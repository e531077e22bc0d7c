//! Parquet input through the `parquet` crate's typed column readers (no Arrow), flat schemas only.

use std::collections::HashSet;
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::{ColumnDescriptor, Type};

use super::builder::ColumnBuilder;
use super::{Table, TableError};

/// How the values of one flat column become a table column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    /// Integers; `unsigned` when the logical type says the bits are unsigned.
    Int {
        unsigned: bool,
    },
    Float,
    /// UTF-8 text; raw bytes are decoded leniently.
    Text,
    /// Days since the epoch, as text `YYYY-MM-DD`.
    Date,
    /// A count of `1 / per_second` seconds since the epoch.
    Timestamp {
        per_second: f64,
    },
    /// Legacy 96-bit timestamps (Spark, Impala).
    Int96,
    /// Fixed-point numbers with this many digits after the point, as text.
    Decimal {
        scale: i32,
    },
}

fn parquet_error(path: &Path, message: impl ToString) -> TableError {
    TableError::Parquet {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn unsupported(path: &Path, column: &str, kind: impl Into<String>) -> TableError {
    TableError::Unsupported {
        path: path.to_path_buf(),
        column: column.to_owned(),
        kind: kind.into(),
    }
}

/// One column to read: its leaf in the schema, how to convert it, where values go.
struct Plan {
    leaf: usize,
    max_def: i16,
    kind: Kind,
    builder: ColumnBuilder,
}

/// Reads the columns `keep` accepts with the dtypes pandas' `read_parquet` gives them, so
/// Evidently sees the same kinds: integers and floats are numbers (an integer column with a
/// missing value is float), booleans are booleans (text when one is missing), strings and raw
/// bytes are text, dates are text `YYYY-MM-DD` (pandas holds `datetime.date` objects), decimals
/// are text (pandas holds `decimal.Decimal` objects) and timestamps are
/// [`Dtype::Datetime`](super::Dtype::Datetime). Nested columns (lists, maps, structs), times
/// of day, UUIDs, intervals, half floats and other fixed-size binaries are refused with
/// [`TableError::Unsupported`], naming the column.
///
/// The `parquet` crate panics on some corrupt files (bad run lengths, truncated metadata);
/// such a panic becomes [`TableError::Parquet`].
pub fn read(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Table, TableError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_unguarded(path, keep)))
        .unwrap_or_else(|payload| {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(parquet_error(
                path,
                format!("corrupt data (the decoder failed: {detail})"),
            ))
        })
}

fn read_unguarded(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Table, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = SerializedFileReader::new(file).map_err(|e| parquet_error(path, e))?;
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let rows = usize::try_from(metadata.file_metadata().num_rows())
        .map_err(|_| parquet_error(path, "negative row count"))?;
    // The leaf column of each top-level field that is a plain value.
    let mut leaf_of_root = vec![None; schema.root_schema().get_fields().len()];
    for leaf in 0..schema.num_columns() {
        if let Some(slot) = leaf_of_root.get_mut(schema.get_column_root_idx(leaf)) {
            slot.get_or_insert(leaf);
        }
    }
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for (field, leaf) in schema.root_schema().get_fields().iter().zip(leaf_of_root) {
        let name = field.name();
        if !seen.insert(name) {
            return Err(TableError::DuplicateColumn {
                path: path.to_path_buf(),
                column: name.to_owned(),
            });
        }
        if !keep(name) {
            skipped.push(name.to_owned());
            continue;
        }
        let repeated = field.get_basic_info().has_repetition()
            && field.get_basic_info().repetition() == Repetition::REPEATED;
        let leaf = match leaf {
            Some(leaf) if !field.is_group() && !repeated => leaf,
            _ => return Err(unsupported(path, name, group_name(field))),
        };
        let column = schema.column(leaf);
        let kind = kind_of(&column).map_err(|kind| unsupported(path, name, kind))?;
        let builder = match kind {
            Kind::Timestamp { .. } | Kind::Int96 => ColumnBuilder::datetime(name.to_owned()),
            Kind::Text | Kind::Date | Kind::Decimal { .. } => {
                ColumnBuilder::new(name.to_owned(), true)
            }
            Kind::Bool | Kind::Int { .. } | Kind::Float => {
                ColumnBuilder::new(name.to_owned(), false)
            }
        };
        plans.push(Plan {
            leaf,
            max_def: column.max_def_level(),
            kind,
            builder,
        });
    }
    for group in 0..reader.num_row_groups() {
        let row_group = reader
            .get_row_group(group)
            .map_err(|e| parquet_error(path, e))?;
        let group_rows = usize::try_from(row_group.metadata().num_rows()).unwrap_or(0);
        for plan in &mut plans {
            let column = row_group
                .get_column_reader(plan.leaf)
                .map_err(|e| parquet_error(path, e))?;
            read_column(column, plan, group_rows).map_err(|e| match e {
                ReadError::Parquet(e) => parquet_error(path, e),
                ReadError::Message(m) => {
                    parquet_error(path, format!("column `{}`: {m}", plan.builder.name()))
                }
                ReadError::Stored(physical) => unsupported(
                    path,
                    plan.builder.name(),
                    format!("{:?} stored as {physical}", plan.kind),
                ),
            })?;
        }
    }
    let columns: Vec<_> = plans.into_iter().map(|p| p.builder.finish()).collect();
    if let Some(short) = columns.iter().find(|c| c.data.len() != rows) {
        return Err(parquet_error(
            path,
            format!(
                "column `{}` has {} values for {rows} rows",
                short.name,
                short.data.len()
            ),
        ));
    }
    Ok(Table {
        columns,
        rows,
        skipped,
    })
}

/// What a nested or repeated top-level field is, for the error message.
fn group_name(field: &Type) -> String {
    let info = field.get_basic_info();
    match (info.logical_type_ref(), info.converted_type()) {
        (Some(LogicalType::List), _) | (_, ConvertedType::LIST) => "list".to_owned(),
        (Some(LogicalType::Map), _) | (_, ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE) => {
            "map".to_owned()
        }
        _ if field.is_group() => "struct".to_owned(),
        _ => "repeated (list)".to_owned(),
    }
}

/// The conversion for a flat column, or the name of its unsupported type.
fn kind_of(column: &ColumnDescriptor) -> Result<Kind, String> {
    let kind = match column.logical_type_ref() {
        Some(LogicalType::String | LogicalType::Enum | LogicalType::Json) => Kind::Text,
        Some(LogicalType::Integer { is_signed, .. }) => Kind::Int {
            unsigned: !is_signed,
        },
        Some(LogicalType::Date) => Kind::Date,
        Some(LogicalType::Timestamp { unit, .. }) => Kind::Timestamp {
            per_second: match unit {
                TimeUnit::MILLIS => 1e3,
                TimeUnit::MICROS => 1e6,
                TimeUnit::NANOS => 1e9,
            },
        },
        Some(LogicalType::Decimal { scale, .. }) => Kind::Decimal { scale: *scale },
        Some(LogicalType::Unknown) | None => match column.converted_type() {
            ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => Kind::Text,
            ConvertedType::UINT_8
            | ConvertedType::UINT_16
            | ConvertedType::UINT_32
            | ConvertedType::UINT_64 => Kind::Int { unsigned: true },
            ConvertedType::INT_8
            | ConvertedType::INT_16
            | ConvertedType::INT_32
            | ConvertedType::INT_64 => Kind::Int { unsigned: false },
            ConvertedType::DATE => Kind::Date,
            ConvertedType::TIMESTAMP_MILLIS => Kind::Timestamp { per_second: 1e3 },
            ConvertedType::TIMESTAMP_MICROS => Kind::Timestamp { per_second: 1e6 },
            ConvertedType::DECIMAL => Kind::Decimal {
                scale: column.type_scale(),
            },
            ConvertedType::NONE => match column.physical_type() {
                PhysicalType::BOOLEAN => Kind::Bool,
                PhysicalType::INT32 | PhysicalType::INT64 => Kind::Int { unsigned: false },
                PhysicalType::INT96 => Kind::Int96,
                PhysicalType::FLOAT | PhysicalType::DOUBLE => Kind::Float,
                PhysicalType::BYTE_ARRAY => Kind::Text,
                PhysicalType::FIXED_LEN_BYTE_ARRAY => {
                    return Err("fixed_len_byte_array".to_owned());
                }
            },
            other => return Err(format!("{other:?}").to_ascii_lowercase()),
        },
        Some(other) => {
            let debug = format!("{other:?}");
            let name = debug.split([' ', '{', '(']).next().unwrap_or_default();
            return Err(name.to_ascii_lowercase());
        }
    };
    Ok(kind)
}

enum ReadError {
    Parquet(ParquetError),
    Message(String),
    /// The logical type cannot be stored in this physical type.
    Stored(PhysicalType),
}

impl From<ParquetError> for ReadError {
    fn from(e: ParquetError) -> Self {
        ReadError::Parquet(e)
    }
}

/// The values of one column chunk and, for an optional column, its definition levels.
fn values<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    max_def: i16,
) -> Result<(Vec<T::T>, Vec<i16>), ParquetError> {
    let mut values = Vec::with_capacity(rows);
    let mut defs = Vec::new();
    loop {
        let levels = if max_def > 0 { Some(&mut defs) } else { None };
        let (records, _, _) = reader.read_records(rows.max(1), levels, None, &mut values)?;
        if records == 0 {
            return Ok((values, defs));
        }
    }
}

/// Feeds one column chunk to its builder, `None` for each missing value.
fn feed<V>(
    (values, defs): (Vec<V>, Vec<i16>),
    plan: &mut Plan,
    mut push: impl FnMut(&mut ColumnBuilder, V) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let builder = &mut plan.builder;
    if plan.max_def == 0 {
        return values.into_iter().try_for_each(|v| push(builder, v));
    }
    let mut values = values.into_iter();
    for def in defs {
        if def == plan.max_def {
            let value = values
                .next()
                .ok_or_else(|| ReadError::Message("fewer values than rows".to_owned()))?;
            push(builder, value)?;
        } else {
            builder.push_null();
        }
    }
    Ok(())
}

fn mixed(_: super::builder::NeedsText) -> ReadError {
    ReadError::Message("mixes value types".to_owned())
}

fn read_column(column: ColumnReader, plan: &mut Plan, rows: usize) -> Result<(), ReadError> {
    let max_def = plan.max_def;
    let number = |b: &mut ColumnBuilder, x: f64, int: bool| b.push_number(x, int).map_err(mixed);
    match (plan.kind, column) {
        (Kind::Bool, ColumnReader::BoolColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_bool(v).map_err(mixed)
            })
        }
        (Kind::Int { unsigned }, ColumnReader::Int32ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                let x = if unsigned {
                    f64::from(v as u32)
                } else {
                    f64::from(v)
                };
                number(b, x, true)
            })
        }
        (Kind::Int { unsigned }, ColumnReader::Int64ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                let x = if unsigned { v as u64 as f64 } else { v as f64 };
                number(b, x, true)
            })
        }
        (Kind::Float, ColumnReader::FloatColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                number(b, f64::from(v), false)
            })
        }
        (Kind::Float, ColumnReader::DoubleColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| number(b, v, false))
        }
        (Kind::Text, ColumnReader::ByteArrayColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&String::from_utf8_lossy(v.data()));
                Ok(())
            })
        }
        (Kind::Date, ColumnReader::Int32ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&date_text(v));
                Ok(())
            })
        }
        (Kind::Timestamp { per_second }, ColumnReader::Int64ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                number(b, v as f64 / per_second, false)
            })
        }
        (Kind::Int96, ColumnReader::Int96ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                number(b, v.to_micros() as f64 / 1e6, false)
            })
        }
        (Kind::Decimal { scale }, ColumnReader::Int32ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&decimal_text(i128::from(v), scale));
                Ok(())
            })
        }
        (Kind::Decimal { scale }, ColumnReader::Int64ColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&decimal_text(i128::from(v), scale));
                Ok(())
            })
        }
        (Kind::Decimal { scale }, ColumnReader::ByteArrayColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&decimal_text(big_endian(v.data())?, scale));
                Ok(())
            })
        }
        (Kind::Decimal { scale }, ColumnReader::FixedLenByteArrayColumnReader(r)) => {
            feed(values(r, rows, max_def)?, plan, |b, v| {
                b.push_text(&decimal_text(big_endian(v.data())?, scale));
                Ok(())
            })
        }
        (_, other) => Err(ReadError::Stored(physical_type(&other))),
    }
}

fn physical_type(column: &ColumnReader) -> PhysicalType {
    match column {
        ColumnReader::BoolColumnReader(_) => PhysicalType::BOOLEAN,
        ColumnReader::Int32ColumnReader(_) => PhysicalType::INT32,
        ColumnReader::Int64ColumnReader(_) => PhysicalType::INT64,
        ColumnReader::Int96ColumnReader(_) => PhysicalType::INT96,
        ColumnReader::FloatColumnReader(_) => PhysicalType::FLOAT,
        ColumnReader::DoubleColumnReader(_) => PhysicalType::DOUBLE,
        ColumnReader::ByteArrayColumnReader(_) => PhysicalType::BYTE_ARRAY,
        ColumnReader::FixedLenByteArrayColumnReader(_) => PhysicalType::FIXED_LEN_BYTE_ARRAY,
    }
}

/// A big-endian two's complement integer of at most 16 bytes.
fn big_endian(bytes: &[u8]) -> Result<i128, ReadError> {
    if bytes.len() > 16 {
        return Err(ReadError::Message("decimal wider than 128 bits".to_owned()));
    }
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut buf = [if negative { 0xff } else { 0 }; 16];
    buf[16 - bytes.len()..].copy_from_slice(bytes);
    Ok(i128::from_be_bytes(buf))
}

/// Python's `str(datetime.date)` of a day count since 1970-01-01.
fn date_text(days: i32) -> String {
    // Howard Hinnant's civil_from_days.
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Python's `str(decimal.Decimal)` of `unscaled * 10^-scale` in plain notation.
fn decimal_text(unscaled: i128, scale: i32) -> String {
    let sign = if unscaled < 0 { "-" } else { "" };
    let digits = unscaled.unsigned_abs().to_string();
    match usize::try_from(scale) {
        Ok(0) => format!("{sign}{digits}"),
        Ok(scale) => {
            let padded = format!("{digits:0>width$}", width = scale + 1);
            let (int, frac) = padded.split_at(padded.len() - scale);
            format!("{sign}{int}.{frac}")
        }
        Err(_) => format!(
            "{sign}{digits}{}",
            "0".repeat(scale.unsigned_abs() as usize)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_decimals_read_as_python_prints_them() {
        assert_eq!(date_text(0), "1970-01-01");
        assert_eq!(date_text(19_782), "2024-02-29");
        assert_eq!(date_text(-1), "1969-12-31");
        assert_eq!(decimal_text(150, 2), "1.50");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(0, 2), "0.00");
        assert_eq!(decimal_text(42, 0), "42");
        assert_eq!(big_endian(&[0xff, 0x6a]).ok(), Some(-150));
        assert_eq!(big_endian(&[0x00, 0x96]).ok(), Some(150));
    }
}
