//! `route`: every event's routing decision, as NDJSON or a table.

use std::io::{self, Write};
use std::process::ExitCode;

use consent_inspector::engine::Engine;

use super::{Error, color_on_stdout, finish_output, prepare};
use crate::cli::{Format, Sources};
use crate::output::{self, View};

pub fn run(format: Format, sources: Sources) -> Result<ExitCode, Error> {
    let (ws, sources) = prepare(sources)?;
    let mut view: Box<dyn View> = match format {
        Format::Ndjson => Box::new(consent_inspector::ndjson::Ndjson::new(&ws)),
        Format::Table => Box::new(output::table::Table::new(&ws, color_on_stdout())),
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut engine = Engine::new(ws);
    let result = (|| -> io::Result<()> {
        view.start(&mut out)?;
        consent_inspector::pipeline::run_all(&mut engine, sources, |engine, o| {
            view.outcome(&mut out, engine, &o)
        })?;
        view.finish(&mut out)?;
        out.flush()
    })();
    finish_output(result)?;
    Ok(ExitCode::SUCCESS)
}
