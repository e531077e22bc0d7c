//! The error every command returns (a message, an optional source snippet and hint, an exit
//! code) and the one map from every library error to it.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use kin::registry::RegistryError;
use kin::registry::actions::ActionError;
use kin::repro::ReproError;
use kin::{DvcConfigError, InitError, RepoError};
use kin_gates::TableError;
use kin_gates::drift::DriftError;
use kin_gates::fairness::FairnessError;
use kin_pipeline::PipelineError;

use crate::diagnostic;

/// Exit code for a failed operation.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for wrong usage (bad arguments, unknown target).
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug)]
pub struct CommandError {
    kind: Kind,
    message: String,
    snippet: Option<String>,
    hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The operation failed (exit 1).
    Failure,
    /// Wrong usage: bad arguments, unknown target (exit 2).
    Usage,
    /// The reader of kin's output went away: not a failure, nothing to report (exit 0).
    BrokenPipe,
}

impl CommandError {
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Failure,
            message: message.into(),
            snippet: None,
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            kind: Kind::Usage,
            ..Self::failure(message)
        }
    }

    /// The reader of stdout or stderr went away (`kin runs | head -1`).
    pub fn is_broken_pipe(&self) -> bool {
        self.kind == Kind::BrokenPipe
    }

    /// Checkout (or pull) could not restore these paths: their objects are not in the cache.
    pub fn not_in_cache(missing: &[String]) -> Self {
        CommandError::failure(format!(
            "{} not in the cache: {}",
            if missing.len() == 1 {
                "this object is"
            } else {
                "these objects are"
            },
            missing.join(", ")
        ))
        .with_hint("fetch them from a remote, or re-create them with `kin repro`")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The hint, if there is one.
    pub fn with_optional_hint(self, hint: Option<impl Into<String>>) -> Self {
        match hint {
            Some(hint) => self.with_hint(hint),
            None => self,
        }
    }

    pub fn with_snippet(mut self, snippet: String) -> Self {
        self.snippet = Some(snippet);
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Failure => EXIT_FAILURE,
            Kind::Usage => EXIT_USAGE,
            Kind::BrokenPipe => 0,
        }
    }

    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", self.message);
        if let Some(snippet) = &self.snippet {
            out.push_str(snippet);
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "hint: {hint}");
        }
        out
    }
}

/// Writing kin's output failed. The only `io::Error`s a command passes up with `?` are its
/// printer's; any other is turned into a message naming its path where it happens.
impl From<io::Error> for CommandError {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Self {
                kind: Kind::BrokenPipe,
                ..Self::failure("the reader of the output went away")
            }
        } else {
            CommandError::failure(format!("cannot write the output: {error}"))
        }
    }
}

impl From<RegistryError> for CommandError {
    fn from(error: RegistryError) -> Self {
        let hint = match &error {
            RegistryError::NotGit { .. } => {
                Some("the registry lives in git tags: run kin inside a git repository")
            }
            RegistryError::Annotations(_) => {
                Some("fix GTO's artifacts.yaml (kin reads it as gto does), or remove it")
            }
            RegistryError::Git(_) | RegistryError::State(_) | RegistryError::Config { .. } => None,
        };
        CommandError::failure(error.to_string()).with_optional_hint(hint)
    }
}

impl From<ActionError> for CommandError {
    fn from(error: ActionError) -> Self {
        let hint = match &error {
            ActionError::VersionExistsForCommit { .. } => Some(
                "register another commit, or pass --force to register this one again".to_owned(),
            ),
            ActionError::AlreadyInStage { .. } => {
                Some("pass --force to record the assignment again".to_owned())
            }
            ActionError::UnknownArtifact { .. } | ActionError::VersionNotRegistered { .. } => {
                Some("`kin model show` lists the registry".to_owned())
            }
            ActionError::TagExists { .. } => Some(
                "another registry action took this tag first; run the command again".to_owned(),
            ),
            ActionError::BumpWithoutVersion { .. } => Some(
                "register the first version without --bump-*, or name it with --version".to_owned(),
            ),
            _ => None,
        };
        let usage = matches!(error, ActionError::Name(_) | ActionError::Version(_));
        let out = if usage {
            CommandError::usage(error.to_string())
        } else {
            CommandError::failure(error.to_string())
        };
        out.with_optional_hint(hint)
    }
}

