//! OpenLineage events (spec 2-0-2) as kin reads them: a RunEvent, DatasetEvent or JobEvent
//! checked field by field, so a malformed one is refused with its reason before anything is
//! stored. Facets kin has no use for are accepted and left alone, as the spec asks.

use kin_store::{RunId, Timestamp};
use serde_json::{Map, Value};

/// One event, by the kind the spec's `oneOf` picks: `run` makes a RunEvent, `dataset` a
/// DatasetEvent, `job` without `run` a JobEvent.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Run(RunEvent),
    Dataset(DatasetEvent),
    Job(JobEvent),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunEvent {
    /// Absent: the spec allows a RunEvent without one (a metadata update).
    pub event_type: Option<EventType>,
    pub event_time: Timestamp,
    pub producer: String,
    pub run_id: RunId,
    pub job: Name,
    pub inputs: Vec<Dataset>,
    pub outputs: Vec<Dataset>,
    /// `run.facets.parent.run.runId`: the run this one ran inside of.
    pub parent: Option<RunId>,
    /// `run.facets.errorMessage.message` of a failed run.
    pub error: Option<String>,
    /// `job.facets.sourceCodeLocation.version`: the commit of the job's code.
    pub source_version: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatasetEvent {
    pub event_time: Timestamp,
    pub producer: String,
    pub dataset: Dataset,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobEvent {
    pub event_time: Timestamp,
    pub producer: String,
    pub job: Name,
    pub inputs: Vec<Dataset>,
    pub outputs: Vec<Dataset>,
}

/// A job's or dataset's `(namespace, name)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pub name: Name,
    /// `facets.version.datasetVersion`, when the producer knows it.
    pub version: Option<String>,
}

/// A RunEvent's `eventType`: where in its run's life it was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Start,
    Running,
    Complete,
    Abort,
    Fail,
    Other,
}

impl EventType {
    /// Whether the run is over.
    pub fn is_terminal(self) -> bool {
        match self {
            EventType::Complete | EventType::Abort | EventType::Fail => true,
            EventType::Start | EventType::Running | EventType::Other => false,
        }
    }
}

/// Why an event was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    #[error("the body is not JSON: {reason}")]
    NotJson { reason: String },
    #[error("an OpenLineage event is a JSON object")]
    NotAnObject,
    #[error(
        "the event is neither a RunEvent (`run` and `job`), a DatasetEvent (`dataset`) nor a JobEvent (`job`)"
    )]
    UnknownKind,
    #[error("`{field}` is missing")]
    Missing { field: String },
    #[error("`{field}` must be {expected}")]
    Wrong {
        field: String,
        expected: &'static str,
    },
    #[error("`{field}` is `{text}`, which is not a date-time with a time zone (RFC 3339)")]
    BadTime { field: &'static str, text: String },
    #[error("`run.runId` is `{text}`, which is not a UUID")]
    BadRunId { text: String },
    #[error(
        "`eventType` is `{text}`; it is one of START, RUNNING, COMPLETE, ABORT, FAIL and OTHER"
    )]
    BadEventType { text: String },
}

