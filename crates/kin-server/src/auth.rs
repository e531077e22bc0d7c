//! Who may do what: a bearer token (`Authorization: Bearer TOKEN`) for every write, and for
//! every request when the server listens beyond loopback.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// The secret a client must present.
pub(crate) struct Token(String);

impl Token {
    /// A token from its text (a file's or the environment's), surrounding whitespace aside.
    pub fn new(text: &str) -> Option<Token> {
        let text = text.trim();
        (!text.is_empty()).then(|| Token(text.to_owned()))
    }

    /// Compares in time independent of where the texts differ, so the answer's timing
    /// tells nothing about the token.
    fn matches(&self, presented: &str) -> bool {
        let (ours, theirs) = (self.0.as_bytes(), presented.as_bytes());
        let mut differ = ours.len() ^ theirs.len();
        for (i, byte) in ours.iter().enumerate() {
            differ |= usize::from(byte ^ theirs.get(i).copied().unwrap_or(!byte));
        }
        differ == 0
    }
}

/// Refuses a request that needs the token and lacks it.
pub(crate) async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if !writes && !state.token_for_reads {
        return next.run(request).await;
    }
    let Some(token) = &state.token else {
        return ApiError::Unauthorized {
            reason: "this server takes no writes: start `kin serve` with --token-file or KIN_SERVE_TOKEN",
        }
        .into_response();
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match presented {
        Some(presented) if token.matches(presented.trim()) => next.run(request).await,
        Some(_) => ApiError::Unauthorized {
            reason: "the bearer token is not this server's",
        }
        .into_response(),
        None => ApiError::Unauthorized {
            reason: "this request needs `Authorization: Bearer TOKEN`",
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves() {
        let token = Token::new(" s3cret\n").expect("token");
        assert!(token.matches("s3cret"));
        assert!(!token.matches("s3cre"));
        assert!(!token.matches("s3cret!"));
        assert!(!token.matches(""));
        assert!(Token::new("  \n").is_none());
    }
}
