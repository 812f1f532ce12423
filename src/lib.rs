//! consent-inspector's domain: reading captured Segment events, validating them, keeping each
//! user's consent, and deciding with reasons which destinations receive each event. No
//! terminal code lives here, so every view shows the same decisions.

pub mod choices;
pub mod engine;
pub mod event;
pub mod explain;
pub mod input;
pub mod locate;
pub mod profile;
pub mod route;
pub mod settings;
pub mod tail;
pub mod text;
pub mod validate;
