//! Values rendered as Python renders them, because that is what DVC writes: `str()`, `repr()`
//! and `json.dumps`.

mod repr;

pub use repr::*;
