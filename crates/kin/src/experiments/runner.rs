//! Running experiments: each in its own git worktree of the baseline under
//! `.kin/tmp/exps/NAME`, with the workspace's uncommitted changes carried over, the params
//! set, the repository's cache shared (a symlink), and `kin repro` recording its runs in the
//! repository's lineage store tagged `exp=NAME`. The result is committed on top of the
//! baseline under the experiment's ref; the worktree goes. The user's working tree is never
//! touched. Several experiments run at once, one worktree each.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::ExpError;
use super::params_edit::set_param;
use super::refs::{ExpRef, refname};
use super::sweep::Assignment;
use crate::Repo;
use crate::git::{git_command, git_output};

/// How experiments run in this repository: the `kin` binary and the environment that sends
/// their runs to the repository's store under its project.
pub struct Executor {
    root: PathBuf,
    /// The repository's directory inside its git worktree (`` or `sub/dir/`): a worktree
    /// holds the whole git tree, the repository is there.
    prefix: String,
    /// The `kin` binary to run `checkout` and `repro` with.
    kin: PathBuf,
    env: Vec<(String, String)>,
    /// Whether git knows who commits (else experiments are committed as `kin`).
    has_identity: bool,
}

/// The workspace as an experiment starts from it: the baseline commit, and the files that
/// differed from it, copied from `carried_root` (`false`: deleted there).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub baseline: String,
    /// Stages or `dvc.yaml` files to reproduce (all when empty).
    pub targets: Vec<String>,
    pub carried_root: PathBuf,
    pub carried: Vec<(String, bool)>,
}

impl Snapshot {
    /// The workspace now: HEAD, its uncommitted changes, and the files git does not track
    /// and does not ignore.
    pub fn of_workspace(
        repo: &Repo,
        baseline: String,
        targets: Vec<String>,
    ) -> Result<Snapshot, ExpError> {
        let root = repo.root().to_path_buf();
        // Both name paths from the repository's directory: `--relative` makes `git diff` do
        // so (it would name them from the top of the git tree), `ls-files` always does.
        let changed = git_in(
            &root,
            &[
                "diff",
                "--name-only",
                "--relative",
                "-z",
                "--no-renames",
                "HEAD",
                "--",
                ".",
            ],
        )?;
        let untracked = git_in(
            &root,
            &[
                "ls-files",
                "-z",
                "--others",
                "--exclude-standard",
                "--",
                ".",
            ],
        )?;
        let carried = paths(&changed)
            .into_iter()
            .chain(paths(&untracked))
            .map(|rel| {
                let exists = root.join(&rel).exists();
                (rel, exists)
            })
            .collect();
        Ok(Snapshot {
            baseline,
            targets,
            carried_root: root,
            carried,
        })
    }
}

/// One experiment to run, from its snapshot.
#[derive(Debug, Clone)]
pub struct Job {
    pub snapshot: Arc<Snapshot>,
    pub planned: Planned,
}

/// One experiment to run.
#[derive(Debug, Clone)]
pub struct Planned {
    pub name: String,
    pub assignment: Assignment,
}

/// How one experiment went.
#[derive(Debug)]
pub struct Outcome {
    pub planned: Planned,
    pub result: Result<ExpRef, ExpError>,
}

fn git_in(dir: &Path, args: &[&str]) -> Result<Vec<u8>, ExpError> {
    Ok(git_output(dir, args)?)
}

