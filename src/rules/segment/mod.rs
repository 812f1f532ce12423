//! Segment's rules.

pub mod filter;
pub mod fql;
pub mod trigger;
