//! Renderers of outcomes for the headless commands.

pub mod compare;
pub mod diff;
pub mod profiles;
pub mod reconcile;
pub mod report;
pub mod table;
pub mod wire;

/// ANSI styles, or nothing when colour is off.
#[derive(Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    pub fn paint(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}
