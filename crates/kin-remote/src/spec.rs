//! A remote as `.dvc/config` describes it: a URL and its options.

use std::path::PathBuf;

use crate::RemoteError;

/// A remote's URL and its `key = value` options, as DVC's config holds them. Relative local
/// paths must already be resolved against the config file that named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSpec {
    pub url: String,
    pub options: Vec<(String, String)>,
}

/// Which storage a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
    Gcs { bucket: String, prefix: String },
    Azure { container: String, prefix: String },
}

impl RemoteSpec {
    pub fn new(url: impl Into<String>) -> Self {
        RemoteSpec {
            url: url.into(),
            options: Vec::new(),
        }
    }

    /// The value of an option (the last one set wins, as in DVC's merged config).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// An option read as DVC reads booleans (`true`/`false`, any case; also `1`/`0`).
    pub fn flag(&self, key: &str) -> Result<Option<bool>, RemoteError> {
        let Some(value) = self.option(key) else {
            return Ok(None);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            _ => Err(RemoteError::BadOption {
                option: key.to_owned(),
                value: value.to_owned(),
                reason: "expected true or false".to_owned(),
            }),
        }
    }

    /// What kind of storage the URL names.
    pub fn scheme(&self) -> Result<Scheme, RemoteError> {
        let url = self.url.as_str();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Ok(Scheme::Local(PathBuf::from(url)));
        };
        let (bucket, prefix) = match rest.split_once('/') {
            Some((bucket, prefix)) => (bucket.to_owned(), prefix.trim_matches('/').to_owned()),
            None => (rest.to_owned(), String::new()),
        };
        let bad = |reason: &str| RemoteError::BadUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        match scheme {
            "file" => Ok(Scheme::Local(PathBuf::from(rest))),
            "s3" | "gs" | "azure" if bucket.is_empty() => Err(bad("it names no bucket")),
            "s3" => Ok(Scheme::S3 { bucket, prefix }),
            "gs" => Ok(Scheme::Gcs { bucket, prefix }),
            "azure" => Ok(Scheme::Azure {
                container: bucket,
                prefix,
            }),
            other => Err(bad(&format!(
                "kin speaks local paths, s3://, gs:// and azure://, not {other}://"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        let s3 = RemoteSpec::new("s3://bucket/some/prefix/").scheme();
        assert_eq!(
            s3.ok(),
            Some(Scheme::S3 {
                bucket: "bucket".into(),
                prefix: "some/prefix".into()
            })
        );
        assert_eq!(
            RemoteSpec::new("gs://b").scheme().ok(),
            Some(Scheme::Gcs {
                bucket: "b".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            RemoteSpec::new("/mnt/r").scheme().ok(),
            Some(Scheme::Local("/mnt/r".into()))
        );
        assert!(matches!(
            RemoteSpec::new("ssh://host/x").scheme(),
            Err(RemoteError::BadUrl { .. })
        ));
        assert!(matches!(
            RemoteSpec::new("s3:///x").scheme(),
            Err(RemoteError::BadUrl { .. })
        ));
    }

    #[test]
    fn options_and_flags() {
        let mut spec = RemoteSpec::new("s3://b");
        spec.options.push(("use_ssl".into(), "False".into()));
        spec.options.push(("region".into(), "a".into()));
        spec.options.push(("region".into(), "b".into()));
        assert_eq!(spec.flag("use_ssl").ok(), Some(Some(false)));
        assert_eq!(spec.option("region"), Some("b"));
        spec.options.push(("ssl_verify".into(), "maybe".into()));
        assert!(spec.flag("ssl_verify").is_err());
    }
}
