//! Tracked data: adding paths to the cache, checking them out, and comparing them with the workspace.

pub(crate) mod add;
pub(crate) mod checkout;
mod error;
mod gc;
pub(crate) mod paths;
mod progress;
mod status;
mod tracked;
pub(crate) mod workspace_hash;

pub use add::{AddOptions, Added, add};
pub use checkout::{CheckoutOptions, CheckoutReport, checkout};
pub use error::DataError;
pub use gc::{GcReport, GcScope, gc};
pub use progress::{NoProgress, Progress};
pub use status::{OutStatus, StatusEntry, status};
pub use tracked::{TrackedOut, select_outs, tracked_outs};
