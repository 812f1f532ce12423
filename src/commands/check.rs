//! `check`: validation findings grouped by code, for CI; exit 1 when an event is not ingested.

use std::io;
use std::process::ExitCode;

use consent_inspector::engine::Engine;

use super::{Error, color_on_stdout, finish_output, prepare};
use crate::cli::Sources;
use crate::output::report::Report;

pub fn run(deny_warnings: bool, sources: Sources) -> Result<ExitCode, Error> {
    let (ws, sources) = prepare(sources)?;
    let mut engine = Engine::new(ws);
    let mut report = Report::default();
    consent_inspector::pipeline::run_all(&mut engine, sources, |_, o| {
        report.add(&o);
        Ok(())
    })?;
    let failed = report.failed(deny_warnings);
    finish_output(report.write(&mut io::stdout().lock(), deny_warnings, color_on_stdout()))?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
