//! `GET /api/v1/why?target=T[&from=REV|run:ID][&to=REV|run:ID]`: what changed upstream
//! between two versions of an artifact, nearest cause first (`kin why --json`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn why(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let target = query.required("target")?.to_owned();
    let from = query.get("from").map(str::to_owned);
    let to = query.get("to").map(str::to_owned);
    state
        .with_store(move |state, store| {
            // Versions are compared through git history: only a served repository has it.
            let repo = state.repo.as_ref().ok_or_else(|| ApiError::NotFound {
                what: "why compares versions through the repository's git history, and this server serves none".to_owned(),
            })?;
            let report = kin::lineage::why::why(
                repo,
                store,
                repo.root(),
                &target,
                from.as_deref(),
                to.as_deref(),
            )?;
            Ok(Json(kin::lineage::why::json::report_json(&report)))
        })
        .await
}
