//! What is said about outcomes: plain English (`explain`), what if a preference or the
//! settings were different (`what_if`, `diff`), the two vendors side by side (`compare`), the
//! workspace's own findings (`lint`), what must never happen (`policy`), and the NDJSON
//! contract every headless output and script reads (`ndjson`).

#[cfg(feature = "tui")]
pub mod compare;
pub mod diff;
pub mod explain;
pub mod lint;
pub mod ndjson;
pub mod policy;
#[cfg(feature = "listen")]
pub mod reconcile;
pub mod what_if;
pub mod wire;
