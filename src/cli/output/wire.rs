//! The wire audit as `route --format table` prints it after the events: each vendor request
//! with its verdict, the findings on the page, and what each destination received before the
//! user's first choice.

use std::io::{self, Write};

use super::Paint;
use crate::analyses::wire::{Audit, Verdict, short_url};
use crate::rules::finding::Severity;
use crate::text::{printable, truncate_middle};
use crate::workspace::Workspace;

pub fn table(out: &mut dyn Write, ws: &Workspace, audit: &Audit, color: bool) -> io::Result<()> {
    let paint = Paint(color);
    writeln!(
        out,
        "\n{} {}: {} vendor request{}",
        paint.bold("Wire"),
        printable(&audit.file),
        audit.requests.len(),
        if audit.requests.len() == 1 { "" } else { "s" }
    )?;
    if !audit.requests.is_empty() {
        writeln!(
            out,
            "  {:<12}  {:>5}  {:<24}  {:<17}  REQUEST",
            "TIME", "LINE", "DESTINATION", "VERDICT"
        )?;
    }
    for r in &audit.requests {
        let name = r
            .destination
            .map_or(r.vendor.as_str(), |d| ws.destinations[d].name.as_str());
        let verdict = r.verdict.as_str().replace('_', " ");
        let verdict = match r.verdict {
            Verdict::WithConsent => paint.green(&format!("{verdict:<17}")),
            Verdict::NotInWorkspace => format!("{verdict:<17}"),
            _ => paint.red(&format!("{verdict:<17}")),
        };
        writeln!(
            out,
            "  {:<12}  {:>5}  {:<24}  {verdict}  {}",
            r.time.map(clock).unwrap_or_default(),
            r.line,
            truncate_middle(&printable(name), 24),
            printable(&short_url(&r.url)),
        )?;
    }
    for f in &audit.findings {
        let mark = match f.code.severity() {
            Severity::Error => paint.red("error"),
            Severity::Warning => paint.yellow("warning"),
        };
        writeln!(
            out,
            "  {mark} {} (line {}): {}",
            f.code.as_str(),
            f.line,
            printable(&f.message)
        )?;
    }
    for b in &audit.before_choice {
        writeln!(out, "  before the first consent choice, {}", b.describe())?;
    }
    Ok(())
}

/// `10:00:01.250`: the time of day, what tells requests of one page apart.
pub fn clock(t: jiff::Timestamp) -> String {
    t.strftime("%H:%M:%S%.3f").to_string()
}
