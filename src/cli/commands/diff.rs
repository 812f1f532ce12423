//! `diff`: the same traffic under two workspaces, read once. Each record is judged under both
//! on the workers; each side's engine folds its own outcomes (duplicates, profiles); the
//! library's `Diff` matches the routes by destination and counts what changed.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::analyses::diff::{Change, ChangeKind, Diff};
use crate::analyses::ndjson::Ndjson;
use crate::engine::{Engine, Outcome};
use crate::rules::finding::Severity;
use crate::text::printable;
use crate::workspace::{ModelSource, Workspace};

use super::{Ctx, Error, Exit, fetch_settings, finish_output, prepare};
use crate::cli::output::report::{Kind, Place, Report, Verdict};
use crate::cli::{DiffArgs, DiffFormat, FailOn};

pub fn run(ctx: &Ctx, args: &DiffArgs) -> Result<Exit, Error> {
    let progress = ctx.progress(&args.sources.inputs, args.output.is_none());
    let (old, sources) = prepare(ctx, args.sources.clone(), Some(&progress), None)?;
    let new = against(ctx, args, &old, &args.sources.settings.cdn)?;
    let mut diff = Diff::new(old.clone(), new.clone());
    let mut report = report(args.fail_on, args.summary);
    let mut out = super::output_to(args.output.as_deref())?;
    // Only the compared side's records are written whole (with their profile warnings); the
    // settings' side gives routes, which profiles never change.
    let mut old_engine = Engine::new(old.clone()).without_profiles();
    let mut new_engine = Engine::new(new.clone());
    let mut lines = Lines::new(&old, &new);
    let report_formats = matches!(
        args.format,
        DiffFormat::Junit | DiffFormat::Sarif | DiffFormat::Github
    );
    let result = crate::engine::pipeline::run_pair(
        &mut old_engine,
        &mut new_engine,
        sources,
        |before, after| {
            let changes = diff.add(&before, &after);
            if changes.is_empty() {
                return Ok(false);
            }
            if args.format == DiffFormat::Ndjson {
                lines.write(&mut out, &diff, &before, &after, &changes)?;
            } else if report_formats {
                for c in &changes {
                    report.found(kind(c.kind, args.fail_on), || place(&diff, &after, c));
                }
            }
            Ok(false)
        },
    );
    drop(progress);
    finish_output(result)?;
    report.events = diff.events;
    report.diff = Some(totals(&diff));
    let verdict = verdict(&diff, args.fail_on);
    let written = match args.format {
        DiffFormat::Ndjson => Ok(()),
        DiffFormat::Table => crate::cli::output::diff::table(
            &diff,
            &mut out,
            ctx.color(&io::stdout()) && args.output.is_none(),
        ),
        DiffFormat::Json => crate::cli::output::diff::json(&diff, args.fail_on, verdict, &mut out),
        DiffFormat::Html => {
            let doc = crate::cli::output::diff::document(&diff, args.fail_on, verdict);
            crate::cli::output::diff::html(&diff, &doc, &mut out)
        }
        DiffFormat::Junit => report.write(crate::cli::CheckFormat::Junit, &mut out, false),
        DiffFormat::Sarif => report.write(crate::cli::CheckFormat::Sarif, &mut out, false),
        DiffFormat::Github => report.write(crate::cli::CheckFormat::Github, &mut out, false),
    };
    finish_output(written.and_then(|()| out.flush()))?;
    Ok(verdict.exit())
}

/// Whether `--fail-on` fails the run: read off the diff's own totals, so that no format can
/// change the exit status (the report formats' errors say the same by `fails`).
fn verdict(diff: &Diff, fail_on: Option<FailOn>) -> Verdict {
    let failed = ChangeKind::ALL
        .iter()
        .any(|&k| fails(fail_on, k) && diff.total(k) > 0);
    if failed {
        Verdict::RoutesChanged
    } else {
        Verdict::Pass
    }
}

/// Whether a change of kind `k` fails the run under `--fail-on`.
fn fails(fail_on: Option<FailOn>, k: ChangeKind) -> bool {
    matches!(
        (fail_on, k),
        (Some(FailOn::Any), _)
            | (Some(FailOn::Delivered), ChangeKind::NewlyDelivered)
            | (Some(FailOn::Blocked), ChangeKind::NewlyBlocked)
    )
}

