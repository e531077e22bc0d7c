//! What every request shares: the stores it reads and writes through, the repository served
//! (if any), the access token and OpenLineage runs still in progress.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

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

/// Open stores, shared by the requests: a store (a SQLite connection, a PostgreSQL session)
/// is used by one request at a time. A fixed number is opened as load needs them and kept
/// open; a request finding none free waits for one rather than opening more, as opening a
/// store costs more than most queries and more stores than cores would not answer faster.
/// The server runs as many threads for store work as the pool holds stores ([`capacity`]).
///
/// [`capacity`]: StorePool::capacity
pub(crate) struct StorePool {
    location: StoreLocation,
    state: Mutex<PoolState>,
    freed: Condvar,
    max: usize,
}

struct PoolState {
    idle: Vec<Store>,
    open: usize,
}

impl StorePool {
    pub fn new(location: StoreLocation, first: Store) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        StorePool {
            location,
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            freed: Condvar::new(),
            // Two per core: one core's worth waits on disk or locks while the other works.
            // Measured on 2 cores (bench/server.py): 4 answered 15% more queries than 8, whose
            // threads contended for the CPU, the allocator and the store's locks.
            max: (cores * 2).clamp(2, 32),
        }
    }

    /// How many stores it opens at most: how many requests work on the store at once.
    pub fn capacity(&self) -> usize {
        self.max
    }

    fn take(&self) -> Result<Store, ApiError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(store) = state.idle.pop() {
                return Ok(store);
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return Store::open(&self.location).map_err(|error| {
                    let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                    state.open -= 1;
                    drop(state);
                    // Another waiting request may open one in its place.
                    self.freed.notify_one();
                    ApiError::from(error)
                });
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, store: Store) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.idle.push(store);
        drop(state);
        self.freed.notify_one();
    }
}
