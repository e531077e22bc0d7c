//! `GET /api/v1/audit?action=A&since=DATE`: the audit log's entries, oldest first
//! (`kin audit log --json`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn entries(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let action = query.get("action").map(str::to_owned);
    let since = query.since()?;
    state
        .with_store(move |_, store| {
            let entries = store.audit_entries(action.as_deref(), since)?;
            Ok(Json(Value::Array(
                entries.iter().map(kin::audit::json::entry_json).collect(),
            )))
        })
        .await
}
