//! `lint`: findings about the workspace settings and, given inputs, about the settings against
//! the traffic; reported in `check`'s formats.

use std::sync::Arc;

use crate::analyses::lint::{SettingsText, Traffic, lint};
use crate::engine::Engine;
use crate::text::printable;
use crate::workspace::Workspace;

use super::{Ctx, Error, Exit, open_all, settings_path};
use crate::cli::LintArgs;
use crate::cli::output::report::{Kind, Place, Report};

pub fn run(ctx: &Ctx, args: &LintArgs) -> Result<Exit, Error> {
    let progress = ctx.progress(&args.inputs, false);
    let sources = open_all(ctx, &args.inputs, Some(&progress), None)?;
    let (file, text) = if let Some(key) = &args.settings.fetch_settings {
        let f = super::fetch_settings(ctx, key, &args.settings.cdn)?;
        (f.workspace.origin, f.text)
    } else {
        let path = settings_path(ctx, args.settings.settings.as_deref(), &args.inputs)?;
        let file = path.display().to_string();
        let text = Workspace::read(&path).map_err(|source| {
            Error::Settings(crate::workspace::SettingsError::Io {
                file: file.clone(),
                source,
            })
        })?;
        (file, text)
    };
    let settings = SettingsText::new(Arc::from(file.as_str()), text);
    // Categories allCategories lacks are findings here, not a reason to stop: they are added
    // so that the rest of the workspace can be checked.
    let (mut findings, patched) = settings.cdn_gaps();
    let mut ws = Workspace::from_slice(&file, patched.as_deref().unwrap_or(&settings.text))?;
    if let Some(plan) = &args.settings.tracking_plan {
        ws.set_tracking_plan(plan)?;
    }
    let ws = Arc::new(ws);
    let traffic = if sources.is_empty() {
        None
    } else {
        let mut traffic = Traffic::default();
        let mut engine = Engine::new(ws.clone());
        crate::engine::pipeline::run_all(&mut engine, sources, |_, o| {
            traffic.observe(&ws, &o);
            Ok(())
        })?;
        Some(traffic)
    };
    drop(progress);
    findings.extend(lint(&ws, &settings, traffic.as_ref()));
    let mut report = Report::new(args.deny_warnings, args.summary, None);
    // A snapshot says where it came from, beside its file.
    report.lint = Some(match &ws.snapshot {
        Some(s) => format!("{} ({})", printable(&file), s.describe()),
        None => printable(&file).into_owned(),
    });
    report.catalog = Kind::lint();
    report.events = traffic.as_ref().map_or(0, |t| t.events);
    for f in findings {
        report.found(f.code.into(), || Place {
            origin: f.at,
            path: f.path,
            message: f.message,
        });
    }
    super::check::print(ctx, &report, args.format)
}
