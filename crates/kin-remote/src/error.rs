//! What can go wrong talking to a remote.

use std::path::PathBuf;

/// A failure of one remote operation, naming the remote and the object.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("remote URL `{url}` is not supported: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("remote option `{option}` = `{value}` is invalid: {reason}")]
    BadOption {
        option: String,
        value: String,
        reason: String,
    },
    #[error("the bucket of {remote} does not exist")]
    NoBucket { remote: String },
    #[error(
        "found no credentials for {remote}: set them in the environment (for S3: \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) or in the remote's options \
         (`kin remote modify --local NAME access_key_id …`)"
    )]
    NoCredentials { remote: String },
    #[error("`{key}` does not exist on {remote}")]
    NotFound { remote: String, key: String },
    #[error("{remote} refused access to `{key}`: {message}")]
    Denied {
        remote: String,
        key: String,
        message: String,
    },
    #[error("{remote}: `{key}`: {message}")]
    Storage {
        remote: String,
        key: String,
        message: String,
    },
    #[error("cannot read `{}`: {source}", path.display())]
    ReadLocal {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{}`: {source}", path.display())]
    WriteLocal {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing the download of `{key}` failed: {source}")]
    Sink { key: String, source: std::io::Error },
    #[error("cannot start the network runtime: {source}")]
    Runtime { source: std::io::Error },
}
