//! Schedules end to end: fire times against a brute-force reference over daylight-saving
//! changes and month ends, `schedule run` skipping an unchanged pipeline, retrying with its
//! delays, stopping at its timeout and telling a webhook, `scheduler --once --now` firing
//! once per instant even with two schedulers on one store, and bad config named by line.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{kin, pipeline_repo, run, run_ok, stderr_text};

fn add_config(dir: &Path, text: &str) {
    let path = dir.join(".kin/config.toml");
    let mut config = std::fs::read_to_string(&path).expect("read config");
    config.push_str(text);
    std::fs::write(path, config).expect("write config");
}

fn json(cmd: &mut Command) -> Value {
    let text = run_ok(cmd);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("no JSON ({e}):\n{text}"))
}

/// A repository holding `pipeline`, at `repo` inside a scratch directory whose other files
/// the stages write (`../stamps`): the scratch directory and the repository's path.
fn repo_beside_scratch(pipeline: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let repo = pipeline_repo(pipeline);
    let work = tempfile::tempdir().expect("tmp");
    let inner = work.path().join("repo");
    crate::common::copy_tree(repo.path(), &inner);
    (work, inner)
}

/// How many lines the stages under test appended to `stamps` in the scratch directory.
fn stamp_count(scratch: &Path) -> usize {
    std::fs::read_to_string(scratch.join("stamps"))
        .expect("stamps")
        .lines()
        .count()
}

fn history(dir: &Path, name: &str) -> Vec<Value> {
    match json(kin(dir).args(["schedule", "history", name, "--json"])) {
        Value::Array(attempts) => attempts,
        other => panic!("history printed {other}"),
    }
}

