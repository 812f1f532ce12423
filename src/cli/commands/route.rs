//! `route`: every event's routing decision, as NDJSON or a table.

use std::io::{self, Write};

use crate::analyses::ndjson::Ndjson;
use crate::engine::Engine;
use crate::engine::pipeline;

use super::interrupt::Guarded;
use super::{Ctx, Error, Exit, finish_output, prepare};
use crate::cli::output;
use crate::cli::{Format, Sources};

pub fn run(ctx: &Ctx, format: Format, sources: Sources) -> Result<Exit, Error> {
    let progress = ctx.progress(&sources.inputs, true);
    let wire = crate::read::wire::Sink::default();
    let (ws, sources) = prepare(ctx, sources, Some(&progress), Some(&wire))?;
    // Interrupted, it ends after a whole record (`interrupt`), so the output stays valid.
    let out = Guarded::new(io::BufWriter::with_capacity(1 << 16, io::stdout()));
    let mut engine = Engine::new(ws.clone());
    let result = match format {
        // The workers write each line; this thread rewrites only those the fold changed.
        Format::Ndjson => {
            let mut ndjson = Ndjson::new(&ws);
            pipeline::run_rendered(&mut engine, sources, &ndjson.clone(), |_, o, line| {
                out.record(|out| match line {
                    Some(line) => out.write_all(line),
                    None => ndjson.write(out, &o),
                })?;
                Ok(false)
            })
            .and_then(|()| {
                // What the captures' own requests say, after their events.
                for audit in super::audits(&ws, &wire) {
                    for record in audit.records(&ws) {
                        out.record(|out| {
                            crate::text::write_safe_json(&mut *out, &record, false)?;
                            out.write_all(b"\n")
                        })?;
                    }
                }
                out.flush()
            })
        }
        Format::Table => {
            let mut view = output::table::Table::new(&ws, ctx.color(&io::stdout()));
            (|| -> io::Result<()> {
                pipeline::run_all(&mut engine, sources, |engine, o| {
                    out.record(|out| view.outcome(out, engine, &o))
                })?;
                out.record(|out| view.finish(out))?;
                for audit in super::audits(&ws, &wire) {
                    out.record(|out| {
                        output::wire::table(out, &ws, &audit, ctx.color(&io::stdout()))
                    })?;
                }
                out.flush()
            })()
        }
    };
    finish_output(result)?;
    Ok(Exit::Done)
}
