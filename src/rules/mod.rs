//! The rules: what each vendor decides for an event and each destination, with its reasons.
//! `segment` and `rudderstack` sit side by side and neither uses the other; `dialect` is the
//! seam the engine and the views go through, and `translate` (the same intent in the other
//! vendor's words) sits above both.

pub mod choices;
pub mod dialect;
pub mod finding;
pub mod rudderstack;
pub mod segment;
pub mod step;
pub mod translate;
pub mod verdict;
pub mod vocab;
pub mod words;
