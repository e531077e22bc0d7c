//! Property: what the emitter writes, the parser reads back as the same value — for every
//! scalar shape that YAML 1.2 or YAML 1.1 treats specially, at any depth, as key or value.
//!
//! The emitter quotes a string exactly when the one resolver would not read it back as that
//! string, so this checks the emitter and the parser against each other; the ruamel
//! differential test (`emit_ruamel.rs`) checks the emitter's bytes against DVC's writer.
//!
//! One exception, which is ruamel's: when a long double-quoted string is folded right after
//! an escape (`...\t` at the end of a line), ruamel 0.19 may leave out the `\` that keeps the
//! line break from reading back as a space, so DVC reads its own `dvc.lock` back with a space
//! added. kin writes the same bytes and reads them the same way; those cases are skipped.

use kin_format::yaml::emit::to_yaml_document;
use kin_format::yaml::{Location, Map, Node, Value, integer, parse_yaml};
use proptest::prelude::*;

/// Strings YAML 1.1 or 1.2 (or ruamel) read as something else when written plain.
const SPECIAL: &[&str] = &[
    "",
    " ",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "FALSE",
    "yes",
    "no",
    "Yes",
    "NO",
    "on",
    "off",
    "On",
    "OFF",
    "y",
    "n",
    "Y",
    "N",
    "0",
    "-0",
    "+1",
    "007",
    "0o17",
    "0o",
    "017",
    "09",
    "0x1F",
    "0X1F",
    "0x",
    "0xG",
    "0b101",
    "0b",
    "0b2",
    "1_000",
    "1__",
    "_1",
    "+_",
    "-_",
    "0x_",
    "1:20",
    "1:20:30",
    "-1:20",
    "190:20:30.15",
    "1.0",
    ".5",
    "-.5",
    "+.5",
    "5.",
    "1.",
    "1.e5",
    "1e3",
    "1E3",
    "1e+3",
    "1e-3",
    ".5e5",
    ".5e+5",
    ".5E-5",
    "1e",
    "e5",
    "12e3",
    "._",
    "1_0.5",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".INF",
    "inf",
    "-inf",
    ".nan",
    ".NaN",
    ".NAN",
    "-.nan",
    "nan",
    "NaN",
    "2024-01-31",
    "2024-1-1",
    "2024-01-31T10:00:00Z",
    "2024-01-31 10:00:00",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2024-13-45",
    "2024-02-31",
    "20240101",
    "<<",
    "=",
    "!",
    "&",
    "*",
    "?",
    "-",
    ":",
    "#",
    "a #b",
    "a# b",
    "a: b",
    "a:b",
    "- x",
    "? x",
    "---",
    "...",
    "--- x",
    "'",
    "\"",
    "it's",
    "'quoted'",
    "\"dq\"",
    "a\\b",
    " lead",
    "trail ",
    " both ",
    "a\tb",
    "\t",
    "a\nb",
    "a\n",
    "\n",
    "a\r\nb",
    "é",
    "日本語",
    "😀",
    "\u{a0}",
    "\u{feff}x",
    "\u{1}",
    "\u{7f}",
    "a\u{2028}b",
    "\u{2029}",
    "${item.lr}",
    "python train.py --lr 0.001",
];

fn special() -> impl Strategy<Value = String> {
    proptest::sample::select(SPECIAL).prop_map(str::to_owned)
}

/// Long text made of words and separators, so that it folds at column 80 in every style.
fn long_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-z]{1,12}",
        special(),
        Just(
            "verylongwordwithoutanyspacesthatkeepsgoingpastthewidthlimitofeightycolumns".to_owned()
        ),
    ];
    let separator = proptest::sample::select(&[" ", " ", " ", "  ", "\t", "\n", ": ", " #"][..]);
    proptest::collection::vec((word, separator), 5..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(word, separator)| format!("{word}{separator}"))
            .collect()
    })
}

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => special(),
        2 => long_text(),
        2 => "\\PC{0,20}",
        1 => ".{0,12}",
        1 => special().prop_flat_map(|a| special().prop_map(move |b| format!("{a} {b}"))),
    ]
    .prop_filter("ruamel cannot write NEL so that it reads back", |s| {
        !s.contains('\u{85}')
    })
}

fn big_integer() -> impl Strategy<Value = Value> {
    (any::<bool>(), "[1-9][0-9]{19,45}")
        .prop_map(|(negative, digits)| integer(negative, &digits, 10).unwrap_or(Value::Null))
}

