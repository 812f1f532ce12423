//! Renderers of outcomes for the headless commands.

pub mod profiles;
pub mod report;
pub mod table;

use std::io::{self, Write};

use consent_inspector::engine::{Engine, Outcome};

/// A streaming renderer: told of each outcome in input order.
pub trait View {
    fn start(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn outcome(&mut self, out: &mut dyn Write, engine: &Engine, o: &Outcome) -> io::Result<()>;
    fn finish(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

impl View for consent_inspector::ndjson::Ndjson {
    fn outcome(&mut self, out: &mut dyn Write, _: &Engine, o: &Outcome) -> io::Result<()> {
        self.write(out, o)
    }
}

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
