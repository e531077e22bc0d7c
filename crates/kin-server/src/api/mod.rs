//! The routes under `/api/v1`, each file one resource; docs/api.md and `openapi.json`
//! describe them.

mod artifacts;
mod audit;
mod diff;
mod gates;
mod lineage;
mod marquez;
mod models;
mod openapi;
mod query;
mod runs;
mod schedules;
mod why;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::auth::require_token;
use crate::error::ApiError;
use crate::state::AppState;

/// The largest request body taken (an OpenLineage event with many datasets and facets fits
/// many times over).
pub(crate) const MAX_BODY_BYTES: usize = 4 << 20;

pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/runs", get(runs::list))
        .route("/api/v1/runs/{id}", get(runs::show))
        .route("/api/v1/runs/{id}/log", get(runs::log))
        .route(
            "/api/v1/lineage",
            get(marquez::lineage_graph).post(crate::openlineage::ingest),
        )
        .route("/api/v1/lineage/{direction}", get(lineage::query))
        .route("/api/v1/artifacts/{*path}", get(artifacts::versions))
        .route("/api/v1/why", get(why::why))
        .route("/api/v1/audit", get(audit::entries))
        .route("/api/v1/gates", get(gates::reports))
        .route("/api/v1/metrics/diff", get(diff::metrics))
        .route("/api/v1/params/diff", get(diff::params))
        .route("/api/v1/models", get(models::list))
        .route("/api/v1/models/{*name}", get(models::versions))
        .route("/api/v1/cards", get(models::card))
        .route("/api/v1/schedules", get(schedules::list))
        .route(
            "/api/v1/schedules/{name}/attempts",
            get(schedules::attempts),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(|| async {
            ApiError::NotFound {
                what: "no such route; see /api/v1/openapi.json".to_owned(),
            }
        })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            require_token,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // The UI's own files need no token: they hold no data.
        .merge(crate::ui::router())
        .with_state(state)
}
