//! Edits one DVC config file (`.dvc/config` or `.dvc/config.local`) line by line, writing
//! what DVC's configobj would: `[core]`, `['remote "name"']`, four-space indented
//! `key = value`. Lines it does not touch stay as they are.

use std::path::{Path, PathBuf};

use super::error::RemoteOpError;

/// One config file's lines, ready to edit and write back atomically.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    lines: Vec<String>,
}

impl ConfigFile {
    /// Reads `path`; a missing file is empty.
    pub fn open(path: &Path) -> Result<Self, RemoteOpError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(RemoteOpError::ConfigIo {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Ok(ConfigFile {
            path: path.to_path_buf(),
            lines: text.lines().map(str::to_owned).collect(),
        })
    }

    /// Whether the file has a section called `section`.
    pub fn has_section(&self, section: &str) -> bool {
        self.section_span(section).is_some()
    }

    /// The value of `key` in `section`, if set in this file.
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        let (start, end) = self.section_span(section)?;
        self.lines[start + 1..end]
            .iter()
            .filter_map(|line| key_value(line))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_owned())
    }

    /// Sets `key` in `section`, adding the section at the end if it is new.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let line = format!("    {key} = {value}");
        let Some((start, end)) = self.section_span(section) else {
            self.lines.push(header(section));
            self.lines.push(line);
            return;
        };
        match (start + 1..end).find(|&i| key_value(&self.lines[i]).is_some_and(|(k, _)| k == key)) {
            Some(i) => self.lines[i] = line,
            None => {
                // After the section's last setting, before trailing blank lines.
                let mut at = end;
                while at > start + 1 && self.lines[at - 1].trim().is_empty() {
                    at -= 1;
                }
                self.lines.insert(at, line);
            }
        }
    }

    /// Removes `key` from `section`; whether it was there.
    pub fn unset(&mut self, section: &str, key: &str) -> bool {
        let Some((start, end)) = self.section_span(section) else {
            return false;
        };
        let found =
            (start + 1..end).find(|&i| key_value(&self.lines[i]).is_some_and(|(k, _)| k == key));
        if let Some(i) = found {
            self.lines.remove(i);
        }
        // configobj drops a section left empty.
        if let Some((start, end)) = self.section_span(section)
            && self.lines[start + 1..end]
                .iter()
                .all(|l| l.trim().is_empty())
        {
            self.lines.drain(start..end);
        }
        found.is_some()
    }

    /// Empties a section but keeps its place in the file; whether it was there.
    pub fn clear_section(&mut self, section: &str) -> bool {
        match self.section_span(section) {
            Some((start, end)) => {
                self.lines.drain(start + 1..end);
                true
            }
            None => false,
        }
    }

    /// Removes a whole section; whether it was there.
    pub fn remove_section(&mut self, section: &str) -> bool {
        match self.section_span(section) {
            Some((start, end)) => {
                self.lines.drain(start..end);
                true
            }
            None => false,
        }
    }

    /// Writes the file back: a temp file beside it, renamed into place.
    pub fn save(&self) -> Result<(), RemoteOpError> {
        let io_error = |source| RemoteOpError::ConfigIo {
            path: self.path.clone(),
            source,
        };
        let mut text = self.lines.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        kin_format::atomic_write::write_atomic(&self.path, text.as_bytes()).map_err(io_error)
    }

    /// The line range `[header, next header)` of `section`.
    fn section_span(&self, section: &str) -> Option<(usize, usize)> {
        let start = self
            .lines
            .iter()
            .position(|line| section_of(line).is_some_and(|s| s == section))?;
        let end = (start + 1..self.lines.len())
            .find(|&i| section_of(&self.lines[i]).is_some())
            .unwrap_or(self.lines.len());
        Some((start, end))
    }
}

/// configobj's header: names with spaces or quotes are wrapped in single quotes.
fn header(section: &str) -> String {
    if section.contains([' ', '"']) {
        format!("['{section}']")
    } else {
        format!("[{section}]")
    }
}

/// The section a header line opens, unquoted.
fn section_of(line: &str) -> Option<&str> {
    let name = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = name.strip_prefix(quote).and_then(|n| n.strip_suffix(quote)) {
            return Some(inner);
        }
    }
    Some(name)
}

fn key_value(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim();
    if trimmed.starts_with(['#', ';', '[']) {
        return None;
    }
    let (key, value) = trimmed.split_once('=')?;
    Some((key.trim(), value.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(initial: &str, edit: impl FnOnce(&mut ConfigFile)) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config");
        std::fs::write(&path, initial).expect("write");
        let mut file = ConfigFile::open(&path).expect("open");
        edit(&mut file);
        file.save().expect("save");
        std::fs::read_to_string(&path).expect("read")
    }

    #[test]
    fn writes_what_dvc_writes() {
        let out = edited("", |f| {
            f.set("core", "remote", "myrem");
            f.set("remote \"myrem\"", "url", "/tmp/remote1");
            f.set("remote \"s3r\"", "url", "s3://bucket/path");
            f.set("remote \"s3r\"", "endpointurl", "http://127.0.0.1:9000");
        });
        assert_eq!(
            out,
            "[core]\n    remote = myrem\n['remote \"myrem\"']\n    url = /tmp/remote1\n['remote \"s3r\"']\n    url = s3://bucket/path\n    endpointurl = http://127.0.0.1:9000\n"
        );
    }

    #[test]
    fn replaces_unsets_and_removes_keeping_the_rest() {
        let initial = "# mine\n[core]\n    remote = a\n    autostage = true\n['remote \"a\"']\n    url = /x\n";
        let out = edited(initial, |f| {
            assert_eq!(f.get("core", "remote").as_deref(), Some("a"));
            f.set("remote \"a\"", "url", "/y");
            assert!(f.unset("core", "remote"));
            assert!(!f.unset("core", "remote"));
        });
        assert_eq!(
            out,
            "# mine\n[core]\n    autostage = true\n['remote \"a\"']\n    url = /y\n"
        );
        let out = edited(initial, |f| {
            assert!(f.remove_section("remote \"a\""));
            f.unset("core", "remote");
            f.unset("core", "autostage");
        });
        assert_eq!(out, "# mine\n");
    }
}
