//! `GET /api/v1/lineage/{up|down}?target=T&depth=N`: the answer of `kin lineage up|down
//! --json`, with the target written as the CLI takes it (or as a node id it printed).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use kin::lineage::{LineageView, Target};
use kin_store::{Direction, Store};
use serde_json::Value;

use super::query::Query;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn query(
    State(state): State<Arc<AppState>>,
    Path(direction): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let direction = match direction.as_str() {
        "up" => Direction::Up,
        "down" => Direction::Down,
        other => {
            return Err(ApiError::NotFound {
                what: format!("`{other}` is no direction: lineage is `up` or `down`"),
            });
        }
    };
    let query = Query::parse(raw.as_deref());
    let target = query.required("target")?.to_owned();
    let depth = query
        .parsed::<usize>("depth", "a number of runs")?
        .unwrap_or(usize::MAX);
    state
        .with_store(move |state, store| {
            let view = lineage(state, store, &target, direction, depth)?;
            Ok(Json(kin::lineage::json::lineage_json(&view, direction)))
        })
        .await
}

/// `target` resolved as the served repository's CLI would (from its root), or from the
/// store alone when no repository is served; then its lineage.
pub(crate) fn lineage(
    state: &AppState,
    store: &Store,
    target: &str,
    direction: Direction,
    depth: usize,
) -> Result<LineageView, ApiError> {
    let target = resolve(state, store, target)?;
    Ok(kin::lineage::lineage_of(store, target, direction, depth)?)
}

pub(crate) fn resolve(state: &AppState, store: &Store, target: &str) -> Result<Target, ApiError> {
    Ok(match &state.repo {
        Some(repo) => kin::lineage::target::resolve(repo, store, repo.root(), target)?,
        None => kin::lineage::target::resolve_recorded(store, target)?,
    })
}
