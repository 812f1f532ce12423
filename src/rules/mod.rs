//! The rules: what each vendor decides for an event and each destination, with its reasons.
//! `segment` and `rudderstack` sit side by side and neither uses the other; `translate` (the
//! same intent in the other vendor's words) sits above both.

pub mod choices;
pub mod route;
pub mod rudderstack;
pub mod segment;
pub mod translate;
pub mod validate;
pub mod vocab;
