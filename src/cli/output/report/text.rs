//! `check --format text`: findings grouped by code, each place as `file:line`, for people.

use std::io::{self, Write};

use crate::rules::finding::Severity;
use crate::text::printable;

use super::{Group, Report, Verdict};
use crate::cli::output::Paint;

pub fn write(r: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Paint(color);
    for (code, group) in &r.codes {
        let sev = match code.severity {
            Severity::Error => p.red("error  "),
            Severity::Warning => p.yellow("warning"),
        };
        writeln!(
            out,
            "{sev} {} ({}): {}",
            p.bold(code.name),
            group.count,
            code.about
        )?;
        places(out, group)?;
    }
    if let Some((_, policy)) = &r.policy {
        for rule in policy.rules.iter().filter(|r| r.group.count > 0) {
            writeln!(
                out,
                "{} {} ({}): never {}{}",
                p.red("policy "),
                p.bold(&format!("{}:{}", printable(&policy.file), rule.line)),
                rule.group.count,
                rule.text,
                rule.why
                    .as_deref()
                    .map(|w| format!(" ({})", printable(w)))
                    .unwrap_or_default()
            )?;
            places(out, &rule.group)?;
        }
    }
    let verdict = match r.verdict() {
        Verdict::Pass => p.green(Verdict::Pass.sentence()),
        failed => p.red(failed.sentence()),
    };
    writeln!(out, "{}\n{verdict}", r.totals())
}

fn places(out: &mut dyn Write, group: &Group) -> io::Result<()> {
    for place in &group.places {
        writeln!(out, "    {place}")?;
    }
    if group.more() > 0 {
        writeln!(
            out,
            "    … and {} more (without --summary, every place is listed)",
            group.more()
        )?;
    }
    writeln!(out)
}
