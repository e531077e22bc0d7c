//! S3 objects (and S3-compatible servers): the entity tag, unquoted, as DVC records it.
//! Credentials, region and endpoint come from the environment as for the AWS tools
//! (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` for a server other than AWS).

use kin_format::lock_file::{ExternalField, ExternalVersion};
use kin_remote::RemoteSpec;

use super::{ExternalError, ExternalState};

/// The object's bucket storage and key.
fn open(url: &str) -> Result<(Box<dyn kin_remote::Remote>, String), ExternalError> {
    let rest = url.strip_prefix("s3://").unwrap_or(url);
    let Some((bucket, key)) = rest
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
    else {
        return Err(ExternalError::BadUrl {
            url: url.to_owned(),
            reason: "an S3 dependency is `s3://BUCKET/KEY`".to_owned(),
        });
    };
    if key.ends_with('/') {
        return Err(ExternalError::Unsupported {
            url: url.to_owned(),
            scheme: "s3 directory".to_owned(),
        });
    }
    let mut spec = RemoteSpec::new(format!("s3://{bucket}"));
    if let Some(endpoint) = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    {
        spec.options.push(("endpointurl".to_owned(), endpoint));
    }
    let remote = kin_remote::open(&spec).map_err(|e| unreachable(url, e.to_string()))?;
    Ok((remote, key.to_owned()))
}

fn unreachable(url: &str, reason: String) -> ExternalError {
    ExternalError::Unreachable {
        url: url.to_owned(),
        reason,
    }
}

pub(super) fn current_state(url: &str) -> Result<Option<ExternalState>, ExternalError> {
    let (remote, key) = open(url)?;
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
            value: etag.trim_matches('"').to_owned(),
        },
        size: Some(head.size),
    }))
}

pub(super) fn download(url: &str, sink: &mut dyn std::io::Write) -> Result<u64, ExternalError> {
    let (remote, key) = open(url)?;
    remote
        .get(&key, sink)
        .map_err(|e| unreachable(url, e.to_string()))
}
