//! `check`: validation findings grouped by code and policy violations, for CI, in the format
//! the CI server reads; the exit status says whether it passed (`Exit`).

use std::io::{self, Write};

use crate::analyses::policy::Policy;
use crate::engine::Engine;

use super::{Ctx, Error, Exit, finish_output, prepare};
use crate::cli::output::report::Report;
use crate::cli::{CheckArgs, CheckFormat};

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<Exit, Error> {
    let progress = ctx.progress(&args.sources.inputs, false);
    let wire = crate::read::wire::Sink::default();
    let (ws, sources) = prepare(ctx, args.sources, Some(&progress), Some(&wire))?;
    let policy = match &args.policy {
        Some(path) => Some(Policy::load(path, &ws)?),
        None => None,
    };
    let mut engine = Engine::new(ws.clone());
    let mut report = Report::new(args.deny_warnings, args.summary, policy);
    crate::engine::pipeline::run_all(&mut engine, sources, |_, o| {
        report.add(&ws, &o);
        Ok(())
    })?;
    for audit in super::audits(&ws, &wire) {
        report.add_wire(&audit);
    }
    drop(progress);
    print(ctx, &report, args.format)
}

/// Writes a report to stdout in `format`; its verdict is the exit status.
pub(super) fn print(ctx: &Ctx, report: &Report, format: CheckFormat) -> Result<Exit, Error> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let color = ctx.color(&io::stdout());
    finish_output(
        report
            .write(format, &mut out, color)
            .and_then(|()| out.flush()),
    )?;
    Ok(report.verdict().exit())
}
