//! Reads DVC's config (INI, as DVC's configobj writes it) at the levels DVC reads it: system,
//! global, the repository's `.dvc/config` and `.dvc/config.local`, later levels winning.

use std::path::{Path, PathBuf};

use kin_pipeline::ParsingConfig;

/// Why `.dvc/config` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DvcConfigError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` line {line}: `{key}` must be one of {allowed}, found `{value}`", path.display())]
    BadValue {
        path: PathBuf,
        line: usize,
        key: String,
        value: String,
        allowed: &'static str,
    },
}

/// The config files DVC reads, lowest precedence first: system, global (as platformdirs
/// places them on Linux), the repository's and the repository's local one.
fn config_files(dvc_dir: &Path) -> Vec<PathBuf> {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let system = env(crate::env::DVC_SYSTEM_CONFIG_DIR).unwrap_or_else(|| {
        let first = std::env::var(crate::env::XDG_CONFIG_DIRS)
            .ok()
            .and_then(|dirs| dirs.split(':').find(|d| !d.is_empty()).map(PathBuf::from));
        first
            .unwrap_or_else(|| PathBuf::from("/etc/xdg"))
            .join("dvc")
    });
    let global = env(crate::env::DVC_GLOBAL_CONFIG_DIR).or_else(|| {
        env(crate::env::XDG_CONFIG_HOME)
            .or_else(|| env(crate::env::HOME).map(|home| home.join(".config")))
            .map(|dir| dir.join("dvc"))
    });
    let mut files = vec![system.join("config")];
    files.extend(global.map(|dir| dir.join("config")));
    files.push(dvc_dir.join("config"));
    files.push(dvc_dir.join("config.local"));
    files
}

/// DVC's config, all levels merged (later levels win, key by key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DvcConfig {
    /// `[section]` and its settings, in file order.
    sections: Vec<(String, Vec<Setting>)>,
}

/// One `key = value` line and where it was read, for error messages.
#[derive(Debug, Clone, PartialEq)]
struct Setting {
    key: String,
    value: String,
    file: PathBuf,
    line: usize,
}

impl DvcConfig {
    pub fn load(dvc_dir: &Path) -> Result<Self, DvcConfigError> {
        let mut config = DvcConfig::default();
        for path in config_files(dvc_dir) {
            match std::fs::read_to_string(&path) {
                Ok(text) => config.merge_text(&text, &path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(DvcConfigError::Read { path, source }),
            }
        }
        Ok(config)
    }

    fn merge_text(&mut self, text: &str, path: &Path) {
        let mut section = String::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                // configobj quotes names with spaces: `['remote "s3"']` is `remote "s3"`.
                section = unquote(name.trim()).to_owned();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let entry = Setting {
                key: key.trim().to_owned(),
                value: unquote(value.trim()).to_owned(),
                file: path.to_path_buf(),
                line: index + 1,
            };
            match self.sections.iter_mut().find(|(s, _)| *s == section) {
                Some((_, entries)) => {
                    entries.retain(|s| s.key != entry.key);
                    entries.push(entry);
                }
                None => self.sections.push((section.clone(), vec![entry])),
            }
        }
    }

    /// A raw value, e.g. `value("cache", "type")`.
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.get(section, key).map(|s| s.value.as_str())
    }

    /// The `key = value` settings of one section (e.g. `remote "s3"`), each with the config
    /// file that set it (relative local paths are relative to that file's directory).
    pub fn section(&self, section: &str) -> Vec<(&str, &str, &Path)> {
        self.sections
            .iter()
            .filter(|(s, _)| s == section)
            .flat_map(|(_, entries)| entries.iter())
            .map(|s| (s.key.as_str(), s.value.as_str(), s.file.as_path()))
            .collect()
    }

    /// Every section name, in file order.
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(name, _)| name.as_str())
    }

    fn get(&self, section: &str, key: &str) -> Option<&Setting> {
        self.sections
            .iter()
            .find(|(s, _)| s == section)
            .and_then(|(_, entries)| entries.iter().find(|s| s.key == key))
    }

    /// `cache.type`: the ways to put cache objects into the workspace, in order of preference.
    pub fn link_types(&self) -> Result<Vec<kin_cache::link::LinkType>, DvcConfigError> {
        let setting = self.get("cache", "type");
        kin_cache::link::parse_link_types(setting.map(|s| s.value.as_str())).map_err(|_| {
            match setting {
                Some(setting) => bad(
                    setting,
                    "`reflink`, `hardlink`, `symlink`, `copy` (comma-separated)",
                ),
                None => DvcConfigError::BadValue {
                    path: PathBuf::from(".dvc/config"),
                    line: 0,
                    key: "type".to_owned(),
                    value: String::new(),
                    allowed: "a link type",
                },
            }
        })
    }

    /// The `[parsing]` section, which changes how dicts unpack into `cmd`.
    pub fn parsing(&self) -> Result<ParsingConfig, DvcConfigError> {
        let mut parsing = ParsingConfig::default();
        if let Some(setting) = self.get("parsing", "bool") {
            parsing.bool_optional = match setting.value.as_str() {
                "store_true" => false,
                "boolean_optional" => true,
                _ => return Err(bad(setting, "`store_true`, `boolean_optional`")),
            };
        }
        if let Some(setting) = self.get("parsing", "list") {
            parsing.list_append = match setting.value.as_str() {
                "nargs" => false,
                "append" => true,
                _ => return Err(bad(setting, "`nargs`, `append`")),
            };
        }
        Ok(parsing)
    }
}

fn bad(setting: &Setting, allowed: &'static str) -> DvcConfigError {
    DvcConfigError::BadValue {
        path: setting.file.clone(),
        line: setting.line,
        key: setting.key.clone(),
        value: setting.value.clone(),
        allowed,
    }
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_overrides_and_parsing_section() {
        let mut config = DvcConfig::default();
        config.merge_text(
            "[core]\n    remote = s3\n[parsing]\n    bool = store_true\n",
            Path::new("config"),
        );
        config.merge_text(
            "[parsing]\nbool = boolean_optional\nlist = append\n",
            Path::new("config.local"),
        );
        let parsing = config.parsing().expect("valid");
        assert!(parsing.bool_optional);
        assert!(parsing.list_append);
    }

    #[test]
    fn rejects_unknown_parsing_values() {
        let mut config = DvcConfig::default();
        config.merge_text("[parsing]\nlist = weird\n", Path::new("config"));
        assert!(config.parsing().is_err());
    }
}
