//! `GET /api/v1/runs` (filtered as `kin runs`, a page at a time), `/runs/{id}` (as
//! `kin run show --json`) and `/runs/{id}/log`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kin::lineage::json::{run_detail_json, run_json};
use kin_store::{LineageStore, RunCursor, RunFilter, RunStatus};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

/// Runs per page unless `limit` says otherwise, and the most one page holds.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

/// The runs newest first: `stage`, `status`, `since`, `tag` (repeatable), `project`, `limit`
/// and `after` (the cursor a previous page's `Link: <…>; rel="next"` header carries).
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let status = query.parsed::<RunStatus>(
        "status",
        "succeeded, failed, restored, committed or imported",
    )?;
    let since = query.since()?;
    let tags = query
        .all("tag")
        .map(|text| {
            kin::lineage::tags::parse_tag(text, kin::lineage::tags::TagOrigin::Cli)
                .map_err(|e| ApiError::bad_request(format!("`tag` {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let limit = query
        .parsed::<usize>("limit", "a number of runs")?
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let after = query.parsed::<RunCursor>("after", "the cursor of a previous page")?;
    let filter = RunFilter {
        stage: query.get("stage").map(str::to_owned),
        status,
        since,
        tags,
        project: query.get("project").map(str::to_owned),
        after,
        limit: Some(limit),
    };
    let runs = state
        .with_store(move |_, store| Ok(store.runs(&filter)?))
        .await?;
    let next = (runs.len() == limit)
        .then(|| runs.last().map(RunCursor::after))
        .flatten();
    let body = Json(Value::Array(runs.iter().map(run_json).collect()));
    let Some(next) = next else {
        return Ok(body.into_response());
    };
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if key != "after" {
            pairs.append_pair(&key, &value);
        }
    }
    pairs.append_pair("after", &next.to_string());
    let link = format!("</api/v1/runs?{}>; rel=\"next\"", pairs.finish());
    Ok(([(header::LINK, link)], body).into_response())
}

/// One run with its inputs, outputs and environment; `id` is a run id, a unique prefix of
/// one, or `run:ID`.
pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .with_store(move |_, store| {
            let run = store.run_by_prefix(id.strip_prefix("run:").unwrap_or(&id))?;
            let detail = kin::lineage::RunDetail::read(store, &run)?;
            Ok(Json(run_detail_json(&run, &detail)))
        })
        .await
}

/// The run's captured output, as it was written (`text/plain`).
pub(crate) async fn log(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = state
        .with_store(move |state, store| {
            let run = store.run_by_prefix(id.strip_prefix("run:").unwrap_or(&id))?;
            let not_found = |what: String| ApiError::NotFound { what };
            let object = run
                .log_object
                .ok_or_else(|| not_found(format!("run {} has no captured output", run.id)))?;
            let repo = state.repo.as_ref().ok_or_else(|| {
                not_found("logs are kept in the repository, and this server serves none".to_owned())
            })?;
            // The store may hold anything: only a hex object name is a path under objects/.
            let (fan_out, rest) = object
                .split_at_checked(2)
                .filter(|_| object.len() > 2 && object.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "run {} names a malformed log object `{object}`",
                        run.id
                    ))
                })?;
            let path = kin::lineage::objects_dir(repo.root())
                .join(fan_out)
                .join(rest);
            std::fs::read(&path)
                .map_err(|e| not_found(format!("the log of run {} cannot be read: {e}", run.id)))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response())
}