/// Timestamps as the resolver reads them (the only ones a parsed value can hold).
fn timestamp() -> impl Strategy<Value = Value> {
    proptest::sample::select(
        &[
            "2024-01-31",
            "1999-12-31",
            "2024-1-5 10:00:00",
            "2024-01-31T10:00:00Z",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
        ][..],
    )
    .prop_map(|t| Value::Timestamp(t.to_owned()))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::Int),
        1 => big_integer(),
        2 => any::<f64>().prop_map(Value::Float),
        1 => proptest::sample::select(&[0.0, -0.0, 1e16, 1e-5, 0.925_608_011_444_921_3][..])
            .prop_map(Value::Float),
        1 => timestamp(),
        6 => any_string().prop_map(Value::Str),
    ]
}

/// A key: mostly a string, sometimes another scalar (NaN is never equal to itself, so a NaN
/// key could not be found again and is left out).
fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => any_string().prop_map(Value::Str),
        1 => scalar().prop_filter("NaN keys", |k| !matches!(k, Value::Float(f) if f.is_nan())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| Value::List(items.into_iter().map(Node::unlocated).collect())),
            proptest::collection::vec((key(), inner), 0..6).prop_map(|entries| {
                let mut map = Map::new();
                for (key, value) in entries {
                    // One of two keys Python holds equal (`1` and `true`) would be dropped.
                    if !map
                        .iter()
                        .any(|e| kin_format::python::py_eq(&e.key_value(), &key))
                    {
                        map.insert_scalar_key(key, Location::UNKNOWN, Node::unlocated(value));
                    }
                }
                Value::Map(map)
            }),
        ]
    })
}

/// Whether a line of `text` ends with an escape sequence (`\t`, `\x01`, `\"`, ...), which the
/// emitter only writes where ruamel folds a double-quoted scalar right after an escape.
fn folds_after_escape(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .take(lines.len().saturating_sub(1))
        .any(|line| {
            let chars: Vec<char> = line.chars().collect();
            let mut i = 0;
            let mut ends_with_escape = false;
            while i < chars.len() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    let hex = match chars[i + 1] {
                        'x' => 2,
                        'u' => 4,
                        'U' => 8,
                        _ => 0,
                    };
                    i += 2 + hex;
                    ends_with_escape = i >= chars.len();
                } else {
                    i += 1;
                    ends_with_escape = false;
                }
            }
            ends_with_escape
        })
}

/// A long top-level scalar folded so that a continuation line starts with `---` or `...`:
/// ruamel writes exactly that (checked with ruamel 0.18) and cannot read it back, since at
/// column 0 it is a document marker. dvc.lock and .dvc files never hold a top-level scalar.
fn folds_into_document_marker(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    // The last line may be the document end marker ruamel writes after a plain scalar.
    let folded = match lines.last() {
        Some(&"...") => &lines[..lines.len() - 1],
        _ => &lines[..],
    };
    folded
        .iter()
        .skip(1)
        .any(|line| line.starts_with("---") || line.starts_with("..."))
}

/// Equal as values: locations ignored, floats by their bits (so NaN equals NaN).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan()
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(&p.value, &q.value))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| {
                    p.key == q.key
                        && same(&p.key_value(), &q.key_value())
                        && same(&p.value.value, &q.value.value)
                })
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_what_the_emitter_wrote_gives_the_value_back(value in value()) {
        let text = to_yaml_document(&value);
        prop_assume!(!folds_after_escape(&text));
        prop_assume!(!folds_into_document_marker(&text));
        let back = parse_yaml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(same(&back.value, &value), "wrote:\n{}\nread: {:?}", text, back.value);
    }

    #[test]
    fn every_special_scalar_survives_as_a_value_and_a_key(text in special(), inner in scalar()) {
        for doc in [
            Value::Str(text.clone()),
            Value::List(vec![Node::unlocated(Value::Str(text.clone()))]),
        ] {
            let written = to_yaml_document(&doc);
            prop_assume!(!folds_into_document_marker(&written));
            let back = parse_yaml(&written).map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?;
            prop_assert!(same(&back.value, &doc), "wrote:\n{}\nread: {:?}", written, back.value);
        }
        let mut map = Map::new();
        map.insert(text.clone(), Location::UNKNOWN, Node::unlocated(inner));
        let doc = Value::Map(map);
        let written = to_yaml_document(&doc);
        prop_assume!(!folds_after_escape(&written));
        let back = parse_yaml(&written).map_err(|e| TestCaseError::fail(format!("{e}\n{written}")))?;
        prop_assert!(same(&back.value, &doc), "wrote:\n{}\nread: {:?}", written, back.value);
    }
}
