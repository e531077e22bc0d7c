//! `kin remote add/modify/default/remove`: the changes `dvc remote` makes to
//! `.dvc/config` (or `.dvc/config.local` with `--local`).

use std::path::{Path, PathBuf};

use kin_remote::{RemoteSpec, Scheme};

use super::config::{normalize, section_name};
use super::config_edit::ConfigFile;
use super::error::RemoteOpError;
use crate::Repo;

/// Which config file a change goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfigLevel {
    /// `.dvc/config`, committed with the project.
    #[default]
    Project,
    /// `.dvc/config.local`, git-ignored: credentials and personal settings.
    Local,
}

impl ConfigLevel {
    fn path(self, repo: &Repo) -> PathBuf {
        let dvc = repo.root().join(".dvc");
        match self {
            ConfigLevel::Project => dvc.join("config"),
            ConfigLevel::Local => dvc.join("config.local"),
        }
    }
}

/// Options every remote takes (DVC's `REMOTE_COMMON`).
const COMMON: &[&str] = &[
    "url",
    "checksum_jobs",
    "jobs",
    "worktree",
    "no_traverse",
    "version_aware",
];
const LOCAL: &[&str] = &["type", "protected", "shared", "slow_link_warning", "verify"];
const S3: &[&str] = &[
    "region",
    "profile",
    "credentialpath",
    "configpath",
    "endpointurl",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "listobjects",
    "use_ssl",
    "allow_anonymous_login",
    "ssl_verify",
    "sse",
    "sse_kms_key_id",
    "sse_customer_algorithm",
    "sse_customer_key",
    "acl",
    "grant_read",
    "grant_read_acp",
    "grant_write_acp",
    "grant_full_control",
    "cache_regions",
    "read_timeout",
    "connect_timeout",
    "verify",
];
const GS: &[&str] = &[
    "projectname",
    "credentialpath",
    "endpointurl",
    "verify",
    "allow_anonymous_login",
];
const AZURE: &[&str] = &[
    "connection_string",
    "sas_token",
    "account_name",
    "account_key",
    "tenant_id",
    "client_id",
    "client_secret",
    "allow_anonymous_login",
    "exclude_environment_credential",
    "exclude_visual_studio_code_credential",
    "exclude_shared_token_cache_credential",
    "exclude_managed_identity_credential",
    "verify",
    "timeout",
    "read_timeout",
    "connection_timeout",
];

/// Refuses options DVC's config schema would reject, so DVC can still read the config.
fn check_option(url: &str, option: &str) -> Result<(), RemoteOpError> {
    let (kind, allowed): (&'static str, &[&str]) = match RemoteSpec::new(url).scheme()? {
        Scheme::Local(_) => ("local", LOCAL),
        Scheme::S3 { .. } => ("s3", S3),
        Scheme::Gcs { .. } => ("gs", GS),
        Scheme::Azure { .. } => ("azure", AZURE),
    };
    if COMMON.contains(&option) || allowed.contains(&option) {
        Ok(())
    } else {
        Err(RemoteOpError::UnknownOption {
            option: option.to_owned(),
            kind,
        })
    }
}

/// A local path as DVC stores it: relative paths (typed in `cwd`) become relative to the
/// directory of the config file; absolute paths and URLs stay as given.
fn stored_url(url: &str, cwd: &Path, config_file: &Path) -> String {
    if url.contains("://") || Path::new(url).is_absolute() {
        return url.to_owned();
    }
    let cwd = std::path::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let target = normalize(&cwd.join(url));
    let base = normalize(config_file.parent().unwrap_or(Path::new(".")));
    relative_to(&target, &base).display().to_string()
}

/// `path` relative to `base` (both absolute and normalized), with `..` as needed.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &path[common..] {
        out.push(part);
    }
    out
}