/// Reads an event from a request body.
pub fn parse(body: &[u8]) -> Result<Event, EventError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| EventError::NotJson {
        reason: e.to_string(),
    })?;
    let event = value.as_object().ok_or(EventError::NotAnObject)?;
    let event_time = time(event, "eventTime")?;
    let producer = string(event, "producer", "producer")?.to_owned();
    // Required by the spec, checked as a URI-ish string; its version is not enforced so
    // that newer minor versions of the spec are read too.
    string(event, "schemaURL", "schemaURL")?;
    if event.contains_key("run") {
        let run = object(event, "run", "run")?;
        let run_id = string(run, "runId", "run.runId")?;
        let run_id = parse_uuid(run_id).ok_or_else(|| EventError::BadRunId {
            text: run_id.to_owned(),
        })?;
        let job_value = object(event, "job", "job")?;
        let event_type = match event.get("eventType") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(event_type(text)?),
            Some(_) => {
                return Err(EventError::Wrong {
                    field: "eventType".to_owned(),
                    expected: "a string",
                });
            }
        };
        let run_facets = optional_object(run, "facets", "run.facets")?;
        let parent = run_facets
            .and_then(|facets| facets.get("parent"))
            .and_then(|parent| parent.pointer("/run/runId"))
            .and_then(Value::as_str)
            .and_then(parse_uuid);
        let error = run_facets
            .and_then(|facets| facets.get("errorMessage"))
            .and_then(|facet| facet.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let source_version = optional_object(job_value, "facets", "job.facets")?
            .and_then(|facets| facets.get("sourceCodeLocation"))
            .and_then(|facet| facet.get("version"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Ok(Event::Run(RunEvent {
            event_type,
            event_time,
            producer,
            run_id,
            job: name(job_value, "job")?,
            inputs: datasets(event, "inputs")?,
            outputs: datasets(event, "outputs")?,
            parent,
            error,
            source_version,
        }));
    }
    if event.contains_key("dataset") {
        let dataset = object(event, "dataset", "dataset")?;
        return Ok(Event::Dataset(DatasetEvent {
            event_time,
            producer,
            dataset: self::dataset(dataset, "dataset")?,
        }));
    }
    if event.contains_key("job") {
        let job = object(event, "job", "job")?;
        return Ok(Event::Job(JobEvent {
            event_time,
            producer,
            job: name(job, "job")?,
            inputs: datasets(event, "inputs")?,
            outputs: datasets(event, "outputs")?,
        }));
    }
    Err(EventError::UnknownKind)
}

fn event_type(text: &str) -> Result<EventType, EventError> {
    Ok(match text {
        "START" => EventType::Start,
        "RUNNING" => EventType::Running,
        "COMPLETE" => EventType::Complete,
        "ABORT" => EventType::Abort,
        "FAIL" => EventType::Fail,
        "OTHER" => EventType::Other,
        _ => {
            return Err(EventError::BadEventType {
                text: text.to_owned(),
            });
        }
    })
}

fn missing(field: &str) -> EventError {
    EventError::Missing {
        field: field.to_owned(),
    }
}

fn wrong(field: &str, expected: &'static str) -> EventError {
    EventError::Wrong {
        field: field.to_owned(),
        expected,
    }
}

/// `map[key]` as a non-empty string; `field` names it in errors (`job.namespace`).
fn string<'a>(map: &'a Map<String, Value>, key: &str, field: &str) -> Result<&'a str, EventError> {
    match map.get(key) {
        None | Some(Value::Null) => Err(missing(field)),
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        Some(_) => Err(wrong(field, "a non-empty string")),
    }
}

fn object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<&'a Map<String, Value>, EventError> {
    optional_object(map, key, field)?.ok_or_else(|| missing(field))
}

fn optional_object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, EventError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => Err(wrong(field, "an object")),
    }
}

fn time(map: &Map<String, Value>, key: &'static str) -> Result<Timestamp, EventError> {
    let text = string(map, key, key)?;
    // A date-time, never one of the spans (`3d`) kin's own parser also reads.
    let looks_like_a_date = text.len() >= 10 && text.as_bytes().get(4) == Some(&b'-');
    looks_like_a_date
        .then(|| Timestamp::parse(text, Timestamp::from_millis(0)))
        .flatten()
        .ok_or_else(|| EventError::BadTime {
            field: key,
            text: text.to_owned(),
        })
}

fn name(map: &Map<String, Value>, prefix: &str) -> Result<Name, EventError> {
    Ok(Name {
        namespace: string(map, "namespace", &format!("{prefix}.namespace"))?.to_owned(),
        name: string(map, "name", &format!("{prefix}.name"))?.to_owned(),
    })
}

fn dataset(map: &Map<String, Value>, field: &str) -> Result<Dataset, EventError> {
    let facets = optional_object(map, "facets", &format!("{field}.facets"))?;
    let version = facets
        .and_then(|facets| facets.get("version"))
        .and_then(|facet| facet.get("datasetVersion"))
        .and_then(Value::as_str)
        .filter(|version| !version.is_empty())
        .map(str::to_owned);
    Ok(Dataset {
        name: name(map, field)?,
        version,
    })
}

