//! Object storage behind DVC remotes: a local directory, or S3 (and S3-compatible servers),
//! GCS and Azure through `object_store`. Keys are `/`-separated and relative to the remote's
//! root; what lives under which key (DVC's `files/md5/xx/…`) is the caller's business.

mod error;
mod local;
mod object;
mod spec;

use std::io::Write;
use std::path::Path;

pub use error::RemoteError;
pub use local::LocalRemote;
pub use object::{ObjectRemote, gcs_bearer_token};
pub use spec::{RemoteSpec, Scheme};

/// What the storage says of one object without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: u64,
    /// The entity tag as the server sends it (S3: quoted); `None` for local files.
    pub etag: Option<String>,
    /// The object's version where the store keeps versions (a versioned bucket's
    /// `x-amz-version-id`, Azure's `x-ms-version-id`).
    pub version: Option<String>,
}

/// One remote's storage. Every method is safe to call from many threads at once.
pub trait Remote: Send + Sync {
    /// Where the objects go, for messages (`s3://bucket/prefix`, `/mnt/remote`).
    fn describe(&self) -> String;

    /// Whether an object exists under `key`.
    fn exists(&self, key: &str) -> Result<bool, RemoteError> {
        Ok(self.head(key)?.is_some())
    }

    /// What the storage says of the object under `key`; `None` if there is none.
    fn head(&self, key: &str) -> Result<Option<ObjectHead>, RemoteError>;

    /// Every key below `prefix` (a directory-like key ending without `/`), relative to the
    /// remote's root.
    fn list(&self, prefix: &str) -> Result<Vec<String>, RemoteError>;

    /// Uploads the local file `path` as `key`. The object becomes visible whole or not at
    /// all: an interrupted upload never leaves a partial object under `key`.
    fn put_file(&self, key: &str, path: &Path) -> Result<(), RemoteError>;

    /// Uploads small in-memory content as `key`, with the same all-or-nothing guarantee.
    fn put_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), RemoteError>;

    /// Streams the object `key` into `sink` and returns its size. A missing object is
    /// [`RemoteError::NotFound`].
    fn get(&self, key: &str, sink: &mut dyn Write) -> Result<u64, RemoteError>;
}

/// Opens the storage a remote's URL and options describe.
pub fn open(spec: &RemoteSpec) -> Result<Box<dyn Remote>, RemoteError> {
    match spec.scheme()? {
        Scheme::Local(root) => Ok(Box::new(LocalRemote::new(root))),
        scheme @ (Scheme::S3 { .. } | Scheme::Gcs { .. } | Scheme::Azure { .. }) => {
            Ok(Box::new(ObjectRemote::open(spec, scheme)?))
        }
    }
}
