//! Errors: [`ServeError`] stops the server from starting; [`ApiError`] answers one request
//! with a status and `{"error": REASON}`.

use std::net::SocketAddr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kin::lineage::LineageError;
use kin_store::StoreError;
use serde_json::json;

use crate::openlineage::event::EventError;
use crate::openlineage::record::RecordError;

/// Why `kin serve` could not start (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "{addr} is not a loopback address, and without a token anyone who can reach it could read and write the store"
    )]
    TokenRequired { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why one request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("{reason}")]
    BadRequest { reason: String },
    #[error("{what}")]
    NotFound { what: String },
    #[error("{reason}")]
    Unauthorized { reason: &'static str },
    #[error("{reason}")]
    Internal { reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lineage(#[from] LineageError),
    #[error("malformed OpenLineage event: {0}")]
    Event(#[from] EventError),
    #[error(transparent)]
    Record(#[from] RecordError),
}

impl ApiError {
    pub fn bad_request(reason: impl Into<String>) -> Self {
        ApiError::BadRequest {
            reason: reason.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } | ApiError::Event(_) | ApiError::Record(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Store(error) => store_status(error),
            ApiError::Lineage(error) => match error {
                LineageError::Store(error) => store_status(error),
                LineageError::UnknownTarget { .. }
                | LineageError::UnknownPath { .. }
                | LineageError::NoSuchVersion { .. }
                | LineageError::NotRecorded { .. } => StatusCode::NOT_FOUND,
                LineageError::AmbiguousVersion { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }
}

fn store_status(error: &StoreError) -> StatusCode {
    match error {
        StoreError::NoSuchRun { .. } | StoreError::NoSuchVersion(_) => StatusCode::NOT_FOUND,
        StoreError::AmbiguousRun { .. }
        | StoreError::BadCursor { .. }
        | StoreError::BadHash { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{self}");
        }
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}
