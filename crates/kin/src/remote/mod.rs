//! DVC remotes: their configuration (`kin remote`), and moving cache objects and lineage to
//! and from them (`kin push`, `fetch`, `pull`, `status -c`).

mod cloud_status;
mod config;
mod config_edit;
mod error;
mod lineage_sync;
mod objects;
mod presence;
mod settings;
pub(crate) mod transfer;

pub use cloud_status::{CloudState, CloudStatus, cloud_status};
pub use config::{NamedRemote, default_name, remotes, resolve};
pub use error::RemoteOpError;
pub use objects::{Wanted, remote_key};
pub use presence::{RemoteObject, missing_on_remote, rehash_on_remote};
pub use settings::{ConfigLevel, add_remote, modify_remote, remove_remote, set_default};
pub use transfer::{TransferOptions, TransferReport, fetch, push};
