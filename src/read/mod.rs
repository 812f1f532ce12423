//! Reading: bytes to records (lines, batches, HAR captures, gzip, folders) and each record's
//! event, with the limits that keep any input bounded; and the user's own TOML files.

pub mod endpoint;
pub mod event;
pub mod input;
pub mod limits;
pub mod locate;
pub mod tail;
pub mod toml_file;
pub mod wire;
