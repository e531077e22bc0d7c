//! Google Cloud Storage objects, read through GCS's JSON API as DVC (through gcsfs) reads
//! them: DVC records the JSON API's `etag` decoded from base64 to hex, and the object's
//! generation as its `version_id`. (The XML API's ETag is another value, so the remote
//! client, which speaks XML, is not used here.)
//!
//! Credentials are those a `gs://` remote uses (`GOOGLE_APPLICATION_CREDENTIALS`, application
//! default credentials, the metadata server). With `STORAGE_EMULATOR_HOST` set, as for
//! Google's own libraries, requests go to that emulator without credentials.

use std::time::Duration;

use base64::Engine;
use kin_format::lock_file::{ExternalField, ExternalVersion};
use kin_remote::RemoteSpec;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::{ExternalError, ExternalState, unreachable};

const GCS_ENDPOINT: &str = "https://storage.googleapis.com";
/// How long GCS may take to answer a metadata request, or to start a download.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The fields of a JSON API object resource that DVC records.
#[derive(Debug, Deserialize)]
struct ObjectResource {
    etag: String,
    generation: Option<String>,
    size: Option<String>,
}

/// Where requests go, and the bearer token they carry.
struct Service {
    endpoint: String,
    token: Option<String>,
}

/// A `gs://BUCKET/KEY` URL's bucket and key.
fn split(url: &str) -> Result<(&str, &str), ExternalError> {
    let rest = url.strip_prefix("gs://").unwrap_or(url);
    match rest.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            if key.ends_with('/') {
                return Err(ExternalError::Unsupported {
                    url: url.to_owned(),
                    scheme: "gs directory".to_owned(),
                });
            }
            Ok((bucket, key))
        }
        _ => Err(ExternalError::BadUrl {
            url: url.to_owned(),
            reason: "a dependency in gs is `gs://BUCKET/KEY`".to_owned(),
        }),
    }
}

impl Service {
    fn for_bucket(url: &str, bucket: &str) -> Result<Service, ExternalError> {
        if let Some(host) = std::env::var("STORAGE_EMULATOR_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty())
        {
            let host = host.trim().trim_end_matches('/');
            let endpoint = if host.starts_with("http://") || host.starts_with("https://") {
                host.to_owned()
            } else {
                format!("http://{host}")
            };
            return Ok(Service {
                endpoint,
                token: None,
            });
        }
        let token = kin_remote::gcs_bearer_token(&RemoteSpec::new(format!("gs://{bucket}")))
            .map_err(|e| unreachable(url, e.to_string()))?;
        Ok(Service {
            endpoint: GCS_ENDPOINT.to_owned(),
            token: Some(token),
        })
    }

    /// The JSON API's URL of an object (the whole name is one path segment).
    fn object_url(&self, bucket: &str, key: &str) -> String {
        format!(
            "{}/storage/v1/b/{}/o/{}",
            self.endpoint,
            utf8_percent_encode(bucket, NON_ALPHANUMERIC),
            utf8_percent_encode(key, NON_ALPHANUMERIC)
        )
    }

    fn get(
        &self,
        client: &reqwest::blocking::Client,
        url: String,
    ) -> reqwest::Result<reqwest::blocking::Response> {
        let request = client.get(url);
        match &self.token {
            Some(token) if !token.is_empty() => request.bearer_auth(token),
            _ => request,
        }
        .send()
    }
}

pub(super) fn current_state(url: &str) -> Result<Option<ExternalState>, ExternalError> {
    let (bucket, key) = split(url)?;
    let service = Service::for_bucket(url, bucket)?;
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| unreachable(url, e.to_string()))?;
    let response = service
        .get(&client, service.object_url(bucket, key))
        .map_err(|e| unreachable(url, e.to_string()))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(unreachable(url, format!("GCS answered {status}")));
    }
    let body = response
        .bytes()
        .map_err(|e| unreachable(url, e.to_string()))?;
    let object: ObjectResource = serde_json::from_slice(&body).map_err(|e| {
        unreachable(
            url,
            format!("GCS sent an object resource kin cannot read: {e}"),
        )
    })?;
    Ok(Some(state_of(url, object)?))
}

/// The version DVC records for an object resource.
fn state_of(url: &str, object: ObjectResource) -> Result<ExternalState, ExternalError> {
    let etag = base64::engine::general_purpose::STANDARD
        .decode(object.etag.as_bytes())
        .map_err(|e| unreachable(url, format!("GCS sent an etag that is not base64: {e}")))?;
    let hex: String = etag.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(ExternalState {
        version: ExternalVersion {
            field: ExternalField::Etag,
            value: hex,
            version_id: object.generation,
        },
        size: object.size.and_then(|s| s.parse().ok()),
    })
}

pub(super) fn download(url: &str, sink: &mut dyn std::io::Write) -> Result<u64, ExternalError> {
    let (bucket, key) = split(url)?;
    let service = Service::for_bucket(url, bucket)?;
    // No overall timeout: a large object takes as long as it takes; connecting does not.
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(TIMEOUT)
        .timeout(None)
        .build()
        .map_err(|e| unreachable(url, e.to_string()))?;
    let mut response = service
        .get(
            &client,
            format!("{}?alt=media", service.object_url(bucket, key)),
        )
        .map_err(|e| unreachable(url, e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(
            url,
            format!("GCS answered {}", response.status()),
        ));
    }
    response
        .copy_to(sink)
        .map_err(|e| unreachable(url, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_etag_is_recorded_in_hex_with_the_generation() {
        // A resource as GCS sends it for a freshly written object.
        let object: ObjectResource = serde_json::from_str(
            r#"{"kind":"storage#object","etag":"CJiu0q/e5fYCEAE=","generation":"1700000000000000","size":"11"}"#,
        )
        .expect("resource");
        let state = state_of("gs://b/k", object).expect("state");
        assert_eq!(state.version.value, "0898aed2afdee5f6021001");
        assert_eq!(
            state.version.version_id.as_deref(),
            Some("1700000000000000")
        );
        assert_eq!(state.size, Some(11));
    }

    #[test]
    fn urls_name_a_bucket_and_an_object() {
        assert_eq!(split("gs://b/dir/k.csv").ok(), Some(("b", "dir/k.csv")));
        assert!(split("gs://b").is_err());
        assert!(split("gs://b/dir/").is_err());
    }
}
