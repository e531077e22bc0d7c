//! The environment variables kin reads, named in one place.

// Each is read where its meaning lives (`lineage/context.rs` for identity and the clock,
// `lineage/tags.rs` for tags); this module only names them, so a reader sees at a glance what
// from outside the repository can change kin's behaviour.

/// Overrides the user recorded on runs (tests, shared service accounts).
pub const KIN_USER: &str = "KIN_USER";

/// Overrides the host recorded on runs.
pub const KIN_HOST: &str = "KIN_HOST";

/// Pins kin's clock (an RFC 3339 time such as `2026-01-02T03:04:05Z`): run start and end
/// times, run ids' time part, and "now" for `kin runs --since 3d`. For reproducible tests.
pub const KIN_NOW: &str = "KIN_NOW";

/// Tags for the runs this command records: `key=value` pairs separated by commas.
pub const KIN_TAGS: &str = "KIN_TAGS";

/// The login name as shells and login managers set it, tried in this order when `KIN_USER`
/// is unset, before asking the OS.
pub const LOGIN_NAME_VARS: [&str; 3] = ["USER", "LOGNAME", "USERNAME"];

/// The host name as some shells export it, the last resort after asking the OS.
pub const HOSTNAME: &str = "HOSTNAME";