/// Paths from NUL-separated git output.
fn paths(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

impl Executor {
    pub fn new(repo: &Repo, kin: PathBuf) -> Result<Executor, ExpError> {
        let root = repo.root().to_path_buf();
        let store = crate::lineage::store_location(&root)?;
        let project = crate::lineage::project_name(&root)?;
        let store_url = match store {
            kin_store::StoreLocation::Sqlite(path) => path.display().to_string(),
            kin_store::StoreLocation::Postgres(url) => url,
        };
        let env = vec![
            (crate::env::KIN_STORE_URL.to_owned(), store_url),
            (crate::env::KIN_PROJECT.to_owned(), project),
        ];
        let prefix = String::from_utf8_lossy(&git_in(&root, &["rev-parse", "--show-prefix"])?)
            .trim()
            .to_owned();
        let has_identity = !git_command(&root, &["config", "user.email"])?
            .stdout
            .is_empty();
        Ok(Executor {
            root,
            prefix,
            kin,
            env,
            has_identity,
        })
    }

    /// Runs `planned` with up to `jobs` at once, in order of completion.
    pub fn run_all(
        &self,
        planned: Vec<Job>,
        jobs: usize,
        report: &(dyn Fn(&Outcome) + Sync),
    ) -> Vec<Outcome> {
        let next = AtomicUsize::new(0);
        let outcomes = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..jobs.max(1).min(planned.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(one) = planned.get(i) else { break };
                        let outcome = Outcome {
                            result: self.run_one(&one.snapshot, &one.planned),
                            planned: one.planned.clone(),
                        };
                        report(&outcome);
                        outcomes
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(outcome);
                    }
                });
            }
        });
        outcomes.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn run_one(&self, snapshot: &Snapshot, planned: &Planned) -> Result<ExpRef, ExpError> {
        let dir = self
            .root
            .join(".kin")
            .join("tmp")
            .join("exps")
            .join(&planned.name);
        let worktree = Worktree::add(&self.root, &dir, &snapshot.baseline)?;
        let work = worktree.dir.join(&self.prefix);
        self.prepare(&work, snapshot, planned)?;
        self.kin(&work, &["checkout", "-q"], &planned.name)?;
        let mut repro = vec!["repro", "-q"];
        repro.extend(snapshot.targets.iter().map(String::as_str));
        self.kin(&work, &repro, &planned.name)?;
        git_in(&worktree.dir, &["add", "-A", "--", "."])?;
        let message = format!("kin: experiment {}", planned.name);
        let mut commit = Command::new("git");
        // The repository's hooks (`dvc install`'s among them) are the user's workflow, not
        // kin's bookkeeping: they do not run for experiment worktrees and commits.
        commit.arg("-C").arg(&worktree.dir).args([
            "-c",
            NO_HOOKS,
            "commit",
            "-q",
            "--allow-empty",
            "--no-verify",
            "-m",
            &message,
        ]);
        if !self.has_identity {
            commit.envs([
                ("GIT_AUTHOR_NAME", "kin"),
                ("GIT_AUTHOR_EMAIL", "kin@localhost"),
                ("GIT_COMMITTER_NAME", "kin"),
                ("GIT_COMMITTER_EMAIL", "kin@localhost"),
            ]);
        }
        let out = commit
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ExpError::Io {
                path: worktree.dir.clone(),
                source,
            })?;
        if !out.status.success() {
            return Err(ExpError::Failed {
                name: planned.name.clone(),
                step: "git commit".to_owned(),
                output: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let commit = String::from_utf8_lossy(&git_in(&worktree.dir, &["rev-parse", "HEAD"])?)
            .trim()
            .to_owned();
        let exp = ExpRef {
            baseline: snapshot.baseline.clone(),
            name: planned.name.clone(),
            commit,
        };
        // The ref is created only if no other experiment took the name meanwhile.
        git_in(
            &self.root,
            &[
                "update-ref",
                &refname(&exp.baseline, &exp.name),
                &exp.commit,
                "",
            ],
        )?;
        Ok(exp)
    }

    /// The workspace's changes, the shared cache and the experiment's params.
    fn prepare(&self, dir: &Path, snapshot: &Snapshot, planned: &Planned) -> Result<(), ExpError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ExpError::Io { path, source }
        };
        for (rel, exists) in &snapshot.carried {
            let to = dir.join(rel);
            if *exists {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(io(parent))?;
                }
                std::fs::copy(snapshot.carried_root.join(rel), &to).map_err(io(&to))?;
            } else if to.exists() {
                std::fs::remove_file(&to).map_err(io(&to))?;
            }
        }
        let cache = self.root.join(".dvc").join("cache");
        std::fs::create_dir_all(&cache).map_err(io(&cache))?;
        let link = dir.join(".dvc").join("cache");
        if !link.exists() {
            std::os::unix::fs::symlink(&cache, &link).map_err(io(&link))?;
        }
        for (file, key, value) in &planned.assignment {
            set_param(&dir.join(file), file, key, value)?;
        }
        Ok(())
    }

    fn kin(&self, dir: &Path, args: &[&str], name: &str) -> Result<(), ExpError> {
        let mut tags = format!("exp={name}");
        if let Ok(more) = std::env::var(crate::env::KIN_TAGS)
            && !more.trim().is_empty()
        {
            tags = format!("{more},{tags}");
        }
        let out = Command::new(&self.kin)
            .args(args)
            .current_dir(dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env(crate::env::KIN_TAGS, tags)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ExpError::Io {
                path: self.kin.clone(),
                source,
            })?;
        if out.status.success() {
            return Ok(());
        }
        Err(ExpError::Failed {
            name: name.to_owned(),
            step: format!("kin {}", args.join(" ")),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

/// Turns the repository's git hooks off for one command.
const NO_HOOKS: &str = "core.hooksPath=/dev/null";

/// A git worktree, removed again when dropped.
struct Worktree {
    root: PathBuf,
    dir: PathBuf,
}

/// Held while git changes `.git/worktrees`: removing the last worktree deletes that
/// directory, and a `worktree add` running at that moment in another thread fails with
/// "could not create directory of '.git/worktrees/NAME'". Experiments run side by side with
/// `-j`, so their worktrees are added and removed one at a time.
static WORKTREE_ADMIN: Mutex<()> = Mutex::new(());

/// Tries of `git worktree add`: another kin process (a second `kin exp run`, `kin queue
/// start`) may be changing `.git/worktrees` at the same moment.
const ADD_TRIES: u32 = 3;

impl Worktree {
    fn add(root: &Path, dir: &Path, commit: &str) -> Result<Worktree, ExpError> {
        let _admin = WORKTREE_ADMIN
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if dir.exists() {
            // Left by a run that was killed: not the user's, and in the way.
            let _ = git_command(
                root,
                &["worktree", "remove", "--force", &dir.to_string_lossy()],
            );
            let _ = std::fs::remove_dir_all(dir);
        }
        let _ = git_command(root, &["worktree", "prune"]);
        let add = || {
            git_in(
                root,
                &[
                    "-c",
                    NO_HOOKS,
                    "worktree",
                    "add",
                    "--quiet",
                    "--detach",
                    &dir.to_string_lossy(),
                    commit,
                ],
            )
        };
        let mut tries = 1;
        while let Err(error) = add() {
            if tries == ADD_TRIES {
                return Err(error);
            }
            tries += 1;
            let _ = std::fs::remove_dir_all(dir);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Ok(Worktree {
            root: root.to_path_buf(),
            dir: dir.to_path_buf(),
        })
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let _admin = WORKTREE_ADMIN
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _ = git_command(
            &self.root,
            &["worktree", "remove", "--force", &self.dir.to_string_lossy()],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
