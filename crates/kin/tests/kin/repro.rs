//! `kin::repro::repro` driven directly: the events a small pipeline sends, in order, for each
//! way a stage can go (ran, skipped, failed and blocked downstream with `-k`, restored from the
//! run-cache, frozen), and the runs each leaves in the lineage store.

use std::path::Path;

use kin::lineage::kin_store::{LineageStore, RunFilter};
use kin::repro::{ReproError, ReproOptions, ReproReport, StageOutcome};

use crate::events::{Event, Recording};

/// `b` fails until it is fixed, `c` depends on it, `d` stands alone and reads a param, and `f`
/// is frozen over a file written by hand.
fn pipeline(b_cmd: &str) -> String {
    format!(
        "stages:
  a:
    cmd: echo a > a.txt
    outs: [a.txt]
  b:
    cmd: {b_cmd}
    deps: [a.txt]
    outs: [b.txt]
  c:
    cmd: cat b.txt > c.txt
    deps: [b.txt]
    outs: [c.txt]
  d:
    cmd: echo ${{n}} > d.txt
    params: [n]
    outs: [d.txt]
  f:
    cmd: echo never > f.txt
    outs: [f.txt]
    frozen: true
"
    )
}

const FAILING: &str = "echo failing && exit 3";
const FIXED: &str = "cat a.txt > b.txt";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

/// A repository (no git) holding the pipeline, its params and the frozen stage's output.
fn project() -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("temp dir");
    let dir = repo.path();
    kin::init(dir, kin::InitOptions { no_scm: true }).expect("init");
    write(dir, "dvc.yaml", &pipeline(FAILING));
    write(dir, "params.yaml", "n: 1\n");
    write(dir, "f.txt", "by hand\n");
    repo
}

fn repro(dir: &Path, options: &ReproOptions, events: &Recording) -> ReproReport {
    let repo = kin::Repo::discover(dir).expect("repo");
    kin::repro::repro(&repo, dir, options, events).expect("repro runs")
}

fn keep_going() -> ReproOptions {
    ReproOptions {
        keep_going: true,
        jobs: 1,
        run_cache: true,
        ..ReproOptions::default()
    }
}

fn started(stage: &str, why: &str) -> Event {
    Event::Started(stage.to_owned(), Some(why.to_owned()))
}

fn command(stage: &str, text: &str) -> Event {
    Event::Command(stage.to_owned(), text.to_owned())
}

fn lock(created: bool) -> Event {
    Event::LockWritten("dvc.lock".to_owned(), created)
}

fn skipped(stage: &str) -> Event {
    Event::Skipped(stage.to_owned())
}

