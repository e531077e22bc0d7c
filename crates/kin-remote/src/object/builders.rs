//! DVC's remote options turned into `object_store` clients, one builder per cloud.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use crate::{RemoteError, RemoteSpec, Scheme};

/// The store for `scheme` and the prefix inside its bucket.
pub(super) fn build(
    spec: &RemoteSpec,
    scheme: Scheme,
) -> Result<(Arc<dyn ObjectStore>, String), RemoteError> {
    let failed = |error: object_store::Error| RemoteError::BadUrl {
        url: spec.url.clone(),
        reason: error.to_string(),
    };
    let mut client = ClientOptions::new();
    if spec.flag("ssl_verify")? == Some(false) {
        client = client.with_allow_invalid_certificates(true);
    }
    // Transient failures (connection reset, 5xx, throttling) are retried with exponential
    // backoff; a server that stays away fails the transfer within about half a minute
    // instead of object_store's default of three minutes.
    let retry = RetryConfig {
        max_retries: 5,
        retry_timeout: std::time::Duration::from_secs(30),
        ..RetryConfig::default()
    };
    match scheme {
        Scheme::S3 { bucket, prefix } => {
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_retry(retry)
                // The md5 of every download is verified before it enters the cache, so the
                // payload's SHA-256 (slow to compute, per request) adds nothing.
                .with_unsigned_payload(true);
            if let Some(endpoint) = spec.option("endpointurl") {
                builder = builder.with_endpoint(endpoint);
                if endpoint.starts_with("http://") {
                    client = client.with_allow_http(true);
                }
            }
            if spec.flag("use_ssl")? == Some(false) {
                client = client.with_allow_http(true);
            }
            builder = builder.with_region(spec.option("region").map_or_else(
                || {
                    std::env::var("AWS_REGION")
                        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                        .unwrap_or_else(|_| "us-east-1".to_owned())
                },
                str::to_owned,
            ));
            let profile = spec
                .option("profile")
                .map(str::to_owned)
                .or_else(|| std::env::var("AWS_PROFILE").ok());
            if let Some(profile) = profile {
                let keys = profile_keys(spec, &profile)?;
                builder = builder
                    .with_access_key_id(keys.access_key_id)
                    .with_secret_access_key(keys.secret_access_key);
                if let Some(token) = keys.session_token {
                    builder = builder.with_token(token);
                }
            }
            if let Some(id) = spec.option("access_key_id") {
                builder = builder.with_access_key_id(id);
            }
            if let Some(secret) = spec.option("secret_access_key") {
                builder = builder.with_secret_access_key(secret);
            }
            if let Some(token) = spec.option("session_token") {
                builder = builder.with_token(token);
            }
            let store = builder
                .with_client_options(client)
                .build()
                .map_err(failed)?;
            Ok((Arc::new(store), prefix))
        }
        Scheme::Gcs { bucket, prefix } => {
            let store = gcs_builder(spec, bucket)
                .with_retry(retry)
                .with_client_options(client)
                .build()
                .map_err(failed)?;
            Ok((Arc::new(store), prefix))
        }
        Scheme::Azure { container, prefix } => {
            let mut builder = MicrosoftAzureBuilder::from_env()
                .with_container_name(container)
                .with_retry(retry);
            // A connection string (the remote's option, else DVC's environment variable)
            // names the account, its key or SAS and the endpoint — Azurite's, for one.
            let connection_string = spec
                .option("connection_string")
                .map(str::to_owned)
                .or_else(|| std::env::var("AZURE_STORAGE_CONNECTION_STRING").ok())
                .filter(|text| !text.trim().is_empty());
            if let Some(text) = connection_string {
                let parts = super::connection_string::parse(&text).map_err(|reason| {
                    RemoteError::BadOption {
                        option: "connection_string".to_owned(),
                        value: "(hidden)".to_owned(),
                        reason,
                    }
                })?;
                if parts.allow_http {
                    client = client.with_allow_http(true);
                }
                builder = parts.apply(builder);
            }
            if let Some(account) = spec.option("account_name") {
                builder = builder.with_account(account);
            }
            if let Some(key) = spec.option("account_key") {
                builder = builder.with_access_key(key);
            }
            for (option, config) in [
                (
                    "tenant_id",
                    object_store::azure::AzureConfigKey::AuthorityId,
                ),
                ("client_id", object_store::azure::AzureConfigKey::ClientId),
                (
                    "client_secret",
                    object_store::azure::AzureConfigKey::ClientSecret,
                ),
                ("sas_token", object_store::azure::AzureConfigKey::SasKey),
            ] {
                if let Some(value) = spec.option(option) {
                    builder = builder.with_config(config, value);
                }
            }
            let store = builder
                .with_client_options(client)
                .build()
                .map_err(failed)?;
            Ok((Arc::new(store), prefix))
        }
        Scheme::Local(path) => Err(RemoteError::BadUrl {
            url: path.display().to_string(),
            reason: "a local path is not object storage".to_owned(),
        }),
    }
}

/// A GCS client for `bucket` with the remote's credentials: the service account file of
/// `credentialpath`, else what the environment provides (`GOOGLE_APPLICATION_CREDENTIALS`,
/// application default credentials, the instance's metadata server).
fn gcs_builder(spec: &RemoteSpec, bucket: String) -> GoogleCloudStorageBuilder {
    let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
    if let Some(path) = spec.option("credentialpath") {
        builder = builder.with_service_account_path(path);
    }
    builder
}

/// An OAuth bearer token for GCS's JSON API, from the credentials a `gs://` remote with
/// these options would use. The JSON API is where an object's `etag` and generation, as
/// DVC records them, are read.
pub fn gcs_bearer_token(spec: &RemoteSpec) -> Result<String, RemoteError> {
    let Scheme::Gcs { bucket, .. } = spec.scheme()? else {
        return Err(RemoteError::BadUrl {
            url: spec.url.clone(),
            reason: "not a gs:// URL".to_owned(),
        });
    };
    let failed = |error: object_store::Error| RemoteError::Storage {
        remote: spec.url.clone(),
        key: String::new(),
        message: error.to_string(),
    };
    let store = gcs_builder(spec, bucket).build().map_err(failed)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| RemoteError::Runtime { source })?;
    let credential = runtime
        .block_on(store.credentials().get_credential())
        .map_err(|_| RemoteError::NoCredentials {
            remote: spec.url.clone(),
        })?;
    Ok(credential.bearer.clone())
}

/// Keys of one profile in the AWS shared credentials file.
struct ProfileKeys {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

/// Reads `[profile]` from the shared credentials file (`credentialpath`, else
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), as DVC's `profile` option does.
fn profile_keys(spec: &RemoteSpec, profile: &str) -> Result<ProfileKeys, RemoteError> {
    let path = spec
        .option("credentialpath")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").map(Into::into))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".aws/credentials"))
        })
        .unwrap_or_default();
    let bad = |reason: String| RemoteError::BadOption {
        option: "profile".to_owned(),
        value: profile.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad(format!("cannot read `{}`: {e}", path.display())))?;
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if in_profile {
            let value = value.trim().to_owned();
            match key.trim() {
                "aws_access_key_id" => id = Some(value),
                "aws_secret_access_key" => secret = Some(value),
                "aws_session_token" => token = Some(value),
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(ProfileKeys {
            access_key_id,
            secret_access_key,
            session_token: token,
        }),
        _ => Err(bad(format!(
            "`{}` has no keys for profile `{profile}`",
            path.display()
        ))),
    }
}
