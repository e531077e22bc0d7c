//! Synthetic lineage for the benchmark harness (`bench/lineage.py`): many pipelines of chained
//! stages re-run over time, then single-run recording timed on the grown store.
//!
//!     synth_lineage STORE RUNS [PIPELINES] [STAGES] [SINGLE_RUNS]
//!
//! STORE is a SQLite path or a `postgres://` URL.
//!
//! Each pipeline iteration adds a raw data version, then runs every stage: stage 0 uses the
//! raw data, stage i the model of stage i-1, each with its own code file (a new version every
//! fourth iteration) and params; each generates a model, a metrics file and a plot. Prints one
//! JSON object: counts, sizes, timings and sample targets for the queries.

use std::time::Instant;

use kin_store::{
    ArtifactHash, LineageStore, NewRun, NewVersion, RunId, RunStatus, Store, StoreLocation,
    Timestamp,
};
use serde_json::json;

/// A deterministic, distinct md5-shaped hash for a (kind, numbers) tuple.
fn hash(parts: [u64; 4]) -> ArtifactHash {
    let mut x = parts[0].wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ parts[1].rotate_left(17)
        ^ parts[2].rotate_left(34)
        ^ parts[3].rotate_left(51);
    let mut mix = || {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    };
    let text = format!("{:016x}{:016x}", mix(), mix());
    text.parse()
        .unwrap_or_else(|e| panic!("32 hex digits are a hash: {e}"))
}

fn version(path: String, h: ArtifactHash, size: u64) -> NewVersion {
    NewVersion {
        path,
        hash: h,
        size: Some(size),
        nfiles: None,
    }
}

struct Shape {
    pipelines: u64,
    stages: u64,
}

/// The run of stage `s` in iteration `i` of pipeline `p`.
fn stage_run(shape: &Shape, p: u64, i: u64, s: u64, at: i64) -> NewRun {
    let base = format!("p{p}");
    let input = if s == 0 {
        version(format!("{base}/data/raw.csv"), hash([1, p, i, 0]), 1 << 20)
    } else {
        version(
            format!("{base}/s{}/model.pkl", s - 1),
            hash([2, p, i, s - 1]),
            4096,
        )
    };
    let code = version(
        format!("{base}/src/stage{s}.py"),
        hash([3, p, i / 4, s]),
        2048,
    );
    let started = Timestamp::from_millis(at);
    NewRun {
        id: RunId::new_v7(started),
        stage: format!("{base}/dvc.yaml:s{s}"),
        cmd: format!("python src/stage{s}.py --seed {i}"),
        status: RunStatus::Succeeded,
        exit_code: Some(0),
        started,
        ended: Some(Timestamp::from_millis(at + 1500)),
        user: Some("bench".to_owned()),
        host: Some("synthetic".to_owned()),
        git_commit: Some(format!("{:040x}", p * 1_000_003 + i)),
        git_dirty: Some(false),
        params: json!({"params.yaml": {"lr": 0.01 * (i % 7) as f64, "epochs": 10 + s}}),
        metrics: json!({format!("{base}/s{s}/metrics.json"): {"auc": 0.5 + (i % 50) as f64 / 100.0}}),
        environment: Some(kin_store::Environment {
            hash: format!("{:064x}", i % 3),
            body: json!({"os": "Debian", "python": {"version": "3.11", "packages": ["numpy==1.26.0"]}}),
        }),
        log_object: None,
        fingerprint: Some(format!("{p}-{i}-{s}-{}", shape.stages)),
        tags: Default::default(),
        project: None,
        used: vec![input, code],
        generated: vec![
            version(format!("{base}/s{s}/model.pkl"), hash([2, p, i, s]), 4096),
            version(format!("{base}/s{s}/metrics.json"), hash([4, p, i, s]), 64),
            version(format!("{base}/s{s}/plot.png"), hash([5, p, i, s]), 30_000),
        ],
    }
}

fn percentile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[index.min(samples.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: synth_lineage STORE RUNS [PIPELINES] [STAGES] [SINGLE_RUNS]";
    let db = args.get(1).unwrap_or_else(|| panic!("{usage}"));
    let number = |i: usize, default: u64| -> u64 {
        args.get(i)
            .map(|a| a.parse().unwrap_or_else(|_| panic!("{usage}")))
            .unwrap_or(default)
    };
    let runs = number(2, 300_000);
    let shape = Shape {
        pipelines: number(3, 1000),
        stages: number(4, 10),
    };
    let singles = number(5, 500);
    let iterations = runs.div_ceil(shape.pipelines * shape.stages);
    let location =
        StoreLocation::parse(db, std::path::Path::new(".")).unwrap_or_else(|e| panic!("{e}"));
    let mut store = Store::open(&location).unwrap_or_else(|e| panic!("cannot open {db}: {e}"));
    let start = Instant::now();
    let mut at: i64 = 1_700_000_000_000;
    let mut batch = Vec::new();
    let mut recorded = 0u64;
    'outer: for i in 0..iterations {
        for p in 0..shape.pipelines {
            for s in 0..shape.stages {
                if recorded == runs {
                    break 'outer;
                }
                at += 7;
                batch.push(stage_run(&shape, p, i, s, at));
                recorded += 1;
            }
            if batch.len() >= 5000 {
                store
                    .record_runs(&batch)
                    .unwrap_or_else(|e| panic!("record: {e}"));
                batch.clear();
            }
        }
    }
    store
        .record_runs(&batch)
        .unwrap_or_else(|e| panic!("record: {e}"));
    let generate_seconds = start.elapsed().as_secs_f64();

    // One run per transaction, as `kin repro` records them, on the grown store.
    let mut record_ms = Vec::new();
    for k in 0..singles {
        at += 7;
        let run = stage_run(
            &shape,
            k % shape.pipelines,
            iterations + k,
            k % shape.stages,
            at,
        );
        let t = Instant::now();
        store
            .record_run(&run)
            .unwrap_or_else(|e| panic!("record: {e}"));
        record_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let size = match &store {
        Store::Sqlite(sqlite) => sqlite.size_bytes().unwrap_or(0),
        Store::Postgres(_) => 0,
    };
    // Query targets: final models (up) and raw data (down) of mid-history iterations.
    let last = shape.stages - 1;
    let mid = iterations / 2;
    let up: Vec<String> = (0..50)
        .map(|k| {
            let p = (k * 37) % shape.pipelines;
            format!("p{p}/s{last}/model.pkl@{}", hash([2, p, mid, last]))
        })
        .collect();
    let down: Vec<String> = (0..50)
        .map(|k| {
            let p = (k * 53) % shape.pipelines;
            format!("p{p}/data/raw.csv@{}", hash([1, p, mid, 0]))
        })
        .collect();
    println!(
        "{}",
        json!({
            "runs": recorded + singles,
            "generate_seconds": generate_seconds,
            "db_bytes": size,
            "record_ms_p50": percentile(&mut record_ms, 0.5),
            "record_ms_p95": percentile(&mut record_ms, 0.95),
            "up_targets": up,
            "down_targets": down,
        })
    );
}