/// Each stage's outcome, as a word.
fn outcomes(report: &ReproReport) -> Vec<(String, String)> {
    report
        .stages
        .iter()
        .map(|(stage, result)| {
            let word = match result {
                Ok(StageOutcome::UpToDate) => "up to date".to_owned(),
                Ok(StageOutcome::WouldRun(_)) => "would run".to_owned(),
                Ok(StageOutcome::Ran(_)) => "ran".to_owned(),
                Ok(StageOutcome::Restored) => "restored".to_owned(),
                Ok(StageOutcome::Verified) => "verified".to_owned(),
                Ok(StageOutcome::Blocked { by }) => format!("blocked by {by}"),
                Err(ReproError::CommandFailed { code, .. }) => format!("failed {code:?}"),
                Err(other) => format!("error {other}"),
            };
            (stage.clone(), word)
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// Every recorded run as (stage, status, exit code), oldest first.
fn recorded_runs(dir: &Path) -> Vec<(String, String, Option<i32>)> {
    let repo = kin::Repo::discover(dir).expect("repo");
    let store = kin::lineage::open_store(&repo).expect("store");
    let mut runs = store.runs(&RunFilter::default()).expect("runs");
    runs.sort_by_key(|run| run.key);
    runs.into_iter()
        .map(|run| (run.stage, run.status.as_str().to_owned(), run.exit_code))
        .collect()
}

fn run(stage: &str, status: &str, exit_code: Option<i32>) -> (String, String, Option<i32>) {
    (stage.to_owned(), status.to_owned(), exit_code)
}

#[test]
fn a_pipeline_sends_its_events_in_order_and_records_each_outcome() {
    let repo = project();
    let dir = repo.path();
    let events = Recording::default();

    // 1. First run, `-k`: `a` runs, `b` fails, `c` is blocked, `d` runs, `f` is verified.
    let report = repro(dir, &keep_going(), &events);
    assert_eq!(
        outcomes(&report),
        pairs(&[
            ("a", "ran"),
            ("b", "failed Some(3)"),
            ("c", "blocked by b"),
            ("d", "ran"),
            ("f", "verified"),
        ])
    );
    assert_eq!(
        events.take(),
        [
            started("a", "not recorded"),
            command("a", "echo a > a.txt"),
            lock(true),
            started("b", "not recorded"),
            command("b", FAILING),
            Event::Output("b".to_owned(), "failing".to_owned()),
            Event::Blocked("c".to_owned(), "b".to_owned()),
            started("d", "not recorded"),
            command("d", "echo 1 > d.txt"),
            lock(false),
            Event::Frozen("f".to_owned()),
            lock(false),
        ]
    );
    assert_eq!(
        recorded_runs(dir),
        [
            run("a", "succeeded", Some(0)),
            run("b", "failed", Some(3)),
            run("d", "succeeded", Some(0)),
            run("f", "committed", None),
        ]
    );

    // 2. `b` fixed: what ran stays up to date, `b` and then `c` run.
    write(dir, "dvc.yaml", &pipeline(FIXED));
    let report = repro(dir, &keep_going(), &events);
    assert_eq!(
        outcomes(&report),
        pairs(&[
            ("a", "up to date"),
            ("b", "ran"),
            ("c", "ran"),
            ("d", "up to date"),
            ("f", "up to date"),
        ])
    );
    assert_eq!(
        events.take(),
        [
            skipped("a"),
            started("b", "not recorded"),
            command("b", FIXED),
            lock(false),
            started("c", "not recorded"),
            command("c", "cat b.txt > c.txt"),
            lock(false),
            skipped("d"),
            skipped("f"),
        ]
    );

    // 3. A param changed and changed back: the second time, `d` comes from the run-cache.
    write(dir, "params.yaml", "n: 2\n");
    repro(dir, &keep_going(), &events);
    events.take();
    write(dir, "params.yaml", "n: 1\n");
    let report = repro(dir, &keep_going(), &events);
    assert_eq!(report.stages[3].0, "d");
    assert!(
        matches!(report.stages[3].1, Ok(StageOutcome::Restored)),
        "{:?}",
        report.stages[3]
    );
    assert_eq!(
        events.take(),
        [
            skipped("a"),
            skipped("b"),
            skipped("c"),
            started("d", "param n modified"),
            Event::Restored("d".to_owned()),
            lock(false),
            skipped("f"),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("d.txt")).expect("d"),
        "1\n"
    );

    // 4. Nothing changed: every stage is skipped and nothing is recorded.
    let before = recorded_runs(dir);
    repro(dir, &keep_going(), &events);
    assert_eq!(
        events.take(),
        [
            skipped("a"),
            skipped("b"),
            skipped("c"),
            skipped("d"),
            skipped("f")
        ]
    );
    assert_eq!(recorded_runs(dir), before);
    assert_eq!(
        before[4..],
        [
            run("b", "succeeded", Some(0)),
            run("c", "succeeded", Some(0)),
            run("d", "succeeded", Some(0)),
            run("d", "restored", None),
        ]
    );
}

#[test]
fn the_frozen_stage_is_verified_again_only_when_its_output_changes() {
    let repo = project();
    let dir = repo.path();
    let events = Recording::default();
    let only_f = ReproOptions {
        selection: kin::repro::Selection {
            targets: vec!["f".to_owned()],
            ..kin::repro::Selection::default()
        },
        ..keep_going()
    };
    repro(dir, &only_f, &events);
    assert_eq!(events.take(), [Event::Frozen("f".to_owned()), lock(true)]);
    // Forced, with nothing new to vouch for: verified, but dvc.lock and lineage stay as they are.
    let forced = ReproOptions {
        force: true,
        ..only_f.clone()
    };
    let report = repro(dir, &forced, &events);
    assert!(matches!(report.stages[0].1, Ok(StageOutcome::Verified)));
    assert_eq!(events.take(), [Event::Frozen("f".to_owned())]);
    assert_eq!(recorded_runs(dir), [run("f", "committed", None)]);
    // Edited by hand: verified again, and a second committed run generates the new version.
    write(dir, "f.txt", "edited by hand\n");
    repro(dir, &only_f, &events);
    assert_eq!(events.take(), [Event::Frozen("f".to_owned()), lock(false)]);
    assert_eq!(
        recorded_runs(dir),
        [run("f", "committed", None), run("f", "committed", None)]
    );
}

#[test]
fn a_store_that_cannot_be_written_is_reported_once_per_run() {
    let repo = project();
    let dir = repo.path();
    std::fs::create_dir_all(dir.join(".kin/lineage.db")).expect("mkdir");
    let events = Recording::default();
    let report = repro(dir, &keep_going(), &events);
    assert!(report.failed());
    let failed: Vec<Event> = events
        .take()
        .into_iter()
        .filter(|e| matches!(e, Event::NotRecorded(_)))
        .collect();
    let stages = ["a", "b", "d", "f"];
    assert_eq!(
        failed,
        stages.map(|s| Event::NotRecorded(s.to_owned())).to_vec()
    );
}
