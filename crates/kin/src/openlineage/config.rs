//! Where events go, read as the OpenLineage clients read it: `OPENLINEAGE_DISABLED`, then
//! `OPENLINEAGE_URL` (with `OPENLINEAGE_ENDPOINT`, `OPENLINEAGE_API_KEY`), then the YAML file
//! `OPENLINEAGE_CONFIG` names, `openlineage.yml` in the repository, or
//! `~/.openlineage/openlineage.yml`, with an `http`, `file` or `console` transport.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

/// Where events are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// POSTed to `url` (the endpoint joined), with `Authorization: Bearer KEY` if a key is set.
    Http {
        url: String,
        api_key: Option<String>,
        timeout: Duration,
    },
    /// Appended as one JSON line each.
    File { path: PathBuf },
    /// Written to standard error, one JSON line each.
    Console,
}

/// Why the OpenLineage settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the OpenLineage settings {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the OpenLineage settings {} are not valid YAML: {reason}", path.display())]
    Yaml { path: PathBuf, reason: String },
    #[error("the OpenLineage settings {}: {reason}", path.display())]
    Setting { path: PathBuf, reason: String },
}

/// The default request timeout, as the Python client's.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The transport configured for the repository at `root`; `None` when OpenLineage is off.
/// `env` reads a variable (the process environment, or a test's).
pub fn load(
    root: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Transport>, ConfigError> {
    let set = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    if set("OPENLINEAGE_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    if let Some(url) = set("OPENLINEAGE_URL") {
        let endpoint = set("OPENLINEAGE_ENDPOINT").unwrap_or_else(|| "api/v1/lineage".to_owned());
        return Ok(Some(Transport::Http {
            url: join(&url, &endpoint),
            api_key: set("OPENLINEAGE_API_KEY"),
            timeout: DEFAULT_TIMEOUT,
        }));
    }
    let candidates = [
        set("OPENLINEAGE_CONFIG").map(PathBuf::from),
        Some(root.join("openlineage.yml")),
        set("HOME").map(|home| {
            Path::new(&home)
                .join(".openlineage")
                .join("openlineage.yml")
        }),
    ];
    for path in candidates.into_iter().flatten() {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        return from_yaml(&path, &text).map(Some);
    }
    Ok(None)
}

fn join(url: &str, endpoint: &str) -> String {
    format!(
        "{}/{}",
        url.trim_end_matches('/'),
        endpoint.trim_start_matches('/')
    )
}

fn from_yaml(path: &Path, text: &str) -> Result<Transport, ConfigError> {
    let node = kin_format::yaml::parse_yaml(text).map_err(|e| ConfigError::Yaml {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let doc = node.value.to_json();
    let setting = |reason: String| ConfigError::Setting {
        path: path.to_path_buf(),
        reason,
    };
    let transport = doc
        .get("transport")
        .ok_or_else(|| setting("there is no `transport`".to_owned()))?;
    let text = |key: &str| {
        transport
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match text("type").as_deref() {
        Some("http") => {
            let url =
                text("url").ok_or_else(|| setting("an http transport needs `url`".to_owned()))?;
            let endpoint = text("endpoint").unwrap_or_else(|| "api/v1/lineage".to_owned());
            let api_key = transport
                .get("auth")
                .filter(|auth| auth.get("type").and_then(Value::as_str) == Some("api_key"))
                .and_then(|auth| auth.get("apiKey").or_else(|| auth.get("api_key")))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let timeout = match transport.get("timeout") {
                None | Some(Value::Null) => DEFAULT_TIMEOUT,
                Some(value) => value
                    .as_f64()
                    .filter(|secs| *secs > 0.0 && secs.is_finite())
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| {
                        setting(format!("`timeout` is {value}; it is a number of seconds"))
                    })?,
            };
            Ok(Transport::Http {
                url: join(&url, &endpoint),
                api_key,
                timeout,
            })
        }
        Some("file") => {
            let file = text("log_file_path")
                .ok_or_else(|| setting("a file transport needs `log_file_path`".to_owned()))?;
            let base = path.parent().unwrap_or(Path::new("."));
            Ok(Transport::File {
                path: base.join(file),
            })
        }
        Some("console") => Ok(Transport::Console),
        Some(other) => Err(setting(format!(
            "the transport `{other}` is not one kin sends through: use http, file or console"
        ))),
        None => Err(setting("the transport has no `type`".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_environment_comes_first_and_can_switch_it_off() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(load(dir.path(), env(&[])).expect("load"), None);
        let http = load(
            dir.path(),
            env(&[
                ("OPENLINEAGE_URL", "http://marquez:5000/"),
                ("OPENLINEAGE_API_KEY", "k"),
            ]),
        )
        .expect("load");
        assert_eq!(
            http,
            Some(Transport::Http {
                url: "http://marquez:5000/api/v1/lineage".to_owned(),
                api_key: Some("k".to_owned()),
                timeout: DEFAULT_TIMEOUT,
            })
        );
        let off = load(
            dir.path(),
            env(&[
                ("OPENLINEAGE_URL", "http://x"),
                ("OPENLINEAGE_DISABLED", "TRUE"),
            ]),
        );
        assert_eq!(off.expect("load"), None);
    }

    #[test]
    fn the_yaml_file_names_a_transport() {
        let dir = tempfile::tempdir().expect("tmp");
        let write =
            |text: &str| std::fs::write(dir.path().join("openlineage.yml"), text).expect("write");
        write(
            "transport:\n  type: http\n  url: https://lineage.example\n  endpoint: /v2/events\n  timeout: 2.5\n  auth:\n    type: api_key\n    apiKey: s3cret\n",
        );
        assert_eq!(
            load(dir.path(), env(&[])).expect("load"),
            Some(Transport::Http {
                url: "https://lineage.example/v2/events".to_owned(),
                api_key: Some("s3cret".to_owned()),
                timeout: Duration::from_millis(2500),
            })
        );
        write("transport:\n  type: file\n  log_file_path: events.jsonl\n");
        assert_eq!(
            load(dir.path(), env(&[])).expect("load"),
            Some(Transport::File {
                path: dir.path().join("events.jsonl")
            })
        );
        write("transport:\n  type: kafka\n");
        let refused = load(dir.path(), env(&[])).expect_err("kafka").to_string();
        assert!(
            refused.contains("`kafka` is not one kin sends through"),
            "{refused}"
        );
        write("transport: [\n");
        assert!(load(dir.path(), env(&[])).is_err());
    }
}
