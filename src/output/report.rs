//! The `check` report: findings grouped by code, each with <file:line>, for CI pipelines.

use std::collections::BTreeMap;
use std::io::{self, Write};

use consent_inspector::engine::Outcome;
use consent_inspector::text::printable;
use consent_inspector::validate::{Code, Severity};

use super::Paint;

#[derive(Default)]
pub struct Report {
    events: u64,
    not_ingested: u64,
    warned: u64,
    /// Per code, each place it was found: (origin, path, message).
    by_code: BTreeMap<Code, Vec<(String, Option<String>, String)>>,
}

impl Report {
    pub fn add(&mut self, o: &Outcome) {
        self.events += 1;
        if !o.ingested() {
            self.not_ingested += 1;
        } else if o.has_warnings() {
            self.warned += 1;
        }
        for f in &o.findings {
            self.by_code.entry(f.code).or_default().push((
                o.origin.to_string(),
                f.path.as_deref().map(|p| printable(p).into_owned()),
                printable(&f.message).into_owned(),
            ));
        }
    }

    pub fn failed(&self, deny_warnings: bool) -> bool {
        self.not_ingested > 0 || (deny_warnings && self.warned > 0)
    }

    pub fn write(&self, out: &mut dyn Write, deny_warnings: bool, color: bool) -> io::Result<()> {
        let p = Paint(color);
        for (code, places) in &self.by_code {
            let sev = match code.severity() {
                Severity::Error => p.red("error  "),
                Severity::Warning => p.yellow("warning"),
            };
            writeln!(
                out,
                "{sev} {} ({}): {}",
                p.bold(code.as_str()),
                places.len(),
                code.about()
            )?;
            for (at, path, message) in places {
                match path {
                    Some(path) => writeln!(out, "    {at}  {path}: {message}")?,
                    None => writeln!(out, "    {at}  {message}")?,
                }
            }
            writeln!(out)?;
        }
        let summary = format!(
            "{} events: {} not ingested, {} ingested with warnings",
            self.events, self.not_ingested, self.warned
        );
        let verdict = if self.not_ingested > 0 {
            p.red("FAIL: some events are not ingested")
        } else if deny_warnings && self.warned > 0 {
            p.red("FAIL: warnings denied (--deny-warnings)")
        } else {
            p.green("OK")
        };
        writeln!(out, "{summary}\n{verdict}")
    }
}
