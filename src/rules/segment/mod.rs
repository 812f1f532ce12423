//! Segment's rules.

pub mod filter;
