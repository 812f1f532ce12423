//! `check --format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the file and line. Escaped as the Actions toolkit (`@actions/core`) does.

use std::io::{self, Write};

use crate::text::printable;

use super::{Group, Report, Verdict};

pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (code, group) in &r.codes {
        let level = if r.fails(*code) { "error" } else { "warning" };
        places(out, level, code.name, group)?;
    }
    if let Some((_, p)) = &r.policy {
        for rule in &p.rules {
            let title = format!(
                "policy {}:{}: never {}",
                printable(&p.file),
                rule.line,
                rule.text
            );
            places(out, "error", &title, &rule.group)?;
        }
    }
    let verdict = r.verdict();
    let level = if verdict == Verdict::Pass {
        "notice"
    } else {
        "error"
    };
    command(
        out,
        level,
        &[("title", r.title())],
        &format!("{}\n{}", r.totals(), verdict.sentence()),
    )
}

fn places(out: &mut dyn Write, level: &str, title: &str, group: &Group) -> io::Result<()> {
    for p in &group.places {
        let line = p.origin.line.to_string();
        command(
            out,
            level,
            &[("title", title), ("file", &p.origin.file), ("line", &line)],
            &p.described(),
        )?;
    }
    if group.more() > 0 {
        command(
            out,
            level,
            &[("title", title)],
            &format!(
                "… and {} more (without --summary, every place is listed)",
                group.more()
            ),
        )?;
    }
    Ok(())
}

/// `::level key=value,...::message`, in the toolkit's property order.
fn command(
    out: &mut dyn Write,
    level: &str,
    props: &[(&str, &str)],
    message: &str,
) -> io::Result<()> {
    write!(out, "::{level}")?;
    for (i, (k, v)) in props.iter().enumerate() {
        let sep = if i == 0 { ' ' } else { ',' };
        write!(out, "{sep}{k}={}", escape(v, true))?;
    }
    writeln!(out, "::{}", escape(message, false))
}

/// The toolkit's `escapeData` (`%`, CR, LF) and, for properties, `escapeProperty` (also `:`
/// and `,`). Other control characters were already made printable.
fn escape(s: &str, property: bool) -> String {
    let mut e = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => e.push_str("%25"),
            '\r' => e.push_str("%0D"),
            '\n' => e.push_str("%0A"),
            ':' if property => e.push_str("%3A"),
            ',' if property => e.push_str("%2C"),
            c => e.push(c),
        }
    }
    e
}
