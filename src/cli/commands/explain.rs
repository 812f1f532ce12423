//! `explain --line N`: plain English for the event(s) on one line, with the user's consent as
//! of that line.

use std::io::{self, Write};

use crate::analyses::explain::{When, explain};
use crate::engine::Engine;

use super::{Ctx, Error, Exit, finish_output, prepare};
use crate::cli::{SettingsArg, Sources};

pub fn run(ctx: &Ctx, settings: SettingsArg, line: u64, input: String) -> Result<Exit, Error> {
    // A line number names a line of one file: in a folder, every file has a line N.
    if std::path::Path::new(&input).is_dir() {
        return Err(Error::ExplainFolder { file: input });
    }
    let wire = crate::read::wire::Sink::default();
    let (ws, sources) = prepare(
        ctx,
        Sources {
            settings,
            inputs: vec![input.clone()],
        },
        None,
        Some(&wire),
    )?;
    let mut engine = Engine::new(ws.clone());
    let mut lines = Vec::new();
    let mut last_line = 0;
    crate::engine::pipeline::run(&mut engine, sources, |engine, o| {
        // Past the line: done, unless it held nothing; then read on, to say where the last
        // event is.
        if o.origin.line > line && !lines.is_empty() {
            return Ok(true);
        }
        last_line = o.origin.line;
        if o.origin.line == line {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.extend(explain(
                engine.workspace(),
                engine.profiles(),
                &o,
                When::AtTheEvent,
            ));
        }
        Ok(false)
    })?;
    // What a capture shows went out from this line: a vendor's request, a banner finding.
    for audit in super::audits(&ws, &wire) {
        let said = crate::analyses::wire::explain(&ws, &audit, line);
        if !said.is_empty() && !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(said);
    }
    if lines.is_empty() {
        return Err(Error::NoEventOnLine {
            file: input,
            line,
            last: last_line,
        });
    }
    let mut out = io::stdout().lock();
    finish_output(lines.iter().try_for_each(|l| writeln!(out, "{l}")))?;
    Ok(Exit::Done)
}
