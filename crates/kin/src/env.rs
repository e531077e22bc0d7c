//! The environment variables kin reads, named in one place.

// Each is read where its meaning lives (`lineage/context.rs` for identity and the clock,
// `lineage/tags.rs` for tags, `dvc_config.rs` for DVC's config directories, `repro/` for what
// stage commands see); this module only names them, so a reader sees at a glance what from
// outside the repository can change kin's behaviour. (Object storage credentials are
// `kin-remote`'s, named where the clouds' own tools name them.)

/// Overrides the user recorded on runs (tests, shared service accounts).
pub const KIN_USER: &str = "KIN_USER";

/// Overrides the host recorded on runs.
pub const KIN_HOST: &str = "KIN_HOST";

/// Pins kin's clock (an RFC 3339 time such as `2026-01-02T03:04:05Z`): run start and end
/// times, run ids' time part, and "now" for `kin runs --since 3d`. For reproducible tests.
pub const KIN_NOW: &str = "KIN_NOW";

/// Tags for the runs this command records: `key=value` pairs separated by commas.
pub const KIN_TAGS: &str = "KIN_TAGS";

/// Where the lineage store lives (a path, `sqlite:PATH` or `postgres://…`), overriding
/// `[store] url` in `.kin/config.toml`.
pub const KIN_STORE_URL: &str = "KIN_STORE_URL";

/// The project the runs this command records belong to, overriding `[store] project`.
pub const KIN_PROJECT: &str = "KIN_PROJECT";

/// The bearer token `kin serve` requires for writes (and, beyond loopback, for reads), when
/// `--token-file` is not given.
pub const KIN_SERVE_TOKEN: &str = "KIN_SERVE_TOKEN";

/// An Ed25519 signing key for audit anchors: the 32-byte secret seed as 64 hex digits.
pub const KIN_AUDIT_SIGNING_KEY: &str = "KIN_AUDIT_SIGNING_KEY";

/// The login name as shells and login managers set it, tried in this order when `KIN_USER`
/// is unset, before asking the OS.
pub const LOGIN_NAME_VARS: [&str; 3] = ["USER", "LOGNAME", "USERNAME"];

/// The host name as some shells export it, the last resort after asking the OS.
pub const HOSTNAME: &str = "HOSTNAME";

/// Where DVC finds its system-wide config directory, instead of `$XDG_CONFIG_DIRS/dvc`.
pub const DVC_SYSTEM_CONFIG_DIR: &str = "DVC_SYSTEM_CONFIG_DIR";

/// Where DVC finds the user's config directory, instead of `$XDG_CONFIG_HOME/dvc`.
pub const DVC_GLOBAL_CONFIG_DIR: &str = "DVC_GLOBAL_CONFIG_DIR";

/// The XDG base directories DVC's config levels default to.
pub const XDG_CONFIG_DIRS: &str = "XDG_CONFIG_DIRS";
/// See [`XDG_CONFIG_DIRS`].
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// The home directory, under which `.config` is the default of [`XDG_CONFIG_HOME`].
pub const HOME: &str = "HOME";

/// The repository root as stage commands see it (DVC sets it; kin keeps a value already set).
pub const DVC_ROOT: &str = "DVC_ROOT";

/// The stage a command runs for, as DVC sets it.
pub const DVC_STAGE: &str = "DVC_STAGE";

/// The shell stage commands run in, as DVC uses it (`/bin/sh` when unset).
pub const SHELL: &str = "SHELL";

/// How many threads create workspace files in checkout (default: every core).
pub const KIN_LINK_THREADS: &str = "KIN_LINK_THREADS";

/// Where programs are looked up; read for the tool versions a run's environment records.
pub const PATH: &str = "PATH";
