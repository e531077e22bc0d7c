//! Reads the parts of `.dvc/config` (INI, as DVC's configobj writes it) that kin needs.

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

/// `.dvc/config` merged with `.dvc/config.local` (local wins).
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
        for name in ["config", "config.local"] {
            let path = dvc_dir.join(name);
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
