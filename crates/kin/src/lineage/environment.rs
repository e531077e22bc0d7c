//! The environment a run saw: OS, kernel, CPU, GPUs, tool versions and, for stages that run
//! Python, the interpreter's installed packages. Content-hashed so identical ones are shared.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

use kin_store::Environment;

/// Facts about the machine, read once per command.
pub(crate) fn machine() -> Map<String, Value> {
    let mut facts = Map::new();
    facts.insert("os".to_owned(), json!(os_name()));
    facts.insert("arch".to_owned(), json!(std::env::consts::ARCH));
    facts.insert(
        "kernel".to_owned(),
        json!(read_trimmed("/proc/sys/kernel/osrelease")),
    );
    facts.insert("cpu".to_owned(), json!(cpu_model()));
    facts.insert(
        "cores".to_owned(),
        json!(std::thread::available_parallelism().map_or(1, |n| n.get())),
    );
    facts.insert("gpu".to_owned(), json!(gpus()));
    facts.insert(
        "tools".to_owned(),
        json!({"kin": env!("CARGO_PKG_VERSION")}),
    );
    facts
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                line.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        matches!(key.trim(), "model name" | "Model" | "Hardware").then(|| value.trim().to_owned())
    })
}

/// NVIDIA GPUs as the driver lists them (no process spawned: `nvidia-smi` takes ~100 ms).
fn gpus() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc/driver/nvidia/gpus") else {
        return Vec::new();
    };
    let mut models: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("information")).ok())
        .filter_map(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("Model:").map(|m| m.trim().to_owned()))
        })
        .collect();
    models.sort();
    models
}

/// The Python interpreter a command runs, if it runs one: a `python`, `python3` or
/// `python3.X` word (a path or a name looked up on `PATH`), or a `.py` script run directly.
pub(crate) fn interpreter_of(command: &str, cwd: &Path) -> Option<PathBuf> {
    for word in command.split_whitespace() {
        let word = word.trim_matches(|c| c == '"' || c == '\'');
        let name = word.rsplit('/').next().unwrap_or(word);
        let is_python = name
            .strip_prefix("python")
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'));
        if is_python {
            return if word.contains('/') {
                Some(cwd.join(word))
            } else {
                on_path(word)
            };
        }
    }
    let first = command.split_whitespace().next()?;
    first.ends_with(".py").then(|| on_path("python3")).flatten()
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os(crate::env::PATH)?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Lists the interpreter's version and installed distributions (`name==version`, sorted by
/// name, as `pip freeze` does), or `None` if it cannot be run.
pub(crate) fn python_packages(interpreter: &Path) -> Option<Value> {
    const LIST: &str = r#"
import sys, importlib.metadata as m
print(sys.version.split()[0])
seen = {}
for d in m.distributions():
    name = d.metadata["Name"]
    if name and name.lower() not in seen:
        seen[name.lower()] = f"{name}=={d.version}"
for key in sorted(seen):
    print(seen[key])
"#;
    let output = Command::new(interpreter)
        .args(["-I", "-c", LIST])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let version = lines.next()?.to_owned();
    let packages: Vec<&str> = lines.collect();
    Some(json!({
        "executable": interpreter.to_string_lossy(),
        "version": version,
        "packages": packages,
    }))
}

/// An environment record: the machine facts plus the Python section if any, identified by the
/// sha256 of its JSON text.
pub(crate) fn environment(machine: &Map<String, Value>, python: Option<&Value>) -> Environment {
    let mut body = machine.clone();
    if let Some(python) = python {
        body.insert("python".to_owned(), python.clone());
    }
    let body = Value::Object(body);
    let hash = crate::digest::sha256_hex(&body.to_string());
    Environment { hash, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_python_a_command_runs() {
        let cwd = Path::new("/repo");
        assert_eq!(
            interpreter_of("./venv/bin/python3.11 train.py", cwd),
            Some(PathBuf::from("/repo/./venv/bin/python3.11"))
        );
        assert_eq!(
            interpreter_of("/usr/bin/python -m src.train", cwd),
            Some(PathBuf::from("/usr/bin/python"))
        );
        assert_eq!(interpreter_of("bash prepare.sh", cwd), None);
        assert_eq!(interpreter_of("pythonista run", cwd), None);
    }

    #[test]
    fn lists_the_packages_of_a_python() {
        let Some(python) = on_path("python3") else {
            eprintln!("skipped: no python3 on PATH");
            return;
        };
        let listed = python_packages(&python).expect("python3 runs");
        assert!(
            listed["version"]
                .as_str()
                .is_some_and(|v| v.starts_with('3'))
        );
        assert!(listed["packages"].is_array());
    }

    #[test]
    fn equal_environments_share_a_hash() {
        let facts = machine();
        let a = environment(&facts, None);
        let b = environment(&facts, None);
        assert_eq!(a.hash, b.hash);
        let with_python = environment(&facts, Some(&json!({"version": "3.11.2"})));
        assert_ne!(a.hash, with_python.hash);
    }
}
