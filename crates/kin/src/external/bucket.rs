//! Objects in S3 (and S3-compatible servers) and Azure blob containers, read through the same
//! storage clients as remotes. DVC records S3's entity tag unquoted and Azure's quoted, and
//! the object's version where the bucket or container keeps versions.
//!
//! Credentials, region and endpoint come from the environment as for each cloud's own tools:
//! `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` for an S3 server other than AWS,
//! `AZURE_STORAGE_CONNECTION_STRING` (or the account variables) for Azure.

use kin_format::lock_file::{ExternalField, ExternalVersion};
use kin_remote::RemoteSpec;

use super::{ExternalError, ExternalState, unreachable};

/// The clouds whose objects are read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cloud {
    S3,
    Azure,
}

impl Cloud {
    fn scheme(self) -> &'static str {
        match self {
            Cloud::S3 => "s3",
            Cloud::Azure => "azure",
        }
    }

    /// The entity tag as DVC records it.
    fn recorded_etag(self, etag: &str) -> String {
        match self {
            Cloud::S3 => etag.trim_matches('"').to_owned(),
            Cloud::Azure if etag.starts_with('"') => etag.to_owned(),
            Cloud::Azure => format!("\"{etag}\""),
        }
    }
}

/// The object's container storage and key.
fn open(cloud: Cloud, url: &str) -> Result<(Box<dyn kin_remote::Remote>, String), ExternalError> {
    let scheme = cloud.scheme();
    let rest = url
        .strip_prefix(scheme)
        .and_then(|r| r.strip_prefix("://"))
        .unwrap_or(url);
    let Some((bucket, key)) = rest
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        return Err(ExternalError::BadUrl {
            url: url.to_owned(),
            reason: format!("a dependency in {scheme} is `{scheme}://BUCKET/KEY`"),
        });
    };
    if key.ends_with('/') {
        return Err(ExternalError::Unsupported {
            url: url.to_owned(),
            scheme: format!("{scheme} directory"),
        });
    }
    let mut spec = RemoteSpec::new(format!("{scheme}://{bucket}"));
    if cloud == Cloud::S3
        && let Some(endpoint) = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    {
        spec.options.push(("endpointurl".to_owned(), endpoint));
    }
    let remote = kin_remote::open(&spec).map_err(|e| unreachable(url, e.to_string()))?;
    Ok((remote, key.to_owned()))
}

pub(super) fn current_state(
    cloud: Cloud,
    url: &str,
) -> Result<Option<ExternalState>, ExternalError> {
    let (remote, key) = open(cloud, url)?;
    let unreachable = |reason: String| unreachable(url, reason);
    let Some(head) = remote.head(&key).map_err(|e| unreachable(e.to_string()))? else {
        return Ok(None);
    };
    let etag = head
        .etag
        .ok_or_else(|| unreachable("the server sent no ETag".to_owned()))?;
    Ok(Some(ExternalState {
        version: ExternalVersion {
            field: ExternalField::Etag,
            value: cloud.recorded_etag(&etag),
            // An unversioned S3 bucket answers without a version, or with "null" once
            // versioning was suspended; DVC records what it was told.
            version_id: head.version.filter(|v| !v.is_empty()),
        },
        size: Some(head.size),
    }))
}

pub(super) fn download(
    cloud: Cloud,
    url: &str,
    sink: &mut dyn std::io::Write,
) -> Result<u64, ExternalError> {
    let (remote, key) = open(cloud, url)?;
    remote
        .get(&key, sink)
        .map_err(|e| unreachable(url, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_recorded_as_dvc_records_them() {
        assert_eq!(Cloud::S3.recorded_etag("\"abc\""), "abc");
        assert_eq!(Cloud::Azure.recorded_etag("\"0x8DE\""), "\"0x8DE\"");
        assert_eq!(Cloud::Azure.recorded_etag("0x8DE"), "\"0x8DE\"");
    }
}
