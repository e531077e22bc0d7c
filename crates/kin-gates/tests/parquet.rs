//! Parquet input: dtypes as pandas' `read_parquet` gives them, CSV twins, and clear refusals.

use std::path::{Path, PathBuf};

use kin_gates::drift::{DriftError, DriftOptions, compute};
use kin_gates::table::{Column, ColumnData, Dtype, NULL_CODE};
use kin_gates::{Table, TableError};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(path: &Path) -> Table {
    Table::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dtype(table: &Table, name: &str) -> Dtype {
    table.column(name).expect("column").dtype
}

/// Values comparable across formats: numbers by bits, text resolved through the dictionary.
fn values(column: &Column) -> Vec<String> {
    match &column.data {
        ColumnData::Numbers(v) => v.iter().map(|x| format!("{:x}", x.to_bits())).collect(),
        ColumnData::Text { dictionary, codes } => codes
            .iter()
            .map(|c| match *c {
                NULL_CODE => "<null>".to_owned(),
                c => format!("={}", dictionary[c as usize]),
            })
            .collect(),
    }
}

#[test]
fn twins_read_the_same_as_their_csv() {
    for case in ["parquet_twin_small", "parquet_twin_large"] {
        for side in ["reference", "current"] {
            let dir = fixtures().join("drift").join(case);
            let csv = read(&dir.join(format!("{side}.csv")));
            let parquet = read(&dir.join(format!("{side}.parquet")));
            assert_eq!(csv.rows, parquet.rows, "{case}/{side}");
            assert_eq!(csv.names(), parquet.names(), "{case}/{side}");
            for (a, b) in csv.columns.iter().zip(&parquet.columns) {
                assert_eq!(a.dtype, b.dtype, "{case}/{side}/{}", a.name);
                assert_eq!(values(a), values(b), "{case}/{side}/{}", a.name);
            }
        }
    }
    // The twins cover nulls in every kind of column, and several row groups.
    let small = read(&fixtures().join("drift/parquet_twin_small/reference.parquet"));
    let dtypes: Vec<Dtype> = small.columns.iter().map(|c| c.dtype).collect();
    use Dtype::*;
    assert_eq!(dtypes, [Float, Int, Float, Text, Bool, Text]);
    for name in ["x", "m", "colour", "maybe"] {
        let column = small.column(name).expect("column");
        assert!(
            column.data.non_null() < column.data.len(),
            "{name} has nulls"
        );
    }
}

#[test]
fn parquet_types_follow_pandas() {
    let dir = fixtures().join("drift/parquet_types");
    // reference: lz4, 3 row groups, INT96 timestamps; current: snappy, v2 data pages.
    for side in ["reference", "current"] {
        let table = read(&dir.join(format!("{side}.parquet")));
        let want = [
            ("i8", Dtype::Int),
            ("u32", Dtype::Int),
            ("u64", Dtype::Int),
            ("f32", Dtype::Float),
            ("i32n", Dtype::Float),
            ("day", Dtype::Text),
            ("ts", Dtype::Datetime),
            ("price", Dtype::Text),
            ("name", Dtype::Text),
            ("blob", Dtype::Text),
        ];
        for (name, dtype_want) in want {
            assert_eq!(dtype(&table, name), dtype_want, "{side}/{name}");
        }
        let Some(ColumnData::Numbers(u64s)) = table.column("u64").map(|c| &c.data) else {
            panic!("u64 is numeric")
        };
        assert!(u64s.iter().all(|x| *x >= 2f64.powi(63)), "{side}: unsigned");
        let Some(ColumnData::Numbers(ts)) = table.column("ts").map(|c| &c.data) else {
            panic!("ts is numeric")
        };
        // 2024-01-01T00:00:00 plus whole hours of one day, in seconds since the epoch.
        assert!(
            ts.iter()
                .all(|t| (1_704_067_200.0..1_704_153_600.0).contains(t) && t % 3600.0 == 0.0),
            "{side}: {:?}",
            &ts[..3]
        );
        let text = |name: &str| match table.column(name).map(|c| &c.data) {
            Some(ColumnData::Text { dictionary, .. }) => {
                let mut d = dictionary.clone();
                d.sort();
                d
            }
            _ => panic!("{name} is text"),
        };
        assert_eq!(text("price"), ["-1.00", "0.05", "19.50", "9.99"]);
        assert!(text("day").iter().all(|d| d.starts_with("2024-03-0")));
        assert_eq!(text("name"), ["ann", "bob", "cy", "di"]);
    }
}

#[test]
fn drift_leaves_datetime_columns_out() {
    let dir = fixtures().join("drift/parquet_types");
    let reference = read(&dir.join("reference.parquet"));
    let current = read(&dir.join("current.parquet"));
    let result = compute(&reference, &current, &DriftOptions::default()).expect("drift");
    assert_eq!(result.columns.len(), 9);
    assert!(result.columns.iter().all(|c| c.name != "ts"));
    let mut options = DriftOptions::default();
    options.overrides.numerical.push("ts".to_owned());
    assert!(matches!(
        compute(&reference, &current, &options),
        Err(DriftError::Datetime { column, .. }) if column == "ts"
    ));
    // A datetime column on one side only is an error, not a silent comparison of seconds.
    let mut text_ts = current.clone();
    let ts = text_ts
        .columns
        .iter_mut()
        .find(|c| c.name == "ts")
        .expect("ts");
    ts.dtype = Dtype::Float;
    assert!(matches!(
        compute(&text_ts, &current, &DriftOptions::default()),
        Err(DriftError::Datetime { column, .. }) if column == "ts"
    ));
}

#[test]
fn unsupported_columns_are_named_and_can_be_left_out() {
    let path = fixtures().join("parquet/unsupported.parquet");
    let refused = |keep: &dyn Fn(&str) -> bool| match Table::read_selected(&path, keep) {
        Err(TableError::Unsupported { column, kind, .. }) => (column, kind),
        other => panic!("expected an unsupported column, got {other:?}"),
    };
    assert_eq!(refused(&|_| true), ("tags".to_owned(), "list".to_owned()));
    assert_eq!(
        refused(&|n| n != "tags"),
        ("point".to_owned(), "struct".to_owned())
    );
    assert_eq!(
        refused(&|n| n != "tags" && n != "point"),
        ("t".to_owned(), "time".to_owned())
    );
    let error = Table::read(&path).expect_err("refused").to_string();
    assert!(
        error.contains("column `tags` has the Parquet type list"),
        "{error}"
    );
    let table = Table::read_selected(&path, &|n| n == "x").expect("x alone reads");
    assert_eq!(table.rows, 3);
    assert_eq!(table.names(), ["x", "tags", "point", "t"]);
    assert_eq!(table.skipped, ["tags", "point", "t"]);
    assert!(table.has_column("point") && table.column("point").is_none());
}

fn parquet_error(path: &Path) -> String {
    match Table::read(path) {
        Err(e @ TableError::Parquet { .. }) => e.to_string(),
        other => panic!("expected a Parquet error, got {other:?}"),
    }
}

#[test]
fn corrupt_files_and_unsupported_compression_are_clear_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let good = std::fs::read(fixtures().join("drift/parquet_twin_large/reference.parquet"))
        .expect("fixture");
    let truncated = tmp.path().join("truncated.parquet");
    std::fs::write(&truncated, &good[..good.len() / 2]).expect("write");
    let error = parquet_error(&truncated);
    assert!(
        error.contains("truncated.parquet` is not a readable Parquet file"),
        "{error}"
    );
    let csv = tmp.path().join("renamed.parquet");
    std::fs::write(&csv, "a,b\n1,2\n").expect("write");
    assert!(parquet_error(&csv).contains("not a readable Parquet file"));
    // The footer survives but a run length in a data page is garbage: the `parquet` crate
    // panics there, and the reader turns that into an error.
    let mut bad_page = good.clone();
    let start = bad_page.len() / 3;
    for b in &mut bad_page[start..start + 64] {
        *b = 0xff;
    }
    let bad = tmp.path().join("bad_page.parquet");
    std::fs::write(&bad, &bad_page).expect("write");
    assert!(Table::read(&bad).is_err());
    let error = parquet_error(&fixtures().join("parquet/brotli.parquet"));
    assert!(error.contains("brotli"), "{error}");
}