impl From<InitError> for CommandError {
    fn from(error: InitError) -> Self {
        let hint = match &error {
            InitError::NotGit { .. } => Some(
                "run `git init` first, or `kin init --no-scm` to use kin without git".to_owned(),
            ),
            InitError::NotGitRoot { git_root, .. } => {
                Some(format!("run `kin init` in `{}`", git_root.display()))
            }
            InitError::Write { .. } | InitError::GitAdd { .. } => None,
        };
        let error_out = CommandError::failure(error.to_string());
        error_out.with_optional_hint(hint)
    }
}

impl From<DvcConfigError> for CommandError {
    fn from(error: DvcConfigError) -> Self {
        CommandError::failure(error.to_string())
    }
}

impl From<kin::tracked::TrackedError> for CommandError {
    fn from(error: kin::tracked::TrackedError) -> Self {
        use kin::tracked::TrackedError as E;
        let hint = match &error {
            E::NotTracked { .. } => Some("`kin status` lists what is tracked"),
            E::Path(kin::paths::PathError::OutsideRepo { .. }) => {
                Some("only paths inside the repository can be tracked")
            }
            _ => None,
        };
        CommandError::failure(error.to_string()).with_optional_hint(hint)
    }
}

impl From<kin::data::DataError> for CommandError {
    fn from(error: kin::data::DataError) -> Self {
        use kin::data::DataError as E;
        let hint = match &error {
            E::Path(kin::paths::PathError::OutsideRepo { .. }) => {
                Some("only paths inside the repository can be tracked")
            }
            E::StageOutput { .. } => {
                Some("outputs of stages are tracked by `kin repro`, not `kin add`")
            }
            E::Overlap { .. } => {
                Some("track the whole directory, or remove the other .dvc file first")
            }
            E::Unsaved { .. } => Some(
                "nothing was changed; `kin add` or `kin commit` them to keep them, or pass `--force` to discard them",
            ),
            E::Lock(kin::repo_lock::LockError::Held { .. }) => {
                Some("wait for the other kin or dvc command to finish, then run this one again")
            }
            E::Cache(kin_cache::odb::CacheError::Write { .. }) => Some(
                "check free disk space and permissions of .dvc/cache; nothing partial was left in the cache",
            ),
            _ => None,
        };
        let message = error.to_string();
        let error_out = match error {
            E::Repo(e) => return e.into(),
            E::Tracked(e) => return e.into(),
            E::Tags(e) => return e.into(),
            _ => CommandError::failure(message),
        };
        error_out.with_optional_hint(hint)
    }
}

impl From<kin::lineage::tags::TagError> for CommandError {
    fn from(error: kin::lineage::tags::TagError) -> Self {
        use kin::kin_config::KinConfigError;
        use kin::lineage::tags::TagError;
        match error {
            // The file is there but cannot be read: not a usage error.
            TagError::Config(KinConfigError::Read { .. }) => {
                CommandError::failure(error.to_string())
            }
            _ => CommandError::usage(error.to_string()).with_hint(
                "a tag is KEY=VALUE: keys are letters, digits and `_ - . / :`, values are not empty; `KIN_TAGS` separates tags with commas",
            ),
        }
    }
}

impl From<RepoError> for CommandError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::NotFound { .. } => CommandError::failure(error.to_string())
                .with_hint("run `kin init` at the root of your git repository"),
            RepoError::Config(e) => e.into(),
            RepoError::Pipeline { root, source } => pipeline_error(&source, &root),
        }
    }
}

impl From<kin::metrics::MetricsError> for CommandError {
    fn from(error: kin::metrics::MetricsError) -> Self {
        use kin::metrics::MetricsError as E;
        let message = error.to_string();
        match error {
            E::UnknownRevision { .. } => CommandError::usage(message).with_hint(
                "give a branch, tag or commit that `git rev-parse` knows, or `workspace` for the files on disk",
            ),
            E::NoGit { .. } => CommandError::failure(message)
                .with_hint("revisions need a git repository; compare `workspace` only, or run `git init`"),
            E::Pipeline {
                error,
                root: Some(root),
                ..
            } => pipeline_error(&error, &root),
            E::Config(e) => e.into(),
            E::TempTree { .. } => CommandError::failure(message)
                .with_hint("check free space and permissions of the system temp directory (TMPDIR)"),
            _ => CommandError::failure(message),
        }
    }
}