fn datasets(event: &Map<String, Value>, key: &str) -> Result<Vec<Dataset>, EventError> {
    match event.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let field = format!("{key}[{i}]");
                let map = item.as_object().ok_or_else(|| wrong(&field, "an object"))?;
                dataset(map, &field)
            })
            .collect(),
        Some(_) => Err(wrong(key, "an array")),
    }
}

/// A UUID in its text form (any version; OpenLineage producers use v4 and v7).
pub fn parse_uuid(text: &str) -> Option<RunId> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let dashes_in_place = text.len() == 36
        && text
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    if !dashes_in_place || hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(RunId(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_event(extra: &str) -> String {
        format!(
            r#"{{"eventTime": "2026-12-01T10:00:00.123+01:00", "producer": "https://example.invalid/airflow",
                "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
                "run": {{"runId": "0190f1d2-3c4b-7a5e-9f00-112233445566"}},
                "job": {{"namespace": "airflow", "name": "extract_orders"}}{extra}}}"#
        )
    }

    #[test]
    fn a_run_event_reads_with_its_datasets_and_facets() {
        let body = run_event(
            r#", "eventType": "COMPLETE",
               "inputs": [{"namespace": "s3://raw", "name": "orders.json"}],
               "outputs": [{"namespace": "shop", "name": "data/orders.csv",
                            "facets": {"version": {"datasetVersion": "abc"}}}]"#,
        );
        let Event::Run(event) = parse(body.as_bytes()).expect("parses") else {
            panic!("a run event");
        };
        assert_eq!(event.event_type, Some(EventType::Complete));
        assert_eq!(event.event_time, Timestamp::from_millis(1_796_115_600_123));
        assert_eq!(event.job.name, "extract_orders");
        assert_eq!(
            event.run_id.to_string(),
            "0190f1d2-3c4b-7a5e-9f00-112233445566"
        );
        assert_eq!(event.inputs[0].name.namespace, "s3://raw");
        assert_eq!(event.outputs[0].version.as_deref(), Some("abc"));
    }

    #[test]
    fn dataset_and_job_events_are_told_apart() {
        let dataset = r#"{"eventTime": "2026-12-01T10:00:00Z", "producer": "p", "schemaURL": "s",
                          "dataset": {"namespace": "shop", "name": "data/orders.csv"}}"#;
        assert!(matches!(parse(dataset.as_bytes()), Ok(Event::Dataset(_))));
        let job = r#"{"eventTime": "2026-12-01T10:00:00Z", "producer": "p", "schemaURL": "s",
                      "job": {"namespace": "airflow", "name": "extract"}, "inputs": []}"#;
        assert!(matches!(parse(job.as_bytes()), Ok(Event::Job(_))));
    }

    #[test]
    fn malformed_events_are_refused_with_the_reason() {
        let refused = |body: &str| parse(body.as_bytes()).expect_err("refused").to_string();
        assert!(refused("{").starts_with("the body is not JSON"));
        assert_eq!(refused("[]"), "an OpenLineage event is a JSON object");
        assert_eq!(
            refused(
                &run_event("").replace("\"producer\": \"https://example.invalid/airflow\",", "")
            ),
            "`producer` is missing"
        );
        assert_eq!(
            refused(&run_event("").replace("0190f1d2-3c4b", "not-a-uuid")),
            "`run.runId` is `not-a-uuid-7a5e-9f00-112233445566`, which is not a UUID"
        );
        assert!(refused(&run_event(r#", "eventType": "DONE""#)).contains("`eventType` is `DONE`"));
        assert!(
            refused(&run_event("").replace("2026-12-01T10:00:00.123+01:00", "3d"))
                .contains("not a date-time")
        );
        assert_eq!(
            refused(&run_event(r#", "inputs": [{"namespace": "s3://raw"}]"#)),
            "`inputs[0].name` is missing"
        );
        assert_eq!(
            refused(&run_event("").replace(r#""name": "extract_orders""#, r#""name": 3"#)),
            "`job.name` must be a non-empty string"
        );
        assert_eq!(
            refused(r#"{"eventTime": "2026-12-01T10:00:00Z", "producer": "p", "schemaURL": "s"}"#),
            "the event is neither a RunEvent (`run` and `job`), a DatasetEvent (`dataset`) nor a JobEvent (`job`)"
        );
    }
}
