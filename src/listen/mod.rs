//! `listen`: a Segment-compatible tracking endpoint on this machine. Apps, pages and test
//! suites point at it; every call it accepts is appended to a capture file that the TUI (or
//! `route`) reads like any other.

pub mod api;
pub mod capture;
pub mod inspector;
pub mod server;

pub use server::{Call, Config, ListenError, OnCall, Server, Stats, Timeouts, start};