impl From<kin::experiments::ExpError> for CommandError {
    fn from(error: kin::experiments::ExpError) -> Self {
        use kin::experiments::ExpError as E;
        let message = error.to_string();
        match error {
            E::Metrics(error) => error.into(),
            E::Lineage(error) => error.into(),
            E::Remote(error) => error.into(),
            E::BadSet { .. } => CommandError::usage(message)
                .with_hint("`-S [FILE:]KEY=VALUE`; sweeps: `KEY=1,2,3`, `KEY=range(START, STOP, STEP)`, `KEY=choice(A, B)`"),
            E::UnknownParam { .. } | E::NoParamsFile { .. } => CommandError::usage(message)
                .with_hint("`kin params show` lists the params the pipeline reads"),
            E::BadName { .. } | E::NameTaken { .. } | E::NameForSweep { .. } => {
                CommandError::usage(message)
            }
            E::Unsaved { .. } => CommandError::failure(message)
                .with_hint("commit or stash them first, or give --force to overwrite them"),
            E::UnknownExperiment { .. } => {
                CommandError::usage(message).with_hint("`kin exp list` names the experiments")
            }
            E::NoBaseline => CommandError::failure(message).with_hint("commit the pipeline first"),
            E::BadParamsFile { .. } | E::Failed { .. } | E::Io { .. } | E::Git(_) => {
                CommandError::failure(message)
            }
        }
    }
}

impl From<kin::diff::DiffError> for CommandError {
    fn from(error: kin::diff::DiffError) -> Self {
        use kin::diff::DiffError as E;
        match error {
            E::Revision(error) => error.into(),
            E::Data(error) => error.into(),
            E::State(error) => CommandError::failure(error.to_string()),
            E::UnknownTarget { .. } => CommandError::usage(error.to_string()).with_hint(
                "give paths that dvc.lock or a .dvc file tracks, as `kin status` lists them",
            ),
        }
    }
}

impl From<kin::metrics::CompareError> for CommandError {
    fn from(error: kin::metrics::CompareError) -> Self {
        match error {
            kin::metrics::CompareError::Metrics(error) => error.into(),
            kin::metrics::CompareError::Lineage(error) => error.into(),
        }
    }
}

impl From<ReproError> for CommandError {
    fn from(error: ReproError) -> Self {
        let hint = match &error {
            ReproError::Lock(kin::repo_lock::LockError::Held { .. }) => {
                Some("wait for the other process, or rerun with `--wait`".to_owned())
            }
            ReproError::PathLock(kin::rwlock::RwLockError::Busy { .. }) => Some(
                "another kin or dvc process is running this stage: wait for it, or rerun with `--wait`"
                    .to_owned(),
            ),
            ReproError::SurvivingCommand { group, .. } => Some(format!(
                "wait for it to finish, or stop it with `kill -- -{group}`; then run `kin repro` again"
            )),
            ReproError::UnknownTarget { .. } => Some("`kin stages` lists the stages".to_owned()),
            ReproError::MissingDep { .. } => Some(
                "create it, `kin pull` it, or add the stage that produces it to the pipeline"
                    .to_owned(),
            ),
            ReproError::MissingOutputs { .. } => Some(
                "the command must write every declared output; fix the command or the `outs` list"
                    .to_owned(),
            ),
            ReproError::MissingParams { .. } | ReproError::MissingParamsFile { .. } => {
                Some("add the params, or remove them from the stage's `params` list".to_owned())
            }
            ReproError::CommandFailed { stage, .. } => Some(format!(
                "its output is in `{}`; its dvc.lock entry was not changed",
                kin::repro::log_path(stage).display()
            )),
            ReproError::Interrupted { .. } => {
                Some("nothing was recorded for the interrupted stage; rerun `kin repro`".to_owned())
            }
            _ => None,
        };
        let command_error = match error {
            ReproError::Repo(e) => return e.into(),
            ReproError::Data(e) => return e.into(),
            ReproError::Tags(e) => return e.into(),
            ReproError::UnknownTarget { .. } => CommandError::usage(error.to_string()),
            other => CommandError::failure(other.to_string()),
        };
        command_error.with_optional_hint(hint)
    }
}

