//! A kin run as OpenLineage RunEvents (spec 2-0-2): its START and its COMPLETE or FAIL,
//! each with the run's id, its stage as the job, the repro as the parent run, and its
//! inputs and outputs as datasets whose version is their content hash.

use kin_store::{NewRun, NewVersion, RunId, RunStatus};
use serde_json::{Map, Value, json};

/// What every event of one `kin repro` shares.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The namespace of kin's jobs and datasets (`[openlineage] namespace`).
    pub namespace: String,
    /// The repro itself: the parent run of every stage run.
    pub parent: RunId,
    /// Where the code lives (the `origin` remote), for the source code location facet.
    pub source_url: Option<String>,
}

/// The producer every event and facet names: kin, at this version.
fn producer() -> String {
    format!(
        "{}/tree/v{}",
        env!("CARGO_PKG_REPOSITORY"),
        env!("CARGO_PKG_VERSION")
    )
}

const SPEC: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const PARENT: &str =
    "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
const ERROR: &str = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";
const JOB_TYPE: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
const SOURCE: &str = "https://openlineage.io/spec/facets/1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet";
const VERSION: &str = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet";

/// The name of the parent job every stage run belongs to.
pub const REPRO_JOB: &str = "repro";

fn facet(schema: &str, fields: Value) -> Value {
    let mut facet = Map::new();
    facet.insert("_producer".to_owned(), Value::from(producer()));
    facet.insert("_schemaURL".to_owned(), Value::from(schema));
    if let Value::Object(fields) = fields {
        facet.extend(fields);
    }
    Value::Object(facet)
}

/// A recorded path as an OpenLineage dataset, as the naming spec names it: a URI
/// (`s3://bucket/key`) splits into its scheme and authority (the namespace) and the rest;
/// any other path is one of kin's, in kin's namespace `ours`.
pub fn dataset_name<'a>(ours: &'a str, path: &'a str) -> (&'a str, &'a str) {
    if let Some(scheme_end) = path.find("://") {
        let after = scheme_end + 3;
        if let Some(slash) = path[after..].find('/') {
            return (&path[..after + slash], &path[after + slash + 1..]);
        }
    }
    (ours, path)
}

fn dataset(ours: &str, version: &NewVersion) -> Value {
    let (namespace, name) = dataset_name(ours, &version.path);
    json!({
        "namespace": namespace,
        "name": name,
        "facets": {"version": facet(VERSION, json!({"datasetVersion": version.hash.as_str()}))},
    })
}

/// The START event of `run` (sent when its commands start, or with its end).
pub fn start_event(run: &NewRun, context: &RunContext) -> Value {
    let [start, _] = run_events(run, context);
    start
}

/// The COMPLETE or FAIL event of `run`.
pub fn end_event(run: &NewRun, context: &RunContext) -> Value {
    let [_, end] = run_events(run, context);
    end
}

/// `[START, COMPLETE|FAIL]` for `run` (inputs on both, outputs on the end).
pub fn run_events(run: &NewRun, context: &RunContext) -> [Value; 2] {
    let mut job_facets = Map::new();
    job_facets.insert(
        "jobType".to_owned(),
        facet(
            JOB_TYPE,
            json!({"processingType": "BATCH", "integration": "KIN", "jobType": "STAGE"}),
        ),
    );
    if let (Some(url), Some(commit)) = (&context.source_url, &run.git_commit) {
        job_facets.insert(
            "sourceCodeLocation".to_owned(),
            facet(
                SOURCE,
                json!({"type": "git", "url": url, "version": commit}),
            ),
        );
    }
    let job = json!({"namespace": context.namespace, "name": run.stage, "facets": job_facets});
    let parent = facet(
        PARENT,
        json!({
            "run": {"runId": context.parent.to_string()},
            "job": {"namespace": context.namespace, "name": REPRO_JOB},
        }),
    );
    let inputs: Vec<Value> = run
        .used
        .iter()
        .map(|v| dataset(&context.namespace, v))
        .collect();
    let outputs: Vec<Value> = run
        .generated
        .iter()
        .map(|v| dataset(&context.namespace, v))
        .collect();
    let event = |kind: &str, time: String, run_facets: Map<String, Value>, outputs: &[Value]| {
        json!({
            "eventType": kind,
            "eventTime": time,
            "producer": producer(),
            "schemaURL": SPEC,
            "run": {"runId": run.id.to_string(), "facets": run_facets},
            "job": job,
            "inputs": inputs,
            "outputs": outputs,
        })
    };
    let mut start_facets = Map::new();
    start_facets.insert("parent".to_owned(), parent.clone());
    let start = event("START", run.started.to_string(), start_facets, &[]);
    let mut end_facets = Map::new();
    end_facets.insert("parent".to_owned(), parent);
    let failed = run.status == RunStatus::Failed;
    if failed {
        let message = match run.exit_code {
            Some(code) => format!("stage `{}` failed: exit code {code}", run.stage),
            None => format!("stage `{}` failed", run.stage),
        };
        end_facets.insert(
            "errorMessage".to_owned(),
            facet(
                ERROR,
                json!({"message": message, "programmingLanguage": "shell"}),
            ),
        );
    }
    let ended = run.ended.unwrap_or(run.started).to_string();
    let end = event(
        if failed { "FAIL" } else { "COMPLETE" },
        ended,
        end_facets,
        &outputs,
    );
    [start, end]
}

/// An event of the repro itself (`START` when its first stage run is sent, `COMPLETE` or
/// `FAIL` at its end): the parent job every stage run names.
pub fn repro_event(context: &RunContext, kind: &str, time: kin_store::Timestamp) -> Value {
    json!({
        "eventType": kind,
        "eventTime": time.to_string(),
        "producer": producer(),
        "schemaURL": SPEC,
        "run": {"runId": context.parent.to_string()},
        "job": {
            "namespace": context.namespace,
            "name": REPRO_JOB,
            "facets": {"jobType": facet(JOB_TYPE, json!({"processingType": "BATCH", "integration": "KIN", "jobType": "PIPELINE"}))},
        },
        "inputs": [],
        "outputs": [],
    })
}

#[cfg(test)]
mod tests {
    use super::dataset_name;

    #[test]
    fn urls_keep_their_own_namespace_and_paths_are_kins() {
        assert_eq!(
            dataset_name("retail", "s3://raw/orders/2026.csv"),
            ("s3://raw", "orders/2026.csv")
        );
        assert_eq!(
            dataset_name("retail", "https://example.com:8443/x/prices.csv"),
            ("https://example.com:8443", "x/prices.csv")
        );
        assert_eq!(
            dataset_name("retail", "data/raw.csv"),
            ("retail", "data/raw.csv")
        );
    }
}
