//! Starting and stopping the server: the listener, the runtime, one log line per request,
//! and a shutdown on SIGTERM or Ctrl-C that lets requests in flight finish.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use kin_store::{Store, StoreLocation};

use crate::auth::Token;
use crate::error::ServeError;
use crate::openlineage::record::Naming;
use crate::state::{AppState, StorePool};

/// What to serve, where, to whom.
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub store: StoreLocation,
    /// The repository served, when there is one: targets resolve as in its CLI, logs are
    /// read from it and OpenLineage datasets in its namespace hash its files.
    pub repo: Option<kin::Repo>,
    /// The bearer token writes (and, beyond loopback, reads) need.
    pub token: Option<String>,
    /// kin's OpenLineage namespace: datasets in it are the repository's paths.
    pub namespace: String,
}

/// What a finished server did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Served {
    pub requests: u64,
}

/// Serves until SIGTERM or Ctrl-C; `listening` is told the bound address (the port chosen
/// for `:0`) once requests are taken.
pub fn serve(
    options: ServeOptions,
    listening: impl FnOnce(SocketAddr),
) -> Result<Served, ServeError> {
    let token = options.token.as_deref().and_then(Token::new);
    let loopback = options.addr.ip().is_loopback();
    if !loopback && token.is_none() {
        return Err(ServeError::TokenRequired { addr: options.addr });
    }
    // Opened (and migrated) before listening: a bad store fails the start, not each request.
    let first = Store::open(&options.store)?;
    let naming = Naming {
        namespace: options.namespace,
        root: options.repo.as_ref().map(|repo| repo.root().to_path_buf()),
    };
    let state = Arc::new(AppState {
        stores: StorePool::new(options.store, first),
        repo: options.repo,
        token,
        token_for_reads: !loopback,
        naming,
        pending: Mutex::new(HashMap::new()),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Store work runs on blocking threads, one per pooled store: more would only wait.
        .max_blocking_threads(state.stores.capacity())
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServeError::Runtime)?;
    // The last reference is dropped here, outside the runtime: a PostgreSQL store closes its
    // connection on a runtime of its own, which cannot start inside another.
    let last_reference = Arc::clone(&state);
    let requests = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = Arc::clone(&requests);
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: options.addr,
                source,
            })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: options.addr,
            source,
        })?;
        let app = crate::api::router(state).layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let counted = Arc::clone(&counted);
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    log_request(request, next).await
                }
            },
        ));
        listening(bound);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ServeError::Serve)
    });
    drop(runtime);
    drop(last_reference);
    served?;
    Ok(Served {
        requests: requests.load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// One line per request: method, path, status and time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        "{method} {path} {} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Resolves on SIGTERM or SIGINT; new connections stop, requests in flight finish.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the server runs until killed.
        return std::future::pending().await;
    };
    futures_util::future::select(Box::pin(term.recv()), Box::pin(interrupt.recv())).await;
    tracing::info!("shutting down: finishing requests in flight");
}
