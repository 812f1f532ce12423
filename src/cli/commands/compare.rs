//! `route --compare`: Segment's and RudderStack's verdicts side by side.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::analyses::compare::{Pairing, SIDES, Tally, split};
use crate::engine::Engine;
use crate::engine::pipeline;
use crate::workspace::Workspace;

use super::interrupt::Guarded;
use super::{Ctx, Error, Exit, finish_output, load_raw, open_all, translated};
use crate::cli::output;
use crate::cli::{Format, Sources};

pub fn run(
    ctx: &Ctx,
    format: Format,
    rudderstack_settings: Option<&Path>,
    sources: &Sources,
) -> Result<Exit, Error> {
    let inputs = if sources.inputs.is_empty() {
        vec!["-".into()]
    } else {
        sources.inputs.clone()
    };
    let progress = ctx.progress(&sources.inputs, true);
    let records = open_all(ctx, &inputs, Some(&progress), None)?;
    let base = sources
        .settings
        .apply(load_raw(ctx, &sources.settings, &inputs)?);
    let [first, second] = SIDES;
    let rudderstack = match rudderstack_settings {
        Some(p) => translated(ctx, Workspace::load(p)?, second),
        None => translated(ctx, base.clone(), second),
    };
    let segment = translated(ctx, base, first);
    let pairing = Pairing::new(Arc::new(segment), Arc::new(rudderstack));
    let mut seg = Engine::new(pairing.segment.clone());
    let mut rud = Engine::new(pairing.rudderstack.clone());
    let mut tally = Tally::new(pairing.pairs.len());
    let out = Guarded::new(io::BufWriter::with_capacity(1 << 16, io::stdout()));
    let mut table = output::compare::Table::new(&pairing, ctx.color(&io::stdout()));
    let result = pipeline::run_pair_with(&mut seg, &mut rud, records, split, |s, r| {
        let sides = pairing.sides(&s, &r);
        tally.add(&sides);
        out.record(|out| match format {
            Format::Ndjson => {
                let line = output::compare::ndjson(&pairing, &s, &r, &sides);
                writeln!(out, "{line}")
            }
            Format::Table => table.row(out, &pairing, &s, &sides),
        })?;
        Ok(false)
    })
    .and_then(|()| match format {
        Format::Table => out.record(|out| output::compare::summary(out, &pairing, &tally)),
        // NDJSON stays one record per line: the count goes to stderr.
        Format::Ndjson if !ctx.global.quiet => {
            output::compare::summary(&mut io::stderr().lock(), &pairing, &tally)
        }
        Format::Ndjson => Ok(()),
    })
    .and_then(|()| out.flush());
    finish_output(result)?;
    Ok(Exit::Done)
}
