//! `GET /api/v1/artifacts/{path}`: every recorded version of a path, oldest first, each with
//! the runs that generated and used it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kin::lineage::json::{run_json, version_json};
use kin_store::{LineageStore, RunKey};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn versions(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .with_store(move |_, store| {
            let versions = store.versions_of(&path)?;
            if versions.is_empty() {
                return Err(ApiError::NotFound {
                    what: format!("no version of `{path}` is recorded"),
                });
            }
            let runs = |keys: Vec<RunKey>| -> Result<Value, ApiError> {
                keys.into_iter()
                    .map(|key| Ok(run_json(&store.run_by_key(key)?)))
                    .collect()
            };
            let versions = versions
                .iter()
                .map(|version| {
                    let mut value = version_json(version);
                    value["generated_by"] = runs(store.generators(version.id)?)?;
                    value["used_by"] = runs(store.consumers(version.id)?)?;
                    Ok(value)
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(Json(json!({"path": path, "versions": versions})))
        })
        .await
}
