//! `GET /api/v1/gates?stage=S&limit=N`: the newest drift and fairness gate runs with their
//! reports and verdicts, as model cards show them (`gates`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use kin_store::{LineageStore, RunCursor, RunFilter};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

/// Gate runs answered unless `limit` says otherwise, and the most.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;
/// Runs read per step, and the most read for one answer: gates are found among all runs.
const SCAN_PAGE: usize = 500;
const SCAN_MAX: usize = 20_000;

pub(crate) async fn reports(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let limit = query
        .parsed::<usize>("limit", "a number of gate runs")?
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let stage = query.get("stage").map(str::to_owned);
    state
        .with_store(move |_, store| {
            let mut found = Vec::new();
            let mut after = None;
            let mut scanned = 0;
            while found.len() < limit && scanned < SCAN_MAX {
                let page = store.runs(&RunFilter {
                    stage: stage.clone(),
                    after,
                    limit: Some(SCAN_PAGE),
                    ..RunFilter::default()
                })?;
                scanned += page.len();
                after = page.last().map(RunCursor::after);
                found.extend(page.iter().filter_map(kin::registry::card::gate_json));
                if page.len() < SCAN_PAGE {
                    break;
                }
            }
            found.truncate(limit);
            Ok(Json(Value::Array(found)))
        })
        .await
}
