//! `profiles`: every profile once all inputs are read, as NDJSON or a grid.

use std::io::{self, Write};

use crate::engine::Engine;

use super::{Ctx, Error, Exit, finish_output, prepare};
use crate::cli::output::{Paint, profiles};
use crate::cli::{Format, Sources};

pub fn run(ctx: &Ctx, format: Format, sources: Sources) -> Result<Exit, Error> {
    let progress = ctx.progress(&sources.inputs, false);
    let (ws, sources) = prepare(ctx, sources, Some(&progress), None)?;
    let mut engine = Engine::new(ws.clone());
    crate::engine::pipeline::run_all(&mut engine, sources, |_, _| Ok(()))?;
    drop(progress);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let all = engine.profiles();
    let result = match format {
        Format::Ndjson => crate::analyses::ndjson::write_profiles(&mut out, &ws, all),
        Format::Table => profiles::write_table(&mut out, &ws, all, Paint(ctx.color(&io::stdout()))),
    };
    finish_output(result.and_then(|()| out.flush()))?;
    Ok(Exit::Done)
}
