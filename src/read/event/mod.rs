//! One event as read: its JSON text, and where in it the fields the rules read are. Parsing
//! validates the whole text but builds nothing for the parts no rule reads (properties,
//! traits, most of context), which is most of an event; views borrow from the text.
//!
//! `field`: the event types and the top-level fields the rules read; `raw`: JSON values and
//! places in the text; `doc`: the event itself and its parts; `scan`: a strict JSON scanner that
//! builds nothing; `visit`: the fields found with it in one pass; `tree`: any path of the event read in place,
//! for the evaluators of destination filters and triggers.

mod doc;
mod field;
mod raw;
mod scan;
mod tree;
mod visit;

pub use doc::{Doc, Members, ParseError, Parsed, Preferences};
pub use field::{CPU_EVENT, Field, Kind, LEGACY_CPU_EVENT};
pub use raw::{Raw, Span};
pub use tree::{Json, Node, Shape, Tree};
pub use visit::ConsentFields;
