//! S3 (and S3-compatible servers), GCS and Azure through `object_store`, behind the blocking
//! [`Remote`] interface: every call runs on one shared tokio runtime, so many transfer
//! threads can use the same remote at once.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::{ObjectHead, Remote, RemoteError, RemoteSpec, Scheme};

mod builders;
mod connection_string;

pub use builders::gcs_bearer_token;

/// Files up to this size are uploaded in one request; larger ones in parts of this size, so
/// no whole file is held in memory and the object appears only when the last part lands.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// A bucket (or container) and the prefix inside it that is the remote's root.
#[derive(Debug)]
pub struct ObjectRemote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
    runtime: tokio::runtime::Runtime,
}

impl ObjectRemote {
    pub fn open(spec: &RemoteSpec, scheme: Scheme) -> Result<Self, RemoteError> {
        let (store, prefix) = builders::build(spec, scheme)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|source| RemoteError::Runtime { source })?;
        Ok(ObjectRemote {
            store,
            prefix,
            url: spec.url.trim_end_matches('/').to_owned(),
            runtime,
        })
    }

    fn location(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// The key of `location` relative to the remote's root.
    fn key_of(&self, location: &ObjectPath) -> String {
        let full = location.as_ref();
        if self.prefix.is_empty() {
            full.to_owned()
        } else {
            full.strip_prefix(&self.prefix)
                .map(|k| k.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| full.to_owned())
        }
    }

    fn error(&self, key: &str, error: object_store::Error) -> RemoteError {
        classify(self.url.clone(), key.to_owned(), error)
    }

    async fn put_multipart(&self, key: &str, mut file: std::fs::File) -> Result<(), RemoteError> {
        let location = self.location(key);
        let upload = self
            .store
            .put_multipart(&location)
            .await
            .map_err(|e| self.error(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut buffer = vec![0u8; PART_SIZE];
        loop {
            let read = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(source) => {
                    let _ = writer.abort().await;
                    return Err(RemoteError::ReadLocal {
                        path: key.into(),
                        source,
                    });
                }
            };
            // At most two parts in flight per file: bounded memory, overlapping transfer.
            if let Err(e) = writer.wait_for_capacity(2).await {
                return Err(self.error(key, e));
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(|e| self.error(key, e))?;
        Ok(())
    }
}

/// The address of the cloud instance-metadata service: the credential source of last resort,
/// asked only when nothing in the environment or the remote's options gave credentials.
const INSTANCE_METADATA: &str = "169.254.169.254";

/// Turns a storage error into what the user is told.
fn classify(remote: String, key: String, error: object_store::Error) -> RemoteError {
    let text = chain(&error);
    // S3 answers 404 for a missing bucket too: that is no missing object.
    if text.contains("NoSuchBucket") {
        return RemoteError::NoBucket { remote };
    }
    if text.contains(INSTANCE_METADATA) {
        return RemoteError::NoCredentials { remote };
    }
    match error {
        object_store::Error::NotFound { .. } => RemoteError::NotFound { remote, key },
        object_store::Error::PermissionDenied { source, .. }
        | object_store::Error::Unauthenticated { source, .. } => RemoteError::Denied {
            remote,
            key,
            message: chain(&*source),
        },
        _ => RemoteError::Storage {
            remote,
            key,
            message: text,
        },
    }
}

/// An error and its causes on one line: object_store's messages carry the server's reason
/// in their sources.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    // Some causes end in an empty body ("403 Forbidden: "): no dangling separator.
    text.trim_end_matches([':', ' ']).to_owned()
}

impl Remote for ObjectRemote {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn head(&self, key: &str) -> Result<Option<ObjectHead>, RemoteError> {
        let location = self.location(key);
        match self.runtime.block_on(self.store.head(&location)) {
            Ok(meta) => Ok(Some(ObjectHead {
                size: meta.size,
                etag: meta.e_tag,
                version: meta.version,
            })),
            Err(object_store::Error::NotFound { source, .. })
                if !chain(&*source).contains("NoSuchBucket") =>
            {
                Ok(None)
            }
            Err(e) => Err(self.error(key, e)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, RemoteError> {
        let location = self.location(prefix);
        self.runtime.block_on(async {
            let mut stream = self.store.list(Some(&location));
            let mut keys = Vec::new();
            while let Some(meta) = stream.next().await {
                let meta = meta.map_err(|e| self.error(prefix, e))?;
                keys.push(self.key_of(&meta.location));
            }
            Ok(keys)
        })
    }

    fn put_file(&self, key: &str, path: &Path) -> Result<(), RemoteError> {
        let read_error = |source| RemoteError::ReadLocal {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(read_error)?;
        let size = file.metadata().map_err(read_error)?.len();
        if size <= PART_SIZE as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).map_err(read_error)?;
            return self.put_bytes(key, &bytes);
        }
        self.runtime.block_on(self.put_multipart(key, file))
    }

    fn put_bytes(&self, key: &str, bytes: &[u8]) -> Result<(), RemoteError> {
        let location = self.location(key);
        let payload = PutPayload::from(bytes.to_vec());
        self.runtime
            .block_on(self.store.put(&location, payload))
            .map(drop)
            .map_err(|e| self.error(key, e))
    }

    fn get(&self, key: &str, sink: &mut dyn Write) -> Result<u64, RemoteError> {
        let location = self.location(key);
        self.runtime.block_on(async {
            let result = self
                .store
                .get(&location)
                .await
                .map_err(|e| self.error(key, e))?;
            let mut stream = result.into_stream();
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| self.error(key, e))?;
                sink.write_all(&chunk).map_err(|source| RemoteError::Sink {
                    key: key.to_owned(),
                    source,
                })?;
                size += chunk.len() as u64;
            }
            Ok(size)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generic(message: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: message.into(),
        }
    }

    #[test]
    fn errors_name_the_cause_a_user_can_fix() {
        let classify = |error| classify("s3://b/p".into(), "files/md5/ab/cd".into(), error);
        assert!(matches!(
            classify(generic(
                "Error performing PUT http://169.254.169.254/latest/api/token"
            )),
            RemoteError::NoCredentials { .. }
        ));
        assert!(matches!(
            classify(generic("404 Not Found: <Code>NoSuchBucket</Code>")),
            RemoteError::NoBucket { .. }
        ));
        let other = classify(generic("connection reset"));
        assert_eq!(
            other.to_string(),
            "s3://b/p: `files/md5/ab/cd`: Generic S3 error: connection reset"
        );
    }
}
