//! `kin remote add/modify/list/default/remove`: the same `.dvc/config` edits as `dvc remote`.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use kin::remote::ConfigLevel;
use serde_json::json;

use crate::command_error::CommandError;
use crate::printer::{JsonStyle, Printer};

#[derive(Debug, Args)]
pub struct RemoteArgs {
    #[command(subcommand)]
    pub command: RemoteCommand,
}

#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Add a remote: a local path, `s3://bucket/prefix`, `gs://bucket/prefix` or `azure://container/prefix`.
    Add(RemoteAddArgs),
    /// Set (or with `--unset` remove) an option of a remote, e.g. `endpointurl`, `region`, `profile`.
    Modify(RemoteModifyArgs),
    /// List the remotes: name, URL and which is the default.
    List(RemoteListArgs),
    /// Print the default remote, or set it.
    Default(RemoteDefaultArgs),
    /// Remove a remote (and the default setting if it named it).
    Remove(RemoteRemoveArgs),
}

/// Which config file a change goes to.
#[derive(Debug, Args)]
pub struct LevelArgs {
    /// Write `.dvc/config.local` (git-ignored: credentials) instead of `.dvc/config`.
    #[arg(long)]
    pub local: bool,
}

#[derive(Debug, Args)]
pub struct RemoteAddArgs {
    pub name: String,
    /// Where objects go; relative local paths are relative to the current directory.
    pub url: String,
    /// Also make it the default remote.
    #[arg(short = 'd', long = "default")]
    pub default: bool,
    /// Replace a remote of the same name.
    #[arg(short, long)]
    pub force: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteModifyArgs {
    pub name: String,
    pub option: String,
    /// The value (omit with `--unset`).
    #[arg(required_unless_present = "unset")]
    pub value: Option<String>,
    /// Remove the option instead of setting it.
    #[arg(short, long, conflicts_with = "value")]
    pub unset: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteListArgs {
    /// Print `[{"name", "url", "default"}]`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemoteDefaultArgs {
    /// The remote to make the default; without it, print the current default.
    pub name: Option<String>,
    /// Clear the default.
    #[arg(short, long, conflicts_with = "name")]
    pub unset: bool,
    #[command(flatten)]
    pub level: LevelArgs,
}

#[derive(Debug, Args)]
pub struct RemoteRemoveArgs {
    pub name: String,
    #[command(flatten)]
    pub level: LevelArgs,
}

pub fn cmd_remote(printer: Printer, cwd: &Path, args: &RemoteArgs) -> Result<(), CommandError> {
    let repo = kin::Repo::discover(cwd)?;
    match &args.command {
        RemoteCommand::Add(add) => {
            kin::remote::add_remote(
                &repo,
                level(&add.level),
                cwd,
                &add.name,
                &add.url,
                add.default,
                add.force,
            )?;
            if add.default {
                writeln!(
                    printer.status(),
                    "Setting '{}' as a default remote.",
                    add.name
                )?;
            }
        }
        RemoteCommand::Modify(modify) => kin::remote::modify_remote(
            &repo,
            level(&modify.level),
            cwd,
            &modify.name,
            &modify.option,
            modify.value.as_deref().filter(|_| !modify.unset),
        )?,
        RemoteCommand::List(list) => {
            let config = repo.config();
            let default = kin::remote::default_name(config);
            let remotes = kin::remote::remotes(config);
            if list.json {
                let rows: Vec<_> = remotes
                    .iter()
                    .map(|r| json!({"name": r.name, "url": r.spec.url, "default": Some(r.name.as_str()) == default}))
                    .collect();
                printer.json(&serde_json::Value::Array(rows), JsonStyle::Compact)?;
            } else {
                let mut out = printer.stdout();
                for remote in &remotes {
                    let mut line = format!("{}\t{}", remote.name, remote.spec.url);
                    if Some(remote.name.as_str()) == default {
                        line.push_str("\t(default)");
                    }
                    writeln!(out, "{}", expand_tabs(&line))?;
                }
            }
        }
        RemoteCommand::Default(default) => {
            if default.unset {
                kin::remote::set_default(&repo, level(&default.level), None)?;
            } else if let Some(name) = &default.name {
                kin::remote::set_default(&repo, level(&default.level), Some(name))?;
            } else {
                match kin::remote::default_name(repo.config()) {
                    Some(name) => writeln!(printer.stdout(), "{name}")?,
                    None => {
                        return Err(CommandError::failure("no default remote is set").with_hint(
                            "set one with `kin remote default NAME` or `kin remote add -d NAME URL`",
                        ));
                    }
                }
            }
        }
        RemoteCommand::Remove(remove) => {
            kin::remote::remove_remote(&repo, level(&remove.level), &remove.name)?;
        }
    }
    Ok(())
}

fn level(args: &LevelArgs) -> ConfigLevel {
    if args.local {
        ConfigLevel::Local
    } else {
        ConfigLevel::Project
    }
}

/// Tabs expanded to 8-column stops, as DVC's `remote list` prints its columns.
fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    for (index, part) in line.split('\t').enumerate() {
        if index > 0 {
            let pad = 8 - out.chars().count() % 8;
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::expand_tabs;

    #[test]
    fn tabs_expand_like_python() {
        assert_eq!(
            expand_tabs("myrem\t/tmp/rel\t(default)"),
            "myrem   /tmp/rel        (default)"
        );
        assert_eq!(
            expand_tabs("s3r\ts3://bucket/path"),
            "s3r     s3://bucket/path"
        );
        assert_eq!(expand_tabs("exactly8\tx"), "exactly8        x");
    }
}
