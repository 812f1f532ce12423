//! `reconcile`: the tool's predictions for a capture beside Delivery Overview's counts for
//! the same source and window.

use std::io::Write;

use crate::analyses::reconcile::{Predicted, reconcile};
use crate::engine::{Engine, pipeline};
use crate::workspace::public_api::overview::{self, Observed};

use super::{Ctx, Error, Exit, finish_output, open_all, prepare};
use crate::cli::{ReconcileArgs, ReconcileFormat};

pub fn run(ctx: &Ctx, args: &ReconcileArgs) -> Result<Exit, Error> {
    let inputs = args.sources.inputs.clone();
    let progress = ctx.progress(&inputs, args.output.is_none());
    let (ws, records) = prepare(ctx, args.sources.clone(), Some(&progress))?;
    let window = match (&args.since, &args.until) {
        (Some(a), Some(b)) => (time(a, "--since")?, time(b, "--until")?),
        (a, b) => {
            // The capture's own span, read once more (it is a file, not a stream).
            if inputs.is_empty() || inputs.iter().any(|i| i == "-") {
                return Err(Error::Reconcile(
                    "reading stdin, give the window: --since TIME --until TIME".into(),
                ));
            }
            let (first, last) = span(ctx, &ws, &inputs)?;
            let start = match a {
                Some(a) => time(a, "--since")?,
                None => first - first.rem_euclid(60),
            };
            let end = match b {
                Some(b) => time(b, "--until")?,
                None => last - last.rem_euclid(60) + 60,
            };
            (start, end)
        }
    };
    if window.0 >= window.1 {
        return Err(Error::Reconcile(format!(
            "the window is empty: {} is not before {}",
            rfc3339(window.0),
            rfc3339(window.1)
        )));
    }
    let mut predicted = Predicted::new(&ws);
    let mut engine = Engine::new(ws.clone());
    pipeline::run_all(&mut engine, records, |_, o| {
        predicted.observe(&o, window);
        Ok(())
    })?;
    drop(progress);
    let observed = match &args.observed {
        Some(path) => read_observed(path)?,
        None => ask(ctx, args, &ws, window)?,
    };
    let capture = inputs.join(" ");
    let done = reconcile(&ws, predicted, observed, &crate::text::printable(&capture));
    let mut out = super::output_to(args.output.as_deref())?;
    let out: &mut dyn Write = &mut out;
    let result = match args.format {
        ReconcileFormat::Table => crate::cli::output::reconcile::table(&done, &ws, out),
        ReconcileFormat::Json => crate::cli::output::reconcile::json(&done, &ws, out),
        ReconcileFormat::Html => crate::cli::output::reconcile::html(&done, &ws, out),
    }
    .and_then(|()| out.flush());
    finish_output(result)?;
    Ok(Exit::Done)
}

/// Delivery Overview's counts saved in `path` (`--observed`).
pub(super) fn read_observed(path: &std::path::Path) -> Result<Observed, Error> {
    let text = crate::read::limits::read_file_at_most(
        path,
        crate::read::limits::SETTINGS_BYTES,
        "the file",
    )
    .map_err(|source| Error::Input {
        file: path.display().to_string(),
        source,
    })?;
    overview::read(&text).map_err(|e| {
        Error::Reconcile(format!(
            "{}: not Delivery Overview's counts as reconcile writes them (its json, or that json's `observed`): {e}",
            crate::text::printable(&path.display().to_string())
        ))
    })
}

/// Delivery Overview's counts, from the Public API, for the snapshot's source and destinations.
fn ask(
    ctx: &Ctx,
    args: &ReconcileArgs,
    ws: &crate::workspace::Workspace,
    (start, end): (i64, i64),
) -> Result<Observed, Error> {
    let Some(snapshot) = &ws.snapshot else {
        return Err(Error::Reconcile(
            "the settings are not a snapshot: Delivery Overview is asked by source and destination ids, which `consent-inspector pull` writes (or give --observed FILE)".into(),
        ));
    };
    let age = jiff::Timestamp::now().as_second() - start;
    let Some(granularity) = overview::granularity(end - start, age) else {
        return Err(Error::Reconcile(format!(
            "Delivery Overview keeps 30 days, in windows of at most 30 days: {} to {} is out of its reach",
            rfc3339(start),
            rfc3339(end)
        )));
    };
    let destinations: Vec<(String, String)> = ws
        .destinations
        .iter()
        .filter_map(|d| Some((d.id.clone()?, d.name.clone())))
        .collect();
    let mut api = super::pull::client(ctx, &args.api)?;
    let fetched = overview::fetch(
        &mut api,
        &snapshot.source.id,
        &destinations,
        (&rfc3339(start), &rfc3339(end)),
        granularity,
    );
    super::pull::done(&mut api);
    Ok(fetched?)
}

/// The first and last event times of the inputs, in seconds.
fn span(
    ctx: &Ctx,
    ws: &std::sync::Arc<crate::workspace::Workspace>,
    inputs: &[String],
) -> Result<(i64, i64), Error> {
    let mut engine = Engine::new(ws.clone()).without_profiles();
    let mut span: Option<(i64, i64)> = None;
    pipeline::run_all(&mut engine, open_all(ctx, inputs, None)?, |_, o| {
        if let Some(t) = o
            .event
            .as_deref()
            .and_then(crate::analyses::reconcile::seconds)
        {
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        Ok(())
    })?;
    span.ok_or_else(|| {
        Error::Reconcile("no event of the capture has a time: give --since and --until".into())
    })
}

fn time(s: &str, flag: &str) -> Result<i64, Error> {
    s.parse::<jiff::Timestamp>()
        .map(jiff::Timestamp::as_second)
        .map_err(|e| Error::Reconcile(format!("{flag} {s:?}: not an RFC 3339 time: {e}")))
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}
