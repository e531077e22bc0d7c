//! Azure storage connection strings (`AccountName=…;AccountKey=…;BlobEndpoint=…`), as DVC
//! takes them from a remote's `connection_string` or `AZURE_STORAGE_CONNECTION_STRING`.

use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};

/// Azurite's well-known development account, which `UseDevelopmentStorage=true` names.
const DEVELOPMENT_ACCOUNT: &str = "devstoreaccount1";
const DEVELOPMENT_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// What a connection string says about the blob service.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ConnectionString {
    account: Option<String>,
    key: Option<String>,
    sas: Option<String>,
    endpoint: Option<String>,
    development: bool,
    /// Whether the blob endpoint is plain HTTP (an emulator on loopback, say).
    pub(super) allow_http: bool,
}

/// Reads `Key=Value` pairs separated by `;`. Keys are matched without regard to case, as
/// Azure's SDKs do; values keep theirs (an account key is base64 and may end in `=`).
pub(super) fn parse(text: &str) -> Result<ConnectionString, String> {
    let mut parts = ConnectionString::default();
    let mut protocol = None;
    let mut suffix = None;
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("`{}` is not a `Key=Value` pair", key_of(pair)));
        };
        let value = value.trim().to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "accountname" => parts.account = Some(value),
            "accountkey" => parts.key = Some(value),
            "sharedaccesssignature" => parts.sas = Some(value),
            "blobendpoint" => parts.endpoint = Some(value.trim_end_matches('/').to_owned()),
            "defaultendpointsprotocol" => protocol = Some(value),
            "endpointsuffix" => suffix = Some(value),
            "usedevelopmentstorage" => parts.development = value.eq_ignore_ascii_case("true"),
            // Other services' endpoints and the proxy of the development storage say
            // nothing about blobs.
            _ => {}
        }
    }
    if parts.development {
        parts
            .account
            .get_or_insert_with(|| DEVELOPMENT_ACCOUNT.to_owned());
        parts
            .endpoint
            .get_or_insert_with(|| DEVELOPMENT_ENDPOINT.to_owned());
    }
    if parts.account.is_none() && parts.endpoint.is_none() {
        return Err("it names neither an `AccountName` nor a `BlobEndpoint`".to_owned());
    }
    if parts.endpoint.is_none()
        && let (Some(account), Some(suffix)) = (&parts.account, &suffix)
    {
        let protocol = protocol.as_deref().unwrap_or("https");
        parts.endpoint = Some(format!("{protocol}://{account}.blob.{suffix}"));
    }
    parts.allow_http = parts
        .endpoint
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"));
    Ok(parts)
}

/// The key of a malformed pair, never its value (which may be a secret).
fn key_of(pair: &str) -> &str {
    pair.get(..pair.len().min(24)).unwrap_or("")
}

impl ConnectionString {
    /// The builder with the account, its credential and its endpoint.
    pub(super) fn apply(self, mut builder: MicrosoftAzureBuilder) -> MicrosoftAzureBuilder {
        if let Some(account) = self.account {
            builder = builder.with_account(account);
        }
        if let Some(key) = self.key {
            builder = builder.with_access_key(key);
        } else if let Some(sas) = self.sas {
            builder = builder.with_config(AzureConfigKey::SasKey, sas);
        } else if self.development {
            builder = builder.with_use_emulator(true);
        }
        if let Some(endpoint) = self.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azurite_and_cloud_strings() {
        let azurite = parse(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5==;\
             BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;",
        )
        .expect("parses");
        assert_eq!(azurite.account.as_deref(), Some("devstoreaccount1"));
        assert_eq!(azurite.key.as_deref(), Some("a2V5=="));
        assert_eq!(
            azurite.endpoint.as_deref(),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        assert!(azurite.allow_http);

        let cloud = parse(
            "accountname=acme;SharedAccessSignature=sv=2024&sig=x;EndpointSuffix=core.windows.net",
        )
        .expect("parses");
        assert_eq!(
            cloud.endpoint.as_deref(),
            Some("https://acme.blob.core.windows.net")
        );
        assert_eq!(cloud.sas.as_deref(), Some("sv=2024&sig=x"));
        assert!(!cloud.allow_http);

        let development = parse("UseDevelopmentStorage=true").expect("parses");
        assert_eq!(development.endpoint.as_deref(), Some(DEVELOPMENT_ENDPOINT));
    }

    #[test]
    fn malformed_strings_are_refused_without_their_secrets() {
        let error = parse("AccountName=acme;oops").expect_err("no value");
        assert!(error.contains("oops"), "{error}");
        assert!(parse("AccountKey=c2VjcmV0").is_err());
    }
}
