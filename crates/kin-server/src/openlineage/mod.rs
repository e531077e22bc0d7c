//! OpenLineage in: `POST /api/v1/lineage` takes RunEvents, DatasetEvents and JobEvents
//! (spec 2-0-2) and records finished runs into kin's graph, answering 201.

pub(crate) mod event;
pub(crate) mod record;

use std::sync::{Arc, PoisonError};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use kin_store::{LineageStore, StoreError};
use serde_json::{Value, json};

use self::event::{Event, RunEvent};
use self::record::finished_run;
use crate::error::ApiError;
use crate::state::{AppState, MAX_PENDING_RUNS};

pub(crate) async fn ingest(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let event = event::parse(&body)?;
    let answer = match event {
        Event::Run(run) => match run.event_type {
            Some(kind) if kind.is_terminal() => record(&state, run).await?,
            _ => {
                remember(&state, &run);
                json!({"recorded": false, "run": run.run_id.to_string(), "reason": "the run has not ended"})
            }
        },
        // Nothing to attach them to until a run names them: accepted, checked, not kept.
        Event::Dataset(_) | Event::Job(_) => {
            json!({"recorded": false, "reason": "dataset and job events carry no run"})
        }
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Keeps what an event of an unfinished run says, for its end.
fn remember(state: &AppState, run: &RunEvent) {
    let mut pending = state.pending.lock().unwrap_or_else(PoisonError::into_inner);
    if pending.len() >= MAX_PENDING_RUNS && !pending.contains_key(&run.run_id) {
        let oldest = pending
            .iter()
            .min_by_key(|(_, p)| p.started())
            .map(|(id, _)| *id);
        if let Some(oldest) = oldest {
            pending.remove(&oldest);
        }
    }
    pending.entry(run.run_id).or_default().add(run);
}

/// Records the run `end` finishes, with what its earlier events said; an end seen twice is
/// recorded once.
async fn record(state: &Arc<AppState>, end: RunEvent) -> Result<Value, ApiError> {
    let pending = state
        .pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&end.run_id)
        .unwrap_or_default();
    let run = finished_run(&pending, &end, &state.naming)?;
    let id = run.id;
    let recorded = state
        .with_store(move |_, store| {
            match store.run(id) {
                Ok(_) => return Ok(false),
                Err(StoreError::NoSuchRun { .. }) => {}
                Err(other) => return Err(other.into()),
            }
            match store.record_run(&run) {
                Ok(_) => Ok(true),
                // The same end, sent twice at once, recorded by the other request.
                Err(error) => match store.run(id) {
                    Ok(_) => Ok(false),
                    Err(_) => Err(error.into()),
                },
            }
        })
        .await?;
    Ok(json!({
        "recorded": recorded,
        "run": id.to_string(),
        "reason": if recorded { "recorded" } else { "already recorded" },
    }))
}
