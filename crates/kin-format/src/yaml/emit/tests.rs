//! The emitter against layouts recorded from ruamel.yaml 0.19.1 as DVC 3.67.1 configures it.

use super::*;
use crate::yaml::{Location, Map, Node};

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k.to_owned(), Location::UNKNOWN, Node::unlocated(v));
    }
    Value::Map(m)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items.into_iter().map(Node::unlocated).collect())
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

/// The line ruamel writes for `k: <text>`, without `k: ` and the final newline.
fn as_value(text: &str) -> String {
    let doc = to_yaml_document(&map(vec![("k", s(text))]));
    doc["k: ".len()..doc.len() - 1].to_owned()
}

#[test]
fn lock_file_layout() {
    // Recorded from ruamel.yaml 0.19.1 as DVC 3.67.1 configures it.
    let doc = map(vec![
        ("schema", s("2.0")),
        (
            "stages",
            map(vec![(
                "train",
                map(vec![
                    (
                        "cmd",
                        s(
                            "python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model resnet50 --out model.pkl",
                        ),
                    ),
                    (
                        "deps",
                        list(vec![map(vec![
                            ("path", s("data/raw")),
                            ("hash", s("md5")),
                            ("md5", s("0d3c4b4e6f5a.dir")),
                            ("size", Value::Int(1234)),
                            ("nfiles", Value::Int(3)),
                        ])]),
                    ),
                    (
                        "params",
                        map(vec![(
                            "params.yaml",
                            map(vec![
                                ("lr", Value::Float(0.001)),
                                (
                                    "model",
                                    map(vec![
                                        ("layers", list(vec![Value::Int(64), Value::Int(32)])),
                                        ("dropout", Value::Null),
                                        (
                                            "name",
                                            s(
                                                "a long model name that needs folding because it is deeply nested in params",
                                            ),
                                        ),
                                    ]),
                                ),
                            ]),
                        )]),
                    ),
                    (
                        "outs",
                        list(vec![map(vec![
                            ("path", s("model.pkl")),
                            ("hash", s("md5")),
                            ("md5", s("9dd4e461268c8034f5c8564e155c67a6")),
                            ("size", Value::Int(10)),
                        ])]),
                    ),
                ]),
            )]),
        ),
    ]);
    // Note the trailing space after `64`: ruamel writes the space, then moves the word
    // that does not fit to the next line.
    let expected = "schema: '2.0'
stages:
  train:
    cmd: python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 \n      --model resnet50 --out model.pkl
    deps:
    - path: data/raw
      hash: md5
      md5: 0d3c4b4e6f5a.dir
      size: 1234
      nfiles: 3
    params:
      params.yaml:
        lr: 0.001
        model:
          layers:
          - 64
          - 32
          dropout:
          name: a long model name that needs folding because it is deeply nested
            in params
    outs:
    - path: model.pkl
      hash: md5
      md5: 9dd4e461268c8034f5c8564e155c67a6
      size: 10
";
    assert_eq!(to_yaml_document(&doc), expected);
}

#[test]
fn scalars_and_empty_collections() {
    let doc = map(vec![
        ("a", list(vec![Value::Null, list(vec![]), map(vec![])])),
        ("b", Value::Null),
        ("c", Value::Float(1e-5)),
        ("d", Value::Float(1e16)),
        ("e", Value::Float(f64::NAN)),
        ("f", Value::Float(f64::NEG_INFINITY)),
        ("g", Value::Float(-0.0)),
        // Exactly halfway between two 17-digit candidates: Python rounds half to even.
        ("h", Value::Float(133816953984755.12)),
        ("i", Value::Float(3.0)),
        ("j", Value::Bool(true)),
        ("k", Value::Int(-7)),
        ("l", Value::Timestamp("2024-01-31".into())),
    ]);
    assert_eq!(
        to_yaml_document(&doc),
        "a:\n- \n- []\n- {}\nb:\nc: 1e-05\nd: 1e+16\ne: .nan\nf: -.inf\ng: -0.0\n\
             h: 133816953984755.12\ni: 3.0\nj: true\nk: -7\nl: 2024-01-31\n"
    );
}

#[test]
fn documents_that_are_not_mappings() {
    assert_eq!(to_yaml_document(&list(vec![Value::Null])), "- \n");
    assert_eq!(to_yaml_document(&list(vec![])), "[]\n");
    // A plain scalar document is closed with `...`; a quoted one is not.
    assert_eq!(to_yaml_document(&s("x")), "x\n...\n");
    assert_eq!(to_yaml_document(&Value::Null), "null\n...\n");
    assert_eq!(to_yaml_document(&s("1")), "'1'\n");
}

