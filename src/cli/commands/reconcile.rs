//! `reconcile`: the tool's predictions for a capture beside Delivery Overview's counts for
//! the same source and window.

use std::io::Write;

use crate::analyses::reconcile::{Predicted, reconcile};
use crate::engine::{Engine, pipeline};
use crate::workspace::public_api::overview::{self, Observed};

use super::{Ctx, Error, Exit, finish_output, prepare};
use crate::cli::{ReconcileArgs, ReconcileFormat};

pub fn run(ctx: &Ctx, args: &ReconcileArgs) -> Result<Exit, Error> {
    let inputs = args.sources.inputs.clone();
    let progress = ctx.progress(&inputs, args.output.is_none());
    let (ws, records) = prepare(ctx, args.sources.clone(), Some(&progress), None)?;
    let since = args
        .since
        .as_deref()
        .map(|t| time(t, "--since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| time(t, "--until"))
        .transpose()?;
    // One read: a side of the window left open takes in every event, and is then closed by
    // the capture's own span (its first event's minute, the minute after its last).
    let mut predicted = Predicted::new(&ws);
    let mut engine = Engine::new(ws.clone());
    let bounds = (since.unwrap_or(i64::MIN), until.unwrap_or(i64::MAX));
    pipeline::run_all(&mut engine, records, |_, o| {
        predicted.observe(&o, bounds);
        Ok(())
    })?;
    drop(progress);
    let window = match (since, until, predicted.span) {
        (Some(a), Some(b), _) => (a, b),
        (a, b, Some((first, last))) => (
            a.unwrap_or(first - first.rem_euclid(60)),
            b.unwrap_or(last - last.rem_euclid(60) + 60),
        ),
        (..) => {
            return Err(Error::Reconcile(
                "no event of the capture has a time: give --since and --until".into(),
            ));
        }
    };
    if window.0 >= window.1 {
        return Err(Error::Reconcile(format!(
            "the window is empty: {} is not before {}",
            rfc3339(window.0),
            rfc3339(window.1)
        )));
    }
    let observed = match &args.observed {
        Some(path) => read_observed(path)?,
        None => ask(ctx, args, &ws, window)?,
    };
    // What a finding's query reads: the inputs, or stdin again.
    let capture = if inputs.is_empty() {
        "-".to_owned()
    } else {
        inputs.join(" ")
    };
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

fn time(s: &str, flag: &str) -> Result<i64, Error> {
    s.parse::<jiff::Timestamp>()
        .map(jiff::Timestamp::as_second)
        .map_err(|e| Error::Reconcile(format!("{flag} {s:?}: not an RFC 3339 time: {e}")))
}

fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}
