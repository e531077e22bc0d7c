//! Tracked data: adding paths to the cache, checking them out, and comparing them with the workspace.

pub(crate) mod add;
pub(crate) mod checkout;
mod error;
mod gc;
mod import_url;
mod progress;
mod status;
pub(crate) mod workspace_hash;

pub use crate::tracked::{TrackedOut, select_outs, tracked_outs};
pub use add::{AddOptions, Added, add};
pub use checkout::{CheckoutOptions, CheckoutReport, checkout};
pub use error::DataError;
pub use gc::{GcReport, GcScope, gc};
pub use import_url::{Imported, import_files, import_url, update};
pub use progress::{NoProgress, Progress};
pub use status::{OutStatus, StatusEntry, status};
