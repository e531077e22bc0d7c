//! Mangled and hostile inputs: the pipeline files of the valid corpus, params, `dvc.lock`,
//! `.dvc` files and directory manifests, cut and spliced at random. Whatever they hold, kin
//! answers with a result or an error (exit 0, 1 or 2), never a panic or an abort, and writes
//! nothing outside the repository or into `.git`.

use std::path::{Path, PathBuf};

use super::checks::snapshot;
use super::{Rng, trials};
use crate::common::{copy_tree, corpus_cases, kin, run, run_ok};

/// Fragments spliced into inputs: YAML syntax, templating, paths that try to leave.
const FRAGMENTS: &[&str] = &[
    "..",
    "../",
    "../../victim/keep.txt",
    "/",
    "/tmp",
    ".git",
    ".git/hooks/pre-commit",
    ".dvc",
    ".kin",
    "dvc.yaml",
    "x.dvc",
    "${",
    "}",
    "${item}",
    "${a.b[0]}",
    ":",
    ": ",
    "- ",
    "\t",
    "\n",
    "&a",
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
    "99999999999999999999999",
    "null",
    "~",
    "yes",
    "outs:",
    "deps:",
    "wdir: ..",
    "foreach:",
    "do:",
    "matrix:",
    "cmd:",
    "path:",
    "md5:",
    "nfiles: -1",
    "size: big",
    "schema: '3.0'",
    "\u{feff}",
    "\u{0}",
    "é",
    "\\",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        match rng.below(4) {
            0 => {
                let end = (at + rng.below(12) as usize).min(bytes.len());
                bytes.drain(at..end);
            }
            1 | 2 => {
                let fragment = rng.pick(FRAGMENTS).as_bytes();
                bytes.splice(at..at, fragment.iter().copied());
            }
            _ => {
                // Repeat a slice: a duplicated key, line or bracket.
                let end = (at + rng.below(40) as usize).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                bytes.splice(at..at, slice);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A repository made from a corpus case, with data recorded, beside a victim directory.
struct Sandbox {
    _dir: tempfile::TempDir,
    repo: PathBuf,
    victim: PathBuf,
}

fn sandbox(case: &Path) -> Sandbox {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::create_dir_all(&victim).expect("mkdir");
    std::fs::write(victim.join("keep.txt"), "precious\n").expect("write");
    copy_tree(case, &repo);
    crate::common::git(&repo, &["init", "-q"]);
    run_ok(kin(&repo).args(["init", "-q"]));
    std::fs::create_dir_all(repo.join("d")).expect("mkdir");
    std::fs::write(repo.join("d/f.txt"), "f\n").expect("write");
    std::fs::write(repo.join("g.txt"), "g\n").expect("write");
    run_ok(kin(&repo).args(["add", "d", "g.txt"]));
    Sandbox {
        _dir: dir,
        repo,
        victim,
    }
}

/// The files a mutation may target, as (path, whether the cache names it by its md5).
fn inputs(repo: &Path) -> Vec<(PathBuf, bool)> {
    let mut found = Vec::new();
    for name in ["dvc.yaml", "params.yaml", "dvc.lock", "g.txt.dvc", "d.dvc"] {
        if repo.join(name).is_file() {
            found.push((repo.join(name), false));
        }
    }
    if let Ok(record) = std::fs::read_to_string(repo.join("d.dvc"))
        && let Some(md5) = record
            .lines()
            .find_map(|l| l.trim_start_matches("- ").strip_prefix("md5: "))
    {
        let hex = md5.trim_end_matches(".dir");
        let object = repo
            .join(".dvc/cache/files/md5")
            .join(&hex[..2])
            .join(format!("{}.dir", &hex[2..]));
        found.push((object, true));
    }
    found
}

/// Writes a mangled manifest as a remote could serve it: under its own md5, with `d.dvc`
/// pointing at it.
fn plant_manifest(repo: &Path, text: &str) {
    let hex = kin_format::md5::Md5::of(text.as_bytes()).to_hex();
    let prefix = repo.join(".dvc/cache/files/md5").join(&hex[..2]);
    std::fs::create_dir_all(&prefix).expect("mkdir");
    std::fs::write(prefix.join(format!("{}.dir", &hex[2..])), text).expect("write");
    std::fs::write(
        repo.join("d.dvc"),
        format!("outs:\n- md5: {hex}.dir\n  size: 2\n  nfiles: 1\n  hash: md5\n  path: d\n"),
    )
    .expect("write");
}

const COMMANDS: &[&[&str]] = &[
    &["stages", "--json"],
    &["dag"],
    &["status", "--json"],
    &["checkout", "--force"],
    &["repro", "--dry"],
    &["params", "diff", "--all", "--json"],
    &["metrics", "show", "--json"],
];

#[test]
fn mangled_inputs_get_an_answer_and_stay_in_the_repository() {
    let mut rng = Rng::from_env("mangled_inputs_get_an_answer_and_stay_in_the_repository");
    let cases = corpus_cases("valid");
    let count = trials() * 4;
    let mut failures_seen = 0;
    for trial in 0..count {
        let case = rng.pick(&cases);
        let sandbox = sandbox(case);
        let targets = inputs(&sandbox.repo);
        let (target, is_manifest) = rng.pick(&targets).clone();
        let original = std::fs::read_to_string(&target).unwrap_or_default();
        let mangled = mutate(&mut rng, &original);
        if is_manifest {
            plant_manifest(&sandbox.repo, &mangled);
        } else {
            std::fs::write(&target, &mangled).expect("write");
        }
        let victim_before = snapshot(&sandbox.victim);
        let git_before = snapshot(&sandbox.repo.join(".git/hooks"));
        for args in COMMANDS {
            let output = run(kin(&sandbox.repo).args(*args));
            let stderr = String::from_utf8_lossy(&output.stderr);
            let code = output.status.code();
            assert!(
                matches!(code, Some(0..=2)) && !stderr.contains("panicked"),
                "trial {trial} ({}, {}): kin {args:?} ended with {code:?}:\n{stderr}\n--- input ---\n{mangled}",
                case.display(),
                target.display(),
            );
            if code != Some(0) {
                failures_seen += 1;
            }
        }
        assert_eq!(
            snapshot(&sandbox.victim),
            victim_before,
            "trial {trial}: wrote outside"
        );
        assert_eq!(
            snapshot(&sandbox.repo.join(".git/hooks")),
            git_before,
            "trial {trial}: wrote into .git"
        );
        assert!(
            !sandbox
                .repo
                .parent()
                .is_some_and(|p| p.join("escaped").exists())
        );
    }
    eprintln!("{count} mangled inputs, {failures_seen} commands refused them cleanly");
}
