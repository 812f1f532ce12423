//! RudderStack's consent rules, the second dialect (issue 26). So far the server's (cloud
//! mode) decision; the SDK's (device mode), the settings shapes and the commands follow.

pub mod cloud;
