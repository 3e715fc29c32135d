//! The component model runtime, `no_std`: component contexts and their
//! instantiation plan ([`context`], re-exported here), resource handle
//! tables and borrow scopes ([`resource`]), and string transfer and
//! transcoding between component instances ([`strings`]). Built on
//! [`crate::core`].

pub mod context;
pub mod resource;
pub mod strings;

pub use context::*;
