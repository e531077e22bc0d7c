//! `GET /api/v1/schedules`: the served repository's schedules with their next fire time
//! (`kin schedule list --json`); `GET /api/v1/schedules/{name}/attempts?limit=N`: a
//! schedule's recorded attempts, newest first (`kin schedule history --json`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use kin::schedule::Schedule;
use kin::schedule::json::{attempt_json, schedule_json};
use kin_store::LineageStore;
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

/// The served repository's schedules.
fn schedules(state: &AppState) -> Result<Vec<Schedule>, ApiError> {
    let repo = state.repo.as_ref().ok_or_else(|| ApiError::NotFound {
        what: "schedules live in a repository's .kin/config.toml, and this server serves none"
            .to_owned(),
    })?;
    kin::schedule::config::load(repo.root()).map_err(|e| ApiError::Internal {
        reason: e.to_string(),
    })
}

pub(crate) async fn list(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let schedules = schedules(&state)?;
    let now = jiff::Timestamp::now();
    Ok(Json(Value::Array(
        schedules
            .iter()
            .map(|s| schedule_json(s, s.timing.next_after(now, 1).into_iter().next()))
            .collect(),
    )))
}

pub(crate) async fn attempts(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let limit = query
        .parsed::<usize>("limit", "a number of attempts")?
        .unwrap_or(50);
    if !schedules(&state)?.iter().any(|s| s.name == name) {
        return Err(ApiError::NotFound {
            what: format!("there is no schedule `{name}`"),
        });
    }
    state
        .with_store(move |_, store| {
            let attempts = store.attempts(&name, limit)?;
            Ok(Json(Value::Array(
                attempts.iter().map(attempt_json).collect(),
            )))
        })
        .await
}
