//! Whatever a pipeline, params, lock or manifest file holds, reading it gives a value or an
//! error, never a panic: the valid corpus and hostile fragments, cut and spliced at random.

use std::path::{Path, PathBuf};

use kin_format::lock_file::LockFile;
use kin_format::manifest::Manifest;
use kin_format::params_file::{ParamsFormat, parse_params};
use kin_pipeline::{ParsingConfig, parse_dvc_yaml};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "${",
    "}",
    "${item}",
    "${key}",
    "${a.b[0]}",
    "${x[",
    ":",
    ": ",
    "- ",
    "\t",
    "\n",
    "&a ",
    "*a",
    "<<: *a",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "#",
    "|",
    ">-",
    "0x1F",
    "1e999",
    "-0.0",
    "~",
    "99999999999999999999999",
    "foreach: ${x}",
    "do:",
    "matrix:",
    "vars:",
    "wdir: ..",
    "outs:",
    "deps:",
    "params:",
    "cmd:",
    "..",
    "/",
    ".git",
    "\u{0}",
    "\u{feff}",
    "é",
    "\\",
    "!!python/object",
    "? ",
    "--- ",
    "...",
    "%YAML 1.1",
];

/// Every file of the valid corpus, as text, and a lock file and a manifest.
fn seeds() -> Vec<String> {
    fn collect(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    let mut out = Vec::new();
    collect(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/valid"),
        &mut out,
    );
    out.push("schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: o\n      hash: md5\n      md5: 764efa883dda1e11db47671c4a3bbd9e\n      size: 3\n".to_owned());
    out.push(r#"[{"md5": "60b725f10c9c85c70d97880dfe8191b3", "relpath": "a"}]"#.to_owned());
    out
}

fn mangled() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0usize..16,
        proptest::sample::select(FRAGMENTS),
        0u8..3,
    );
    (
        proptest::sample::select(seeds()),
        proptest::collection::vec(edit, 1..4),
    )
        .prop_map(|(seed, edits)| {
            let mut text: Vec<char> = seed.chars().collect();
            for (at, len, fragment, kind) in edits {
                let at = at.index(text.len() + 1);
                if kind == 0 {
                    let end = (at + len).min(text.len());
                    text.drain(at..end);
                } else {
                    text.splice(at..at, fragment.chars());
                }
            }
            text.into_iter().collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn reading_never_panics(text in mangled()) {
        let root = std::env::temp_dir();
        let _ = parse_dvc_yaml(&root, Path::new("dvc.yaml"), &text, ParsingConfig::default());
        let _ = LockFile::parse(&text);
        let _ = Manifest::from_json(&text);
        for format in [ParamsFormat::Yaml, ParamsFormat::Json, ParamsFormat::Toml, ParamsFormat::Python] {
            let _ = parse_params(&text, format, Path::new("params"));
        }
    }
}