/// The compared side: `--against`, `--fetch-against`, or the same settings, with
/// `--against-consent-model` and `--against-tracking-plan` over them.
fn against(
    ctx: &Ctx,
    args: &DiffArgs,
    old: &Arc<Workspace>,
    cdn: &str,
) -> Result<Arc<Workspace>, Error> {
    let mut ws = match (&args.against, &args.fetch_against) {
        (Some(path), _) => {
            let ws = Workspace::load(Path::new(path))?;
            super::warn_settings(&ws);
            ws
        }
        (None, Some(key)) => fetch_settings(ctx, key, cdn)?.workspace,
        (None, None) => Workspace::clone(old),
    };
    if let Some(m) = args.against_consent_model {
        ws.consent_model = m.into();
        ws.consent_model_from = ModelSource::CommandLine;
    }
    if let Some(plan) = &args.against_tracking_plan {
        ws.set_tracking_plan(plan)?;
    }
    Ok(Arc::new(ws))
}

/// The report for junit, sarif and github: a code per kind of change, an error where
/// `--fail-on` names it.
fn report(fail_on: Option<FailOn>, summary: bool) -> Report {
    let mut r = Report::new(false, summary, None);
    r.catalog = ChangeKind::ALL.iter().map(|&k| kind(k, fail_on)).collect();
    r
}

fn kind(k: ChangeKind, fail_on: Option<FailOn>) -> Kind {
    Kind {
        order: ChangeKind::ALL.iter().position(|&x| x == k).unwrap_or(0),
        name: k.as_str(),
        severity: if fails(fail_on, k) {
            Severity::Error
        } else {
            Severity::Warning
        },
        about: k.about(),
    }
}

/// `Braze: block not_consented (C0004) → deliver consented (user u-alice)`.
fn place(diff: &Diff, after: &Outcome, c: &Change<'_>) -> Place {
    let side = |ws: &Workspace, r: Option<&crate::rules::verdict::Route>| {
        r.map_or_else(
            || "absent".to_owned(),
            |r| {
                let by: Vec<&str> = r
                    .decision
                    .blocked_by()
                    .iter()
                    .map(|b| ws.categories[usize::from(b.category)].id.as_str())
                    .collect();
                let by = if by.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", by.join(", "))
                };
                format!("{} {}{by}", r.decision.verb(), r.decision.reason())
            },
        )
    };
    let user = after
        .event()
        .and_then(crate::read::event::Doc::identity)
        .map(|u| format!(" (user {})", printable(&u)))
        .unwrap_or_default();
    Place {
        origin: after.origin.clone(),
        path: None,
        message: format!(
            "{}: {} → {}{user}",
            printable(&diff.pairs[c.pair].name),
            side(&diff.old, c.before),
            side(&diff.new, c.after)
        ),
    }
}

/// `12 events: 5 routes changed (2 newly delivered, 3 newly blocked, 0 for another reason)`.
fn totals(diff: &Diff) -> String {
    format!(
        "{}: {} changed in {} ({} newly delivered, {} newly blocked, {} for another reason)",
        Report::events(diff.events),
        crate::cli::output::report::counted(diff.routes_changed(), "route"),
        Report::events(diff.events_changed),
        diff.total(ChangeKind::NewlyDelivered),
        diff.total(ChangeKind::NewlyBlocked),
        diff.total(ChangeKind::ReasonChanged),
    )
}

/// The NDJSON lines: each side's writer, for its routes.
struct Lines {
    old: Ndjson,
    new: Ndjson,
    buf: Vec<u8>,
}

impl Lines {
    fn new(old: &Workspace, new: &Workspace) -> Self {
        Self {
            old: Ndjson::new(old),
            new: Ndjson::new(new),
            buf: Vec::new(),
        }
    }

    /// The record as `route` writes it under the compared settings, with `changes`.
    fn write(
        &mut self,
        out: &mut dyn Write,
        diff: &Diff,
        before: &Outcome,
        after: &Outcome,
        changes: &[Change<'_>],
    ) -> io::Result<()> {
        let b = &mut self.buf;
        b.clear();
        self.new.line(b, after);
        // `…]}\n`: the record's last brace comes after the changes.
        b.truncate(b.len() - 2);
        b.extend_from_slice(b",\"changes\":[");
        let code = |o: &Outcome| o.ingest_code().map(crate::rules::finding::Code::as_str);
        for (i, c) in changes.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            b.extend_from_slice(b"{\"destination\":");
            crate::analyses::ndjson::json_str(b, &diff.pairs[c.pair].name);
            b.extend_from_slice(
                format!(",\"change\":\"{}\",\"before\":", c.kind.as_str()).as_bytes(),
            );
            match c.before {
                Some(r) => self.old.route_into(b, code(before), r),
                None => b.extend_from_slice(b"null"),
            }
            b.extend_from_slice(b",\"after\":");
            match c.after {
                Some(r) => self.new.route_into(b, code(after), r),
                None => b.extend_from_slice(b"null"),
            }
            b.push(b'}');
        }
        b.extend_from_slice(b"]}\n");
        out.write_all(b)
    }
}
