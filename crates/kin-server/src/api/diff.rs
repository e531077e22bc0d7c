//! `GET /api/v1/metrics/diff` and `/api/v1/params/diff?a=REV&b=REV[&all=true]`: two git
//! revisions, the workspace or recorded runs (`run:ID`) compared, in DVC's JSON (as
//! `kin metrics diff --json` and `kin params diff --json` print it). `a` defaults to HEAD
//! and `b` to the workspace, as the CLI's do.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use kin::metrics::{CompareError, Recorded};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn metrics(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    diff(state, raw, Recorded::Metrics).await
}

pub(crate) async fn params(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    diff(state, raw, Recorded::Params).await
}

async fn diff(
    state: Arc<AppState>,
    raw: Option<String>,
    what: Recorded,
) -> Result<Json<Value>, ApiError> {
    let query = Query::parse(raw.as_deref());
    let a = query.get("a").unwrap_or("HEAD").to_owned();
    let b = query.get("b").unwrap_or("workspace").to_owned();
    let all = query
        .parsed::<bool>("all", "true or false")?
        .unwrap_or(false);
    let deps = query
        .parsed::<bool>("deps", "true or false")?
        .unwrap_or(false);
    state
        .with_store(move |state, _| {
            let repo = state.repo.as_ref().ok_or_else(|| ApiError::NotFound {
                what:
                    "metrics and params are compared in the repository, and this server serves none"
                        .to_owned(),
            })?;
            let collect = |source: &kin::metrics::Source| match what {
                Recorded::Metrics => kin::metrics::collect_metrics(repo, source, &[]),
                Recorded::Params => kin::metrics::collect_params(repo, source, &[], deps),
            };
            let mut comparison = kin::metrics::compare(repo, (&a, &b), what, all, collect)
                .map_err(|error| match error {
                    CompareError::Metrics(kin::metrics::MetricsError::UnknownRevision {
                        ..
                    }) => ApiError::bad_request(error.to_string()),
                    CompareError::Lineage(error) => error.into(),
                    other => ApiError::Internal {
                        reason: other.to_string(),
                    },
                })?;
            for warning in &comparison.warnings {
                tracing::warn!("{warning}");
            }
            // Paths as the CLI prints them from the repository's root.
            comparison.diff.files.sort_by(|x, y| x.path.cmp(&y.path));
            Ok(Json(comparison.diff.to_json()))
        })
        .await
}
