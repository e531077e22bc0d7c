//! Which project a repository's runs belong to, so that a store several repositories share
//! can tell them apart: `KIN_PROJECT`, else `[store] project` in `.kin/config.toml`, else a
//! name derived from the git remote `origin` (`acme/features` for
//! `git@github.com:acme/features.git`), else the repository directory's name.

use std::path::Path;

use super::LineageError;

/// The project of the repository at `root`.
pub fn project_name(root: &Path) -> Result<String, LineageError> {
    if let Ok(name) = std::env::var(crate::env::KIN_PROJECT)
        && !name.trim().is_empty()
    {
        return Ok(name.trim().to_owned());
    }
    if let Some(name) = configured(&crate::kin_config::load(root)?)? {
        return Ok(name);
    }
    if let Some(url) = super::context::git(root, &["remote", "get-url", "origin"])
        && let Some(name) = name_from_remote(&url)
    {
        return Ok(name);
    }
    Ok(root.file_name().map_or_else(
        || "project".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    ))
}

/// `[store] project` in the settings of `.kin/config.toml`, which must be a non-empty
/// string.
pub(super) fn configured(config: &toml::Table) -> Result<Option<String>, LineageError> {
    match config.get("store").and_then(|store| store.get("project")) {
        None => Ok(None),
        Some(toml::Value::String(name)) if !name.trim().is_empty() => {
            Ok(Some(name.trim().to_owned()))
        }
        Some(other) => Err(LineageError::StoreSetting {
            key: "project",
            expected: "a non-empty string",
            found: other.to_string(),
        }),
    }
}

/// The project a remote URL names: its last two path segments when it names a host
/// (`owner/repo`), its last one for a local path; `.git` and trailing slashes dropped.
fn name_from_remote(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    let (hosted, path) = if let Some((_, rest)) = url.split_once("://") {
        // scheme://[user@]host[:port]/path
        (true, rest.split_once('/').map_or("", |(_, path)| path))
    } else if let Some((host, path)) = url.split_once(':')
        && !host.contains('/')
        && host.len() > 1
    {
        // scp-like: [user@]host:path (a single letter before ':' is a Windows drive).
        (true, path)
    } else {
        (false, url)
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let keep = if hosted { 2 } else { 1 };
    let name = segments[segments.len().saturating_sub(keep)..].join("/");
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::name_from_remote;

    #[test]
    fn remote_urls_name_their_project() {
        for (url, name) in [
            ("git@github.com:acme/features.git", "acme/features"),
            ("https://github.com/acme/features.git", "acme/features"),
            ("https://gitlab.example/group/sub/training/", "sub/training"),
            ("ssh://git@host:2222/acme/pricing", "acme/pricing"),
            ("/srv/git/pricing.git", "pricing"),
            ("../pricing", "pricing"),
        ] {
            assert_eq!(name_from_remote(url).as_deref(), Some(name), "{url}");
        }
        assert_eq!(name_from_remote("https://host"), None);
    }
}