#[test]
fn string_styles() {
    let cases = [
        ("data", "data"),
        ("-x", "-x"),
        ("- x", "'- x'"),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        ("#x", "'#x'"),
        ("x:y", "x:y"),
        ("?x", "?x"),
        ("it's", "it's"),
        ("'a'", "\"'a'\""),
        ("a\"b", "a\"b"),
        ("", "''"),
        (" x", "' x'"),
        ("x ", "'x '"),
        // YAML 1.2: `yes`/`no`/`on` are strings; numbers, bools, nulls and dates are not.
        ("yes", "yes"),
        ("y", "y"),
        ("true", "'true'"),
        ("True", "'True'"),
        ("null", "'null'"),
        ("~", "'~'"),
        ("1", "'1'"),
        ("1.0", "'1.0'"),
        (".5", "'.5'"),
        ("1e3", "'1e3'"),
        ("1e", "1e"),
        ("0x1F", "'0x1F'"),
        ("1_000", "'1_000'"),
        ("_", "_"),
        ("1:30", "1:30"),
        (".inf", "'.inf'"),
        ("2024-01-01", "'2024-01-01'"),
        ("<<", "'<<'"),
        ("=", "'='"),
        // Unicode is written as is; control characters and BOM are escaped.
        ("ünï/😀", "ünï/😀"),
        ("a\tb", "\"a\\tb\""),
        ("\u{1}\u{7f}\u{feff}", "\"\\x01\\x7F\\uFEFF\""),
        ("a\nb", "\"a\\nb\""),
        ("it's\nok", "\"it's\\nok\""),
    ];
    for (text, expected) in cases {
        assert_eq!(as_value(text), expected, "for {text:?}");
    }
}

#[test]
fn folding_at_width_80() {
    // Plain: a word that would cross column 80 moves down, leaving the space behind.
    let plain = format!("{} {}", "x".repeat(30), "y".repeat(60));
    assert_eq!(
        as_value(&plain),
        format!("{} \n  {}", "x".repeat(30), "y".repeat(60))
    );
    // Single-quoted: broken at the first single space once past column 80.
    assert_eq!(
        as_value(
            "echo a: b && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model x"
        ),
        "'echo a: b && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64\n  --model x'"
    );
    // Double-quoted: the break stands for the space...
    assert_eq!(
        as_value(
            "echo 'a: b' && python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model x"
        ),
        "\"echo 'a: b' && python train.py --epochs 10 --learning-rate 0.001 --batch-size\n  64 --model x\""
    );
    // ...unless more spaces follow: then an escaped line break and an escaped space.
    let spaced = format!("a\tb {}  d", "c".repeat(75));
    assert_eq!(
        as_value(&spaced),
        format!("\"a\\tb {}\\\n  \\  d\"", "c".repeat(75))
    );
}

#[test]
fn long_and_multiline_keys_are_explicit() {
    let long = "k".repeat(123);
    let doc = map(vec![
        (long.as_str(), Value::Int(1)),
        ("a\nb", Value::Int(2)),
    ]);
    assert_eq!(
        to_yaml_document(&doc),
        format!("? {long}\n: 1\n? \"a\\nb\"\n: 2\n")
    );
    // 122 characters plus the 5 of `!!str` still fit ruamel's simple-key limit of 128.
    let short = "k".repeat(122);
    let doc = map(vec![(short.as_str(), Value::Int(1))]);
    assert_eq!(to_yaml_document(&doc), format!("{short}: \n  1\n"));
}

#[test]
fn scalar_string_continues_after_a_key() {
    // `    cmd:` ends at column 8; continuation lines sit at the key's indent + 2.
    let cmd = "python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 --model resnet50 --out model.pkl";
    assert_eq!(
        scalar_string(cmd, 6, 8),
        " python train.py --epochs 10 --learning-rate 0.001 --batch-size 64 \n      --model resnet50 --out model.pkl"
    );
    assert_eq!(scalar_string("true", 2, 4), " 'true'");
    assert_eq!(unfolded_scalar("a: b"), "'a: b'");
    assert_eq!(
        unfolded_scalar(&"x ".repeat(60)),
        format!("'{}'", "x ".repeat(60))
    );
}
