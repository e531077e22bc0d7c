//! What every request shares: the stores it reads and writes through, the repository served
//! (if any), the access token and OpenLineage runs still in progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kin_store::{RunId, Store, StoreLocation};

use crate::auth::Token;
use crate::error::ApiError;
use crate::openlineage::record::{Naming, Pending};

pub(crate) struct AppState {
    pub stores: StorePool,
    pub repo: Option<kin::Repo>,
    pub token: Option<Token>,
    /// Whether reads need the token too (the server listens beyond loopback).
    pub token_for_reads: bool,
    pub naming: Naming,
    /// OpenLineage runs whose end has not arrived, by run id.
    pub pending: Mutex<HashMap<RunId, Pending>>,
}

/// Runs still open that the server keeps; beyond this the oldest are forgotten (their end
/// event, when it comes, records them from what it says itself).
pub(crate) const MAX_PENDING_RUNS: usize = 10_000;

impl AppState {
    /// Runs `work` on a store on a blocking thread: the store is synchronous, and a slow
    /// query must not hold up the requests the runtime is serving meanwhile.
    pub async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&AppState, &mut Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut store = state.stores.take()?;
            let result = work(&state, &mut store);
            state.stores.give_back(store);
            result
        })
        .await
        .map_err(|e| ApiError::Internal {
            reason: e.to_string(),
        })?
    }
}

/// Open stores, one per request being served at a time: a store (a SQLite connection, a
/// PostgreSQL session) is used by one thread at once, and opening one per request would cost
/// more than most queries.
pub(crate) struct StorePool {
    location: StoreLocation,
    idle: Mutex<Vec<Store>>,
}

/// Idle stores kept open; more are opened under load and closed after.
const MAX_IDLE: usize = 16;

impl StorePool {
    pub fn new(location: StoreLocation, first: Store) -> Self {
        StorePool {
            location,
            idle: Mutex::new(vec![first]),
        }
    }

    fn take(&self) -> Result<Store, ApiError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(store) => Ok(store),
            None => Ok(Store::open(&self.location)?),
        }
    }

    fn give_back(&self, store: Store) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(store);
        }
    }
}
