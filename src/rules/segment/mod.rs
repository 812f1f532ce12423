//! Segment's rules: its chain of steps, in the order they apply (RULES §3), and its words for
//! what the views show.
//!
//! ```text
//! event:        ingest → suppression → schema controls → protocols
//! destination:  enabled → (event: duplicates) → connection (mobile consent) → consent → schema integration filters
//!               → default integrations object → integrations object
//!               → destination filters → Actions mappings → event types
//!               → unknown steps
//! ```

pub mod chain;
pub mod connection;
pub mod consent;
pub mod default_integrations;
pub mod duplicate;
pub mod enabled;
pub mod event_types;
pub mod filter;
pub mod ingest;
pub mod integrations;
pub mod mappings;
pub mod mobile;
pub mod plan_filter;
pub mod protocols;
pub mod route;
pub mod source;
pub mod suppression;
pub mod unknown;
pub mod words;