#[test]
fn fixtures_cover_codecs_encodings_and_row_groups() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let mut codecs = std::collections::BTreeSet::new();
    let mut encodings = std::collections::BTreeSet::new();
    let mut most_row_groups = 0;
    for case in ["parquet_twin_small", "parquet_twin_large", "parquet_types"] {
        for side in ["reference", "current"] {
            let path = fixtures().join(format!("drift/{case}/{side}.parquet"));
            let file = std::fs::File::open(&path).expect("open");
            let reader = SerializedFileReader::new(file).expect("parquet");
            most_row_groups = most_row_groups.max(reader.metadata().num_row_groups());
            for group in reader.metadata().row_groups() {
                for column in group.columns() {
                    codecs.insert(format!("{:?}", column.compression()));
                    for e in column.encodings() {
                        encodings.insert(format!("{e:?}"));
                    }
                }
            }
        }
    }
    assert!(most_row_groups >= 3, "{most_row_groups}");
    for codec in ["UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"] {
        assert!(
            codecs.iter().any(|c| c.starts_with(codec)),
            "{codec}: {codecs:?}"
        );
    }
    for encoding in [
        "PLAIN",
        "RLE_DICTIONARY",
        "DELTA_BINARY_PACKED",
        "DELTA_LENGTH_BYTE_ARRAY",
        "BYTE_STREAM_SPLIT",
    ] {
        assert!(encodings.contains(encoding), "{encoding}: {encodings:?}");
    }
}
