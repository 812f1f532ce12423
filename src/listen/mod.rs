//! `listen`: a Segment-compatible tracking endpoint on this machine. Apps, pages and test
//! suites point at it; every call it accepts is appended to a capture file that the TUI (or
//! `route`) reads like any other.

pub mod api;
pub mod capture;
pub mod forward;
pub mod inspector;
pub mod server;

pub use forward::{Forward, ForwardStats};
pub use server::{Call, Config, ListenError, OnCall, Server, Stats, Timeouts, start};