impl From<kin::lineage::kin_store::StoreError> for CommandError {
    fn from(error: kin::lineage::kin_store::StoreError) -> Self {
        kin::lineage::LineageError::from(error).into()
    }
}

impl From<TableError> for CommandError {
    fn from(error: TableError) -> Self {
        let hint = match &error {
            TableError::Io { .. } => {
                Some("check the path (relative paths start at the current directory or -C DIR)")
            }
            TableError::Csv { .. } => Some("kin reads comma-separated files with a header row"),
            TableError::Parquet { .. } => {
                Some("kin reads flat Parquet files (snappy, gzip, lz4 or zstd)")
            }
            TableError::Unsupported { column, .. } => {
                return CommandError::failure(error.to_string()).with_hint(format!(
                    "kin reads flat columns of numbers, text, booleans, dates and timestamps; `kin drift --ignore {column}` leaves this one out"
                ));
            }
            TableError::Empty { .. } | TableError::DuplicateColumn { .. } => None,
        };
        let out = CommandError::failure(error.to_string());
        out.with_optional_hint(hint)
    }
}

impl From<DriftError> for CommandError {
    fn from(error: DriftError) -> Self {
        match &error {
            DriftError::MissingColumn { available, .. } => CommandError::failure(error.to_string())
                .with_hint(format!(
                    "the reference and current data must have the same columns; this one has: {}",
                    available.join(", ")
                )),
            DriftError::AllMissing { column, .. } => CommandError::failure(error.to_string())
                .with_hint(format!("leave it out with --ignore {column}")),
            DriftError::NotNumeric { column, .. } => CommandError::failure(error.to_string())
                .with_hint(format!("mark it --categorical {column}, or fix the data")),
            DriftError::Test { .. } => CommandError::usage(error.to_string()).with_hint(
                "ks and wasserstein need numerical columns; chisquare and z categorical ones",
            ),
            DriftError::Datetime { column, .. } => CommandError::failure(error.to_string())
                .with_hint(format!("leave it out with --ignore {column}")),
            DriftError::NoColumns => CommandError::failure(error.to_string())
                .with_hint("every column is ignored or holds dates and times"),
        }
    }
}

impl From<FairnessError> for CommandError {
    fn from(error: FairnessError) -> Self {
        match &error {
            FairnessError::MissingColumn { available, .. } => {
                CommandError::failure(error.to_string())
                    .with_hint(format!("columns in the file: {}", available.join(", ")))
            }
            FairnessError::UnknownPrivileged { groups, .. } => {
                CommandError::usage(error.to_string())
                    .with_hint(format!("groups found: {}", groups.join(", ")))
            }
            FairnessError::NotBinary { .. } => CommandError::failure(error.to_string())
                .with_hint("use --task regression for continuous predictions"),
            FairnessError::NoPrivileged => {
                CommandError::usage(error.to_string()).with_hint("e.g. --privileged 1")
            }
            _ => CommandError::failure(error.to_string()),
        }
    }
}

/// A pipeline error with its source snippet; `root` is the directory its file is named from.
fn pipeline_error(error: &PipelineError, root: &Path) -> CommandError {
    let (file, at) = error.location();
    let name = file.display().to_string();
    let snippet = match at {
        Some(at) => {
            let text = std::fs::read_to_string(root.join(file)).ok();
            diagnostic::snippet(&name, at, text.as_deref())
        }
        None => diagnostic::pointer(&name),
    };
    CommandError::failure(error.to_string())
        .with_snippet(snippet)
        .with_optional_hint(error.hint())
}

/// A model reference that resolved to nothing, with what to do about it.
pub fn model_ref_error(error: kin::registry::resolve::ModelRefError) -> CommandError {
    use kin::registry::resolve::ModelRefError as E;
    let message = error.to_string();
    match error {
        E::Name(_) | E::Syntax { .. } => CommandError::usage(message)
            .with_hint("a model is NAME@vX.Y.Z, NAME@latest or NAME#STAGE; `kin model show` lists the registry"),
        E::UnknownArtifact { .. } | E::UnknownVersion { .. } | E::EmptyStage { .. } | E::NoVersion { .. } => {
            CommandError::failure(message).with_hint("`kin model show` lists the registry")
        }
        E::Undeclared { .. } => CommandError::failure(message).with_hint(
            "declare it in dvc.yaml (`artifacts: {NAME: {path: ...}}`) and register a commit that has the declaration",
        ),
        E::Registry(e) => e.into(),
        E::State(_) | E::Declaration { .. } | E::Git(_) => CommandError::failure(message),
    }
}

