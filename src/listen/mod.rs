//! `listen`: a Segment-compatible tracking endpoint on this machine. Apps, pages and test
//! suites point at it; every call it accepts is appended to a capture file that the TUI (or
//! `route`) reads like any other.

pub mod api;
pub mod capture;
pub mod forward;
pub mod guard;
pub mod inspector;
pub mod server;
mod stream;

use std::sync::{Mutex, PoisonError};

/// The latest of some message (a refusal, an upstream failure) for the status bar, shared
/// between the server's tasks.
#[derive(Debug, Default)]
pub struct Latest(Mutex<Option<String>>);

impl Latest {
    pub fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set(&self, message: String) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(message);
    }
}

pub use forward::{Forward, ForwardStats};
pub use guard::Allowed;
pub use server::{Call, Config, ListenError, OnCall, OnNotice, Server, Stats, Timeouts, start};
