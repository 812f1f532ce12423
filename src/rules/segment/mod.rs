//! Segment's rules.

pub mod filter;
pub mod ingest;
pub mod route;
