//! Data outside the repository that a stage depends on by URL (`s3://bucket/key`,
//! `gs://…`, `azure://container/key`, `https://host/file`): its version as DVC 3 records it
//! in `dvc.lock` — the storage's entity tag or checksum, never a hash of the bytes — read
//! without downloading it.

mod bucket;
mod gs;
mod http;

use bucket::Cloud;

use kin_format::lock_file::ExternalVersion;

/// A dependency's version at its storage, and its size when the storage says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalState {
    pub version: ExternalVersion,
    pub size: Option<u64>,
}

/// Why an external dependency's version could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error(
        "`{url}`: {scheme}:// dependencies are not supported yet (s3://, gs://, azure:// and http(s):// are)"
    )]
    Unsupported { url: String, scheme: String },
    #[error("`{url}` is not a URL kin can read: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot read `{url}`: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The storage at `url` could not answer, for `reason`.
fn unreachable(url: &str, reason: String) -> ExternalError {
    ExternalError::Unreachable {
        url: url.to_owned(),
        reason,
    }
}

/// Whether a dependency path names data by URL rather than a path (`s3://…`, `https://…`).
/// Local paths, absolute ones included, are not URLs; neither is a Windows drive.
pub fn is_url(path: &str) -> bool {
    match path.split_once("://") {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// The current version of the data at `url`; `None` when there is none there.
pub fn current_state(url: &str) -> Result<Option<ExternalState>, ExternalError> {
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    match scheme {
        "s3" => bucket::current_state(Cloud::S3, url),
        "azure" => bucket::current_state(Cloud::Azure, url),
        "gs" => gs::current_state(url),
        "http" | "https" => http::current_state(url),
        other => Err(ExternalError::Unsupported {
            url: url.to_owned(),
            scheme: other.to_owned(),
        }),
    }
}

/// Streams the data at `url` into `sink`; its size.
pub fn download(url: &str, sink: &mut dyn std::io::Write) -> Result<u64, ExternalError> {
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    match scheme {
        "s3" => bucket::download(Cloud::S3, url, sink),
        "azure" => bucket::download(Cloud::Azure, url, sink),
        "gs" => gs::download(url, sink),
        "http" | "https" => http::download(url, sink),
        other => Err(ExternalError::Unsupported {
            url: url.to_owned(),
            scheme: other.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        for url in [
            "s3://bucket/key",
            "https://host/a.csv",
            "gs://b/k",
            "hdfs://n/p",
        ] {
            assert!(is_url(url), "{url}");
        }
        // A one-letter "scheme" is a Windows drive, not a URL.
        for path in [
            "data/raw.csv",
            "/mnt/data/raw.csv",
            "C:/data",
            "C://data",
            "weird:/x",
        ] {
            assert!(!is_url(path), "{path}");
        }
    }
}
