//! The remotes `.dvc/config` and `.dvc/config.local` define, as DVC reads them.

use std::path::Path;

use kin_remote::RemoteSpec;

use super::error::RemoteOpError;
use crate::DvcConfig;

/// A named remote with its resolved URL and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRemote {
    pub name: String,
    pub spec: RemoteSpec,
}

/// The section name DVC gives a remote.
pub(crate) fn section_name(name: &str) -> String {
    format!("remote \"{name}\"")
}

/// Every configured remote, in config order. Local paths are made absolute against the
/// directory of the config file that set them, as DVC does.
pub fn remotes(config: &DvcConfig) -> Vec<NamedRemote> {
    let mut names: Vec<&str> = config
        .section_names()
        .filter_map(|s| s.strip_prefix("remote \"")?.strip_suffix('"'))
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    names
        .into_iter()
        .filter_map(|name| named(config, name))
        .collect()
}

/// The default remote's name (`core.remote`), if any.
pub fn default_name(config: &DvcConfig) -> Option<&str> {
    config.value("core", "remote").filter(|n| !n.is_empty())
}

/// The remote called `name`, or the default one when `name` is `None`.
pub fn resolve(config: &DvcConfig, name: Option<&str>) -> Result<NamedRemote, RemoteOpError> {
    let name = match name {
        Some(name) => name,
        None => default_name(config).ok_or(RemoteOpError::NoDefaultRemote)?,
    };
    named(config, name).ok_or_else(|| RemoteOpError::UnknownRemote {
        name: name.to_owned(),
        known: remotes(config).into_iter().map(|r| r.name).collect(),
    })
}

fn named(config: &DvcConfig, name: &str) -> Option<NamedRemote> {
    let settings = config.section(&section_name(name));
    let (_, url, file) = settings.iter().rev().find(|(key, ..)| *key == "url")?;
    let options = settings
        .iter()
        .filter(|(key, ..)| *key != "url")
        .map(|(key, value, _)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    Some(NamedRemote {
        name: name.to_owned(),
        spec: RemoteSpec {
            url: absolute_url(url, file),
            options,
        },
    })
}

/// A relative local path is relative to the config file's directory; URLs stay as they are.
fn absolute_url(url: &str, config_file: &Path) -> String {
    if url.contains("://") || Path::new(url).is_absolute() {
        return url.to_owned();
    }
    let base = config_file.parent().unwrap_or(Path::new("."));
    let joined = base.join(url);
    normalize(&joined).display().to_string()
}

/// Resolves `..` and `.` without touching the file system (the remote may not exist yet).
pub(crate) fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str, local: &str) -> (tempfile::TempDir, DvcConfig) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config"), text).expect("write");
        std::fs::write(dir.path().join("config.local"), local).expect("write");
        let config = DvcConfig::load(dir.path()).expect("load");
        (dir, config)
    }

    #[test]
    fn reads_remotes_as_dvc_writes_them() {
        let (dir, config) = config(
            "[core]\n    remote = store\n['remote \"store\"']\n    url = ../../shared\n['remote \"s3\"']\n    url = s3://b/p\n    endpointurl = http://127.0.0.1:9\n",
            "['remote \"s3\"']\n    access_key_id = KEY\n",
        );
        let all = remotes(&config);
        assert_eq!(all.len(), 2);
        let store = resolve(&config, None).expect("default");
        assert_eq!(store.name, "store");
        let expected = normalize(&dir.path().join("../../shared"));
        assert_eq!(store.spec.url, expected.display().to_string());
        let s3 = resolve(&config, Some("s3")).expect("s3");
        assert_eq!(s3.spec.option("access_key_id"), Some("KEY"));
        assert_eq!(s3.spec.option("endpointurl"), Some("http://127.0.0.1:9"));
        assert!(matches!(
            resolve(&config, Some("nope")),
            Err(RemoteOpError::UnknownRemote { .. })
        ));
    }

    #[test]
    fn no_default() {
        let (_dir, config) = config("", "");
        assert!(matches!(
            resolve(&config, None),
            Err(RemoteOpError::NoDefaultRemote)
        ));
    }
}