/// `kin remote add [-d] [-f] NAME URL`.
pub fn add_remote(
    repo: &Repo,
    level: ConfigLevel,
    cwd: &Path,
    name: &str,
    url: &str,
    make_default: bool,
    force: bool,
) -> Result<(), RemoteOpError> {
    RemoteSpec::new(url).scheme()?;
    let path = level.path(repo);
    let mut file = ConfigFile::open(&path)?;
    let section = section_name(name);
    if file.has_section(&section) {
        if !force {
            return Err(RemoteOpError::RemoteExists {
                name: name.to_owned(),
            });
        }
        // As DVC: the remote is replaced where it stands, its old options dropped.
        file.clear_section(&section);
    }
    if make_default {
        file.set("core", "remote", name);
    }
    file.set(&section, "url", &stored_url(url, cwd, &path));
    file.save()
}

/// `kin remote modify NAME OPTION VALUE`, or with `value` `None` (`--unset`) removes it.
pub fn modify_remote(
    repo: &Repo,
    level: ConfigLevel,
    cwd: &Path,
    name: &str,
    option: &str,
    value: Option<&str>,
) -> Result<(), RemoteOpError> {
    let merged = repo.config();
    let remote = super::config::resolve(merged, Some(name))?;
    check_option(&remote.spec.url, option)?;
    let path = level.path(repo);
    let mut file = ConfigFile::open(&path)?;
    let section = section_name(name);
    match value {
        Some(value) if option == "url" => {
            file.set(&section, option, &stored_url(value, cwd, &path))
        }
        Some(value) => file.set(&section, option, value),
        None => {
            if !file.unset(&section, option) {
                return Err(RemoteOpError::OptionNotSet {
                    name: name.to_owned(),
                    option: option.to_owned(),
                });
            }
        }
    }
    file.save()
}

/// `kin remote remove NAME`: its section, and `core.remote` if it named it.
pub fn remove_remote(repo: &Repo, level: ConfigLevel, name: &str) -> Result<(), RemoteOpError> {
    let path = level.path(repo);
    let mut file = ConfigFile::open(&path)?;
    if !file.remove_section(&section_name(name)) {
        return Err(RemoteOpError::UnknownRemote {
            name: name.to_owned(),
            known: super::config::remotes(repo.config())
                .into_iter()
                .map(|r| r.name)
                .collect(),
        });
    }
    if file.get("core", "remote").as_deref() == Some(name) {
        file.unset("core", "remote");
    }
    file.save()
}

/// `kin remote default NAME` or, with `None`, `--unset`.
pub fn set_default(
    repo: &Repo,
    level: ConfigLevel,
    name: Option<&str>,
) -> Result<(), RemoteOpError> {
    let path = level.path(repo);
    let mut file = ConfigFile::open(&path)?;
    match name {
        Some(name) => {
            super::config::resolve(repo.config(), Some(name))?;
            file.set("core", "remote", name);
        }
        None => {
            file.unset("core", "remote");
        }
    }
    file.save()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_are_stored_relative_to_the_config_file() {
        let config = Path::new("/repo/.dvc/config");
        assert_eq!(
            stored_url("../rel", Path::new("/repo"), config),
            "../../rel"
        );
        assert_eq!(
            stored_url("store", Path::new("/repo/sub"), config),
            "../sub/store"
        );
        assert_eq!(stored_url("/abs/x", Path::new("/repo"), config), "/abs/x");
        assert_eq!(
            stored_url("s3://b/p", Path::new("/repo"), config),
            "s3://b/p"
        );
    }

    #[test]
    fn options_are_checked_against_dvc_schema() {
        assert!(check_option("s3://b", "endpointurl").is_ok());
        assert!(check_option("s3://b", "jobs").is_ok());
        assert!(matches!(
            check_option("/local", "endpointurl"),
            Err(RemoteOpError::UnknownOption { kind: "local", .. })
        ));
        assert!(check_option("gs://b", "credentialpath").is_ok());
        assert!(check_option("azure://c", "bogus").is_err());
    }
}