impl From<kin::lineage::LineageError> for CommandError {
    fn from(error: kin::lineage::LineageError) -> Self {
        use kin::lineage::LineageError as E;
        use kin::lineage::kin_store::StoreError as S;
        let message = error.to_string();
        let usage = |hint: &str| CommandError::usage(message.clone()).with_hint(hint);
        match error {
            E::Repo(e) => e.into(),
            E::UnknownTarget { .. } | E::UnknownPath { .. } => usage(
                "give a tracked path, `path@HASHPREFIX`, `run:ID` or a stage; `kin runs` lists what is recorded, and `kin history import` records past commits",
            ),
            E::NotRecorded { .. } => usage(
                "run `kin history import` to record past commits, or `kin repro` / `kin add` to record it now",
            ),
            E::NoSuchVersion { path, .. } | E::AmbiguousVersion { path, .. } => usage(&format!(
                "`kin lineage down {path}` and `kin runs` show recorded versions"
            )),
            E::Store(S::NoSuchRun { .. } | S::AmbiguousRun { .. } | S::BadRunId { .. }) => {
                usage("`kin runs` lists run ids")
            }
            E::Store(S::TooNew { .. }) => CommandError::failure(message)
                .with_hint("upgrade kin; this store was written by a newer version"),
            E::NotARevision { source, .. } => CommandError::failure(format!("{message}: {source}"))
                .with_hint("give a commit, branch or tag; `git log --oneline` lists them"),
            E::NotTrackedAt { .. } => CommandError::failure(message)
                .with_hint("`kin lineage down PATH` and `kin runs` show recorded versions"),
            E::Model(e) => model_ref_error(e),
            _ => CommandError::failure(message),
        }
    }
}

impl From<kin::remote::RemoteOpError> for CommandError {
    fn from(error: kin::remote::RemoteOpError) -> Self {
        use kin::remote::RemoteOpError as E;
        use kin_remote::RemoteError as R;
        let message = error.to_string();
        match error {
            E::NoDefaultRemote => CommandError::failure(message).with_hint(
                "name one with `-r NAME`, or set a default: `kin remote add -d NAME URL` or `kin remote default NAME`",
            ),
            E::UnknownRemote { known, .. } => CommandError::usage(message).with_hint(if known.is_empty() {
                "no remotes are configured; add one with `kin remote add NAME URL`".to_owned()
            } else {
                format!("configured remotes: {}", known.join(", "))
            }),
            E::RemoteExists { .. } => {
                CommandError::usage(message).with_hint("use `--force` to replace it, or `kin remote modify` to change it")
            }
            E::UnknownOption { .. } => CommandError::usage(message)
                .with_hint("DVC would refuse to read a config with it; see `dvc remote modify --help` for each remote's options"),
            E::OptionNotSet { .. } | E::UnknownTarget { .. } => CommandError::usage(message),
            E::Repo(e) => e.into(),
            E::Config(e) => e.into(),
            E::Data(e) => e.into(),
            E::Tracked(e) => e.into(),
            E::Lineage(e) => e.into(),
            E::Storage(R::Denied { .. }) => CommandError::failure(message).with_hint(
                "check the credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the remote's `profile`, or `kin remote modify --local NAME access_key_id …`",
            ),
            E::Storage(R::BadUrl { .. } | R::BadOption { .. }) => CommandError::usage(message),
            E::Storage(R::NoBucket { .. }) => CommandError::failure(message)
                .with_hint("create the bucket, or fix the remote's URL with `kin remote modify NAME url s3://BUCKET/PREFIX`"),
            E::Incomplete { failures, .. } => {
                let mut text = message;
                for failure in failures {
                    text.push_str("\n  ");
                    text.push_str(&failure);
                }
                CommandError::failure(text)
                    .with_hint("nothing partial was kept; run the command again to transfer the rest")
            }
            E::Storage(_)
            | E::ConfigIo { .. }
            | E::MissingManifest { .. }
            | E::BadManifest { .. }
            | E::BadRecord { .. } => CommandError::failure(message),
        }
    }
}