fn outcomes(attempts: &[Value]) -> Vec<String> {
    attempts
        .iter()
        .rev()
        .map(|a| a["outcome"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every minute of a range, converted to local time with Python's `zoneinfo` and matched
/// against the cron fields: the reference kin's fire times must equal.
const BRUTE_FORCE: &str = r#"
import json, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

def field(text, low, high):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step = part.split("/")
            step = int(step)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            start, end = map(int, part.split("-"))
        else:
            start = int(part)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values

def matcher(expr):
    minute, hour, dom, month, dow = expr.split()
    m, h, d, mo = field(minute, 0, 59), field(hour, 0, 23), field(dom, 1, 31), field(month, 1, 12)
    w = {x % 7 for x in field(dow, 0, 7)}
    def matches(t):
        if t.minute not in m or t.hour not in h or t.month not in mo:
            return False
        day_ok, weekday_ok = t.day in d, (t.isoweekday() % 7) in w
        if dom != "*" and dow != "*":
            return day_ok or weekday_ok
        return day_ok and weekday_ok
    return matches

cases = json.load(sys.stdin)
answers = []
for case in cases:
    zone = ZoneInfo(case["timezone"])
    matches = matcher(case["cron"])
    t = datetime.fromisoformat(case["from"].replace("Z", "+00:00")) + timedelta(minutes=1)
    t = t.replace(second=0)
    found = []
    limit = t + timedelta(days=800)
    while len(found) < case["count"] and t < limit:
        if matches(t.astimezone(zone)):
            found.append(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
        t += timedelta(minutes=1)
    answers.append(found)
json.dump(answers, sys.stdout)
"#;

#[test]
fn fire_times_equal_a_minute_by_minute_reference_over_dst_and_month_ends() {
    let Some(python) = python_with_zoneinfo() else {
        return;
    };
    // (name, cron, zone, from, count): DST changes in the US (Mar 8, Nov 1 2026), Europe
    // (Mar 29, Oct 25), Lord Howe's half-hour change (Apr 5, Oct 4); month and year ends.
    let cases = [
        (
            "ny-0230",
            "30 2 * * *",
            "America/New_York",
            "2026-03-06T00:00:00Z",
            5,
        ),
        (
            "ny-0130",
            "30 1 * * *",
            "America/New_York",
            "2026-10-30T00:00:00Z",
            5,
        ),
        (
            "ny-every-20",
            "*/20 1-3 * * *",
            "America/New_York",
            "2026-10-31T12:00:00Z",
            20,
        ),
        (
            "ny-spring-20",
            "*/20 1-3 * * *",
            "America/New_York",
            "2026-03-07T12:00:00Z",
            20,
        ),
        (
            "berlin-sun",
            "0 2 * * 0",
            "Europe/Berlin",
            "2026-03-20T00:00:00Z",
            4,
        ),
        (
            "berlin-oct",
            "15,45 2 24-26 10 *",
            "Europe/Berlin",
            "2026-10-01T00:00:00Z",
            8,
        ),
        (
            "lord-howe",
            "0,15,30,45 1-2 * * *",
            "Australia/Lord_Howe",
            "2026-04-04T00:00:00Z",
            16,
        ),
        (
            "lord-howe-oct",
            "0,15,30,45 1-2 * * *",
            "Australia/Lord_Howe",
            "2026-10-03T00:00:00Z",
            16,
        ),
        (
            "month-end",
            "0 12 31 * *",
            "Europe/London",
            "2026-01-15T00:00:00Z",
            6,
        ),
        ("leap-day", "0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z", 1),
        (
            "dom-or-dow",
            "0 9 1,15 * 1",
            "Asia/Tokyo",
            "2026-02-20T00:00:00Z",
            8,
        ),
        (
            "year-end",
            "59 23 31 12 *",
            "Pacific/Auckland",
            "2026-12-01T00:00:00Z",
            2,
        ),
    ];
    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo x > x.txt\n    outs: [x.txt]\n");
    let mut config = String::new();
    for (name, cron, zone, _, _) in &cases {
        config.push_str(&format!(
            "\n[[schedule]]\nname = \"{name}\"\ncron = \"{cron}\"\ntimezone = \"{zone}\"\n"
        ));
    }
    add_config(repo.path(), &config);

    let input: Vec<Value> = cases
        .iter()
        .map(|(_, cron, zone, from, count)| {
            serde_json::json!({"cron": cron, "timezone": zone, "from": from, "count": count})
        })
        .collect();
    let reference = python_json(&python, BRUTE_FORCE, &Value::Array(input));
    for (i, (name, _, _, from, count)) in cases.iter().enumerate() {
        let answer = json(kin(repo.path()).args([
            "schedule",
            "next",
            name,
            "-n",
            &count.to_string(),
            "--from",
            from,
            "--json",
        ]));
        let times: Vec<&str> = answer["times"]
            .as_array()
            .expect("times")
            .iter()
            .map(|t| t["at"].as_str().expect("at"))
            .collect();
        let expected: Vec<&str> = reference[i]
            .as_array()
            .expect("reference")
            .iter()
            .map(|t| t.as_str().expect("time"))
            .collect();
        assert_eq!(times, expected, "schedule {name} from {from}");
        assert_eq!(times.len(), *count, "schedule {name}");
    }
}

fn python_with_zoneinfo() -> Option<std::path::PathBuf> {
    let works = Command::new("python3")
        .args([
            "-c",
            "import zoneinfo; zoneinfo.ZoneInfo('America/New_York')",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some("python3".into());
    }
    assert!(
        std::env::var("CI").is_err(),
        "python3 with zoneinfo and the system time zones is required under CI"
    );
    eprintln!("skipping: no python3 with zoneinfo and time zone data here");
    None
}

fn python_json(python: &Path, script: &str, input: &Value) -> Vec<Value> {
    use std::io::Write;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("python3 ran");
    assert!(output.status.success(), "the reference script failed");
    serde_json::from_slice(&output.stdout).expect("reference JSON")
}

#[test]
fn an_unchanged_pipeline_is_skipped_and_a_changed_one_runs_tagged_with_the_schedule() {
    let repo = pipeline_repo(
        "stages:\n  copy:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n",
    );
    std::fs::write(repo.path().join("in.txt"), "one\n").expect("write");
    add_config(
        repo.path(),
        "\n[[schedule]]\nname = \"nightly\"\ntargets = \"copy\"\ncron = \"0 3 * * *\"\ntimezone = \"Europe/Paris\"\n",
    );
    // Never run: stale, so the first firing runs.
    run_ok(kin(repo.path()).args(["scheduler", "--once", "--now", "2026-06-01T01:00:00Z"]));
    // The next night nothing changed.
    run_ok(kin(repo.path()).args(["scheduler", "--once", "--now", "2026-06-02T01:00:30Z"]));
    std::fs::write(repo.path().join("in.txt"), "two\n").expect("write");
    run_ok(kin(repo.path()).args(["scheduler", "--once", "--now", "2026-06-03T01:00:00Z"]));
    // Between firings nothing is due.
    run_ok(kin(repo.path()).args(["scheduler", "--once", "--now", "2026-06-03T13:00:00Z"]));
    let attempts = history(repo.path(), "nightly");
    assert_eq!(
        outcomes(&attempts),
        ["succeeded", "skipped-unchanged", "succeeded"]
    );
    let fired: Vec<&str> = attempts
        .iter()
        .rev()
        .map(|a| a["fire_time"].as_str().expect("fire time"))
        .collect();
    assert_eq!(
        fired,
        [
            "2026-06-01T01:00:00Z",
            "2026-06-02T01:00:00Z",
            "2026-06-03T01:00:00Z"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("out.txt")).expect("out"),
        "two\n"
    );
    let runs = json(kin(repo.path()).args(["runs", "--schedule", "nightly", "--json"]));
    assert_eq!(runs.as_array().map(Vec::len), Some(2));
    assert_eq!(runs[0]["tags"]["schedule"], "nightly");
    let others = json(kin(repo.path()).args(["runs", "--schedule", "weekly", "--json"]));
    assert_eq!(others, Value::Array(Vec::new()));
}

#[test]
fn a_stage_failing_twice_is_retried_with_the_configured_delays() {
    let repo = pipeline_repo(
        "stages:\n  flaky:\n    cmd: sh flaky.sh\n    deps: [flaky.sh]\n    outs: [done.txt]\n",
    );
    // Fails on its first two runs, then succeeds; the count lives outside the outputs.
    std::fs::write(
        repo.path().join("flaky.sh"),
        "n=$(cat ../count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ../count\n\
         [ $n -ge 3 ] && echo ok > done.txt\n[ $n -ge 3 ]\n",
    )
    .expect("script");
    let work = tempfile::tempdir().expect("tmp");
    let inner = work.path().join("repo");
    crate::common::copy_tree(repo.path(), &inner);
    add_config(
        &inner,
        "\n[[schedule]]\nname = \"flaky\"\nevery = \"1d\"\nretries = 2\nretry_delay = [1, 2]\n",
    );
    let started = Instant::now();
    run_ok(kin(&inner).args(["schedule", "run", "flaky"]));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3),
        "waited {took:?}, less than the delays (1 s, then 2 s)"
    );
    assert_eq!(
        outcomes(&history(&inner, "flaky")),
        ["retried", "retried", "succeeded"]
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("count")).expect("count"),
        "3\n"
    );
}

#[test]
fn a_stage_past_the_timeout_is_stopped_and_the_webhook_hears_of_it() {
    let repo = pipeline_repo("stages:\n  slow:\n    cmd: sleep 60\n    outs: [never.txt]\n");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/kin-failed", listener.local_addr().expect("addr"));
    let received = std::thread::spawn(move || one_request_body(&listener));
    add_config(
        repo.path(),
        &format!(
            "\n[[schedule]]\nname = \"slow\"\nevery = \"1h\"\ntimeout = 1\non_failure = \"{url}\"\n"
        ),
    );
    let started = Instant::now();
    let output = run(kin(repo.path()).args(["schedule", "run", "slow"]));
    assert!(
        !output.status.success(),
        "a timed-out run fails the command"
    );
    assert!(
        stderr_text(&output).contains("timed out"),
        "{}",
        stderr_text(&output)
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the stage was not stopped: {:?}",
        started.elapsed()
    );
    assert_eq!(outcomes(&history(repo.path(), "slow")), ["timed-out"]);
    let body = received.join().expect("webhook thread");
    let payload: Value = serde_json::from_str(&body).expect("JSON payload");
    assert_eq!(payload["schedule"], "slow");
    assert_eq!(payload["outcome"], "timed-out");
    assert_eq!(payload["attempts"], 1);
}

/// The body of the first request `listener` receives (answered 204).
fn one_request_body(listener: &TcpListener) -> String {
    use std::io::Write;
    let (stream, _) = listener.accept().expect("accept");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut length = 0;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let mut stream = stream;
    stream
        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        .expect("answer");
    String::from_utf8(body).expect("utf-8")
}

#[test]
fn two_schedulers_on_one_store_run_each_firing_once() {
    let (work, inner) = repo_beside_scratch(
        "stages:\n  stamp:\n    cmd: sleep 1 && date +%s%N >> ../stamps\n    outs: []\n    always_changed: true\n",
    );
    add_config(
        &inner,
        "\n[[schedule]]\nname = \"often\"\nevery = \"15m\"\nonly_if_changed = false\n",
    );
    for now in ["2026-05-01T10:00:00Z", "2026-05-01T10:15:00Z"] {
        let mut first = kin(&inner);
        let mut second = kin(&inner);
        let a = first
            .args(["scheduler", "--once", "--now", now])
            .spawn()
            .expect("first scheduler");
        let b = second
            .args(["scheduler", "--once", "--now", now])
            .spawn()
            .expect("second scheduler");
        for mut child in [a, b] {
            assert!(child.wait().expect("scheduler").success());
        }
    }
    let attempts = history(&inner, "often");
    assert_eq!(outcomes(&attempts), ["succeeded", "succeeded"]);
    let stamps = std::fs::read_to_string(work.path().join("stamps")).expect("stamps");
    assert_eq!(stamps.lines().count(), 2, "each firing ran once:\n{stamps}");
}

#[test]
fn firings_missed_while_down_run_once_or_not_at_all() {
    let (work, inner) = repo_beside_scratch(
        "stages:\n  stamp:\n    cmd: echo x >> ../stamps\n    outs: []\n    always_changed: true\n",
    );
    add_config(
        &inner,
        "\n[[schedule]]\nname = \"caught\"\nevery = \"1h\"\nonly_if_changed = false\n\
         \n[[schedule]]\nname = \"dropped\"\nevery = \"1h\"\nonly_if_changed = false\ncatch_up = false\n",
    );
    run_ok(kin(&inner).args(["scheduler", "--once", "--now", "2026-05-01T10:00:00Z"]));
    // Down for five hours, back at 15:30.
    let output = run_ok(kin(&inner).args(["scheduler", "--once", "--now", "2026-05-01T15:30:00Z"]));
    let _ = output;
    let caught = history(&inner, "caught");
    assert_eq!(outcomes(&caught), ["succeeded", "succeeded"]);
    assert_eq!(caught[0]["fire_time"], "2026-05-01T15:00:00Z");
    // The missed firings are recorded as not run, under the latest of them.
    let dropped = history(&inner, "dropped");
    assert_eq!(outcomes(&dropped), ["succeeded", "cancelled"]);
    assert_eq!(dropped[0]["fire_time"], "2026-05-01T15:00:00Z");
    // The next on-time firing runs for both.
    run_ok(kin(&inner).args(["scheduler", "--once", "--now", "2026-05-01T16:00:00Z"]));
    assert_eq!(
        outcomes(&history(&inner, "dropped")),
        ["succeeded", "cancelled", "succeeded"]
    );
    assert_eq!(stamp_count(work.path()), 5);
}

#[test]
fn bad_schedules_are_named_with_their_file_and_line() {
    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo x > x.txt\n    outs: [x.txt]\n");
    let config = std::fs::read_to_string(repo.path().join(".kin/config.toml")).expect("config");
    let first_line = config.lines().count() + 2;
    add_config(
        repo.path(),
        "\n[[schedule]]\nname = \"bad\"\ncron = \"0 3 * * * *\"\ntimezone = \"UTC\"\n",
    );
    let output = run(kin(repo.path()).args(["schedule", "list"]));
    assert!(!output.status.success());
    let message = stderr_text(&output);
    assert!(
        message.contains(&format!(".kin/config.toml:{}:8:", first_line + 2))
            && message.contains("`0 3 * * * *` is not a cron expression"),
        "{message}"
    );

    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo x > x.txt\n    outs: [x.txt]\n");
    add_config(
        repo.path(),
        "\n[[schedule]]\nname = \"ok\"\nevery = \"1h\"\n",
    );
    let output = run(kin(repo.path()).args(["schedule", "next", "missing"]));
    assert!(!output.status.success());
    let message = stderr_text(&output);
    assert!(
        message.contains("there is no schedule `missing`") && message.contains("ok"),
        "{message}"
    );
    add_config(
        repo.path(),
        "\n[[schedule]]\nname = \"typo\"\nevery = \"1h\"\ntargets = [\"trian\"]\n",
    );
    let output = run(kin(repo.path()).args(["schedule", "run", "typo"]));
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        crate::common::stdout_text(&output),
        stderr_text(&output)
    );
    assert!(said.contains("`trian` is not a stage"), "{said}");
    // Recorded as a failed attempt, not left looking as if it still ran.
    assert_eq!(outcomes(&history(repo.path(), "typo")), ["failed"]);
    let output = run(kin(repo.path()).args(["schedule", "next", "ok", "--from", "yesterday"]));
    assert!(
        stderr_text(&output).contains("is not a time"),
        "{}",
        stderr_text(&output)
    );
}

/// An RFC 3339 instant a second ago: an `every` schedule anchored there is due at once.
fn a_second_ago() -> String {
    let now = jiff::Timestamp::now().as_second();
    jiff::Timestamp::from_second(now - 1)
        .expect("a time")
        .to_string()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_stops_the_daemons_running_firing_and_records_it_cancelled() {
    let (work, inner) = repo_beside_scratch(
        "stages:\n  slow:\n    cmd: touch ../started && sleep 60\n    outs: []\n    always_changed: true\n",
    );
    add_config(
        &inner,
        &format!(
            "\n[[schedule]]\nname = \"slow\"\nevery = \"1h\"\nanchor = \"{}\"\nonly_if_changed = false\n",
            a_second_ago()
        ),
    );
    let mut daemon = kin(&inner)
        .arg("scheduler")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kin scheduler");
    let started = work.path().join("started");
    wait_for("the firing to start", Duration::from_secs(30), || {
        started.exists()
    });
    let sent = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let stopping = Instant::now();
    let status = daemon.wait().expect("the daemon exits");
    assert!(status.success(), "{status}");
    assert!(
        stopping.elapsed() < Duration::from_secs(20),
        "took {:?} to stop",
        stopping.elapsed()
    );
    assert_eq!(outcomes(&history(&inner, "slow")), ["cancelled"]);
    // Nothing of the stage is left running in the repository.
    let ps = Command::new("pgrep")
        .args(["-f", "sleep 60"])
        .output()
        .expect("pgrep");
    let inner = inner.canonicalize().expect("repo path");
    for pid in String::from_utf8_lossy(&ps.stdout).split_whitespace() {
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"));
        assert!(
            cwd.map_or(true, |cwd| cwd != inner),
            "the stage command (pid {pid}) survived"
        );
    }
}

#[test]
fn kin_serve_runs_the_schedules_and_answers_for_them() {
    let (work, inner) = repo_beside_scratch(
        "stages:\n  stamp:\n    cmd: echo x >> ../stamps\n    outs: []\n    always_changed: true\n",
    );
    add_config(
        &inner,
        &format!(
            "\n[[schedule]]\nname = \"served\"\nevery = \"1h\"\nanchor = \"{}\"\nonly_if_changed = false\n",
            a_second_ago()
        ),
    );
    let server = crate::served::Server::start(&inner, &["--scheduler"], None);
    wait_for("the served firing", Duration::from_secs(30), || {
        server.get("/api/v1/schedules/served/attempts").json()[0]["outcome"] == "succeeded"
    });
    let schedules = server.get("/api/v1/schedules").json();
    assert_eq!(schedules[0]["name"], "served");
    assert_eq!(schedules[0]["timing"]["every"], "1h");
    assert!(schedules[0]["next"].is_string());
    // The same answers as the CLI's.
    assert_eq!(
        server.get("/api/v1/schedules/served/attempts").json(),
        json(kin(&inner).args(["schedule", "history", "served", "--json"]))
    );
    let missing = server.get("/api/v1/schedules/nope/attempts");
    assert_eq!(missing.status, 404);
    let (status, _) = server.stop();
    assert!(status.success());
    assert_eq!(stamp_count(work.path()), 1);
}

#[test]
fn a_schedule_pulls_its_branch_before_it_decides() {
    use crate::common::{commit_all, git};
    let place = tempfile::tempdir().expect("tmp");
    let origin = place.path().join("origin.git");
    let ours = place.path().join("ours");
    let theirs = place.path().join("theirs");
    std::fs::create_dir_all(&ours).expect("mkdir");
    git(
        place.path(),
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    git(&ours, &["init", "-q", "-b", "main"]);
    git(
        &ours,
        &["remote", "add", "origin", origin.to_str().expect("utf-8")],
    );
    run_ok(kin(&ours).args(["init", "-q"]));
    std::fs::write(
        ours.join("dvc.yaml"),
        "stages:\n  copy:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n",
    )
    .expect("dvc.yaml");
    std::fs::write(ours.join("in.txt"), "one\n").expect("in");
    add_config(
        &ours,
        "\n[[schedule]]\nname = \"daily\"\nevery = \"1d\"\ngit_pull = \"main\"\n",
    );
    commit_all(&ours, "pipeline");
    git(&ours, &["push", "-q", "origin", "main"]);

    run_ok(kin(&ours).args(["scheduler", "--once", "--now", "2026-06-01T00:00:00Z"]));
    // A colleague changes the input on the branch.
    git(place.path(), &["clone", "-q", "origin.git", "theirs"]);
    std::fs::write(theirs.join("in.txt"), "two\n").expect("in");
    commit_all(&theirs, "new input");
    git(&theirs, &["push", "-q", "origin", "main"]);
    run_ok(kin(&ours).args(["scheduler", "--once", "--now", "2026-06-02T00:00:00Z"]));
    run_ok(kin(&ours).args(["scheduler", "--once", "--now", "2026-06-03T00:00:00Z"]));
    assert_eq!(
        outcomes(&history(&ours, "daily")),
        ["succeeded", "succeeded", "skipped-unchanged"]
    );
    assert_eq!(
        std::fs::read_to_string(ours.join("out.txt")).expect("out"),
        "two\n"
    );
}

#[test]
fn a_firing_while_another_scheduler_still_runs_the_last_one_is_skipped_or_queued() {
    for policy in ["skip", "queue"] {
        let repo = pipeline_repo(
            "stages:\n  slow:\n    cmd: touch ../started && sleep 4\n    outs: []\n    always_changed: true\n",
        );
        let work = tempfile::tempdir().expect("tmp");
        let inner = work.path().join("repo");
        crate::common::copy_tree(repo.path(), &inner);
        add_config(
            &inner,
            &format!(
                "\n[[schedule]]\nname = \"often\"\nevery = \"1m\"\nonly_if_changed = false\nconcurrency = \"{policy}\"\n"
            ),
        );
        let mut first = kin(&inner)
            .args(["scheduler", "--once", "--now", "2026-05-01T10:00:00Z"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("first scheduler");
        wait_for("the first firing", Duration::from_secs(30), || {
            work.path().join("started").exists()
        });
        // A second scheduler, a minute later, while the first still runs its firing.
        run_ok(kin(&inner).args(["scheduler", "--once", "--now", "2026-05-01T10:01:00Z"]));
        assert!(first.wait().expect("first").success());
        let often = history(&inner, "often");
        if policy == "skip" {
            // Recorded while the first still ran, so before the first's own end.
            assert_eq!(outcomes(&often), ["skipped-busy", "succeeded"]);
            assert_eq!(often[1]["fire_time"], "2026-05-01T10:01:00Z");
        } else {
            // Left for later: it runs once the first is over.
            assert_eq!(outcomes(&often), ["succeeded"]);
            run_ok(kin(&inner).args(["scheduler", "--once", "--now", "2026-05-01T10:01:30Z"]));
            let often = history(&inner, "often");
            assert_eq!(outcomes(&often), ["succeeded", "succeeded"]);
            assert_eq!(often[0]["fire_time"], "2026-05-01T10:01:00Z");
        }
    }
}

#[test]
fn an_unreachable_webhook_is_a_warning_and_a_command_gets_the_payload() {
    let repo = pipeline_repo("stages:\n  broken:\n    cmd: exit 3\n    outs: [never.txt]\n");
    let closed = crate::remote::free_port();
    add_config(
        repo.path(),
        &format!(
            "\n[[schedule]]\nname = \"unheard\"\nevery = \"1h\"\non_failure = \"http://127.0.0.1:{closed}/hook\"\n\
             \n[[schedule]]\nname = \"told\"\nevery = \"1h\"\non_failure = \"cat > payload.json\"\n"
        ),
    );
    let output = run(kin(repo.path()).args(["schedule", "run", "unheard"]));
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        crate::common::stdout_text(&output),
        stderr_text(&output)
    );
    assert!(
        said.contains("warning: could not tell the failure webhook"),
        "{said}"
    );
    assert_eq!(outcomes(&history(repo.path(), "unheard")), ["failed"]);

    let output = run(kin(repo.path()).args(["schedule", "run", "told"]));
    assert!(!output.status.success());
    let payload: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("payload.json")).expect("payload"),
    )
    .expect("JSON on stdin");
    assert_eq!(payload["schedule"], "told");
    assert_eq!(payload["outcome"], "failed");
    assert!(
        payload["detail"]
            .as_str()
            .is_some_and(|d| d.contains("exited with 1")),
        "{payload}"
    );
}

/// `value` pretty-printed, with the fields that depend on the clock or the process replaced.
fn stable_json(mut value: Value, volatile: &[&str]) -> String {
    fn scrub(value: &mut Value, volatile: &[&str]) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields.iter_mut() {
                    if volatile.contains(&key.as_str()) {
                        *field = Value::String(format!("<{key}>"));
                    } else {
                        scrub(field, volatile);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| scrub(item, volatile)),
            _ => {}
        }
    }
    scrub(&mut value, volatile);
    serde_json::to_string_pretty(&value).expect("json")
}

#[test]
fn schedule_json_keeps_its_shape() {
    let repo = pipeline_repo("stages:\n  s:\n    cmd: echo x > x.txt\n    outs: [x.txt]\n");
    add_config(
        repo.path(),
        "\n[[schedule]]\nname = \"weekly\"\ntargets = \"s\"\ncron = \"0 6 * * MON\"\ntimezone = \"Europe/Berlin\"\n\
         push = \"storage\"\nretries = 2\nretry_delay = [60, 300]\nretry_backoff = 2\nretry_jitter = 0.1\n\
         timeout = \"2h\"\nconcurrency = \"queue\"\non_failure = \"https://hooks.example.invalid/ml\"\ngit_pull = \"main\"\n\
         \n[[schedule]]\nname = \"hourly\"\nevery = \"1h\"\nanchor = \"2026-01-01T00:30:00Z\"\n\
         only_if_changed = false\ncatch_up = false\non_failure = \"echo failed\"\n",
    );
    let list = json(kin(repo.path()).args(["schedule", "list", "--json"]));
    insta::assert_snapshot!("schedule-list-json", stable_json(list, &["next"]));
    let next = json(kin(repo.path()).args([
        "schedule",
        "next",
        "weekly",
        "-n",
        "2",
        "--from",
        "2026-03-28T00:00:00Z",
        "--json",
    ]));
    insta::assert_snapshot!("schedule-next-json", stable_json(next, &[]));
    run_ok(kin(repo.path()).args(["scheduler", "--once", "--now", "2026-01-01T10:30:00Z"]));
    let history = json(kin(repo.path()).args(["schedule", "history", "hourly", "--json"]));
    insta::assert_snapshot!(
        "schedule-history-json",
        stable_json(history, &["started", "ended", "runner"])
    );
}
