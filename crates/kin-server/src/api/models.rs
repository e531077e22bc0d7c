//! The model registry: `GET /api/v1/models` (`kin model show --json`: every artifact with
//! its latest version and stages), `/models/{name}` (`kin model show NAME --json`: its
//! versions) and `/cards?ref=NAME@vX.Y.Z[&format=json|md|html]` (`kin model card`). All read
//! the served repository's git tags.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kin::registry::Registry;
use kin::registry::gto_json::{Selector, ShowOptions, registry_json, versions_json};
use kin::registry::resolve::{ModelRef, ModelRefError, resolve_version};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

/// The served repository's registry.
fn registry(state: &AppState) -> Result<(&kin::Repo, Registry), ApiError> {
    let repo = state.repo.as_ref().ok_or_else(|| ApiError::NotFound {
        what: "the registry lives in the repository's git tags, and this server serves none"
            .to_owned(),
    })?;
    let registry = Registry::open(repo.root()).map_err(|e| ApiError::Internal {
        reason: e.to_string(),
    })?;
    Ok((repo, registry))
}

fn model_ref_error(error: ModelRefError) -> ApiError {
    match error {
        ModelRefError::Name(_) | ModelRefError::Syntax { .. } => {
            ApiError::bad_request(error.to_string())
        }
        ModelRefError::UnknownArtifact { .. }
        | ModelRefError::UnknownVersion { .. }
        | ModelRefError::EmptyStage { .. }
        | ModelRefError::NoVersion { .. } => ApiError::NotFound {
            what: error.to_string(),
        },
        _ => ApiError::Internal {
            reason: error.to_string(),
        },
    }
}

pub(crate) async fn list(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    state
        .with_store(|state, _| {
            let (_, registry) = registry(state)?;
            let stages = registry.stages();
            Ok(Json(registry_json(
                &registry.state,
                &stages,
                &ShowOptions::DEFAULT,
            )))
        })
        .await
}

pub(crate) async fn versions(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .with_store(move |state, _| {
            let (_, registry) = registry(state)?;
            let artifact = registry
                .state
                .artifact(&name)
                .ok_or_else(|| ApiError::NotFound {
                    what: format!("the registry has no artifact `{name}`"),
                })?;
            Ok(Json(Value::Array(versions_json(
                artifact,
                &Selector::All,
                &ShowOptions::DEFAULT,
            ))))
        })
        .await
}

pub(crate) async fn card(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref());
    let text = query.required("ref")?.to_owned();
    let format = query.get("format").unwrap_or("json").to_owned();
    if !matches!(format.as_str(), "json" | "md" | "html") {
        return Err(ApiError::bad_request(format!(
            "`format` is `{format}`; it is json, md or html"
        )));
    }
    state
        .with_store(move |state, store| {
            let model = ModelRef::parse(&text).map_err(model_ref_error)?;
            let (repo, registry) = registry(state)?;
            let version = resolve_version(&registry, &model).map_err(model_ref_error)?;
            let card =
                kin::registry::card::gather(repo, store, &registry, &version).map_err(|e| {
                    ApiError::Internal {
                        reason: e.to_string(),
                    }
                })?;
            let json = card.to_json();
            Ok(match format.as_str() {
                "md" => (
                    [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
                    kin::registry::card::to_markdown(&json),
                )
                    .into_response(),
                "html" => (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    kin::registry::card::to_html(&json),
                )
                    .into_response(),
                _ => Json(json).into_response(),
            })
        })
        .await
}
