//! The detail of a wire row: what the page sent itself (the request, its destination, the
//! consent in force, its verdict and findings), or a finding not on a request; then the
//! timeline of its page. The words are the library's (`analyses::wire`), as `explain` says
//! them.

use ratatui::text::{Line, Span};

use crate::analyses::wire::{Item, Verdict, explain_request, page_timeline};
use crate::rules::finding::Severity;
use crate::text::printable;
use crate::tui::store::{Row, Store};

use super::Theme;

pub fn lines(store: &Store, row: &Row, theme: Theme) -> Vec<Line<'static>> {
    let Some(wire) = &store.wire else {
        return Vec::new();
    };
    let Some(item) = wire.item(row) else {
        return Vec::new();
    };
    let ws = store.workspace();
    let finding = |f: &crate::analyses::wire::Finding| {
        let style = match f.code.severity() {
            Severity::Error => theme.error(),
            Severity::Warning => theme.warning(),
        };
        Line::from(vec![
            Span::styled(
                format!("{} {}", f.code.severity().as_str(), f.code.as_str()),
                style,
            ),
            Span::raw(format!(": {}", printable(&f.message))),
        ])
    };
    let mut out = Vec::new();
    let (page, entry) = match item {
        Item::Request(i) => {
            let r = &wire.audit.requests[i];
            let mut said = explain_request(ws, r).into_iter();
            if let Some(first) = said.next() {
                out.push(Line::from(Span::styled(first, theme.bold())));
            }
            for line in said {
                let style = match r.verdict {
                    Verdict::WithConsent | Verdict::NotInWorkspace => theme.plain(),
                    _ if line.starts_with("Verdict:") => theme.error(),
                    _ => theme.plain(),
                };
                out.push(Line::from(Span::styled(line, style)));
            }
            out.push(Line::from(Span::styled(
                format!("{}:{}  {}", printable(&r.file), r.line, printable(&r.url)),
                theme.dim(),
            )));
            out.extend(
                wire.audit
                    .findings
                    .iter()
                    .filter(|f| f.entry == r.entry)
                    .map(finding),
            );
            (r.page.clone(), r.entry)
        }
        Item::Finding(i) => {
            let f = &wire.audit.findings[i];
            out.push(finding(f));
            out.push(Line::from(Span::styled(
                format!(
                    "{}:{}, HAR entry {}{}",
                    printable(&f.file),
                    f.line,
                    f.entry,
                    f.time.map(|t| format!(", {t}")).unwrap_or_default()
                ),
                theme.dim(),
            )));
            let page = wire
                .timeline
                .entries
                .iter()
                .find(|e| e.entry == f.entry)
                .and_then(|e| e.page.clone());
            (page, f.entry)
        }
    };
    before_choice(&mut out, &wire.audit, theme);
    timeline(&mut out, store, (page.as_deref(), entry), theme);
    out
}

/// What each destination received before the user's first choice.
fn before_choice(out: &mut Vec<Line<'static>>, audit: &crate::analyses::wire::Audit, theme: Theme) {
    if audit.before_choice.is_empty() {
        return;
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "Before the user's first choice",
        theme.heading(),
    )));
    for b in &audit.before_choice {
        out.push(Line::from(format!("  {}", b.describe())));
    }
}

/// The page's timeline, the row's entry marked.
fn timeline(
    out: &mut Vec<Line<'static>>,
    store: &Store,
    (page, entry): (Option<&str>, usize),
    theme: Theme,
) {
    let Some(wire) = &store.wire else { return };
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        match page {
            Some(p) => format!("Timeline of page {}", printable(p)),
            None => "Timeline of the capture".to_owned(),
        },
        theme.heading(),
    )));
    for (at, line) in page_timeline(store.workspace(), &wire.audit, &wire.timeline, page) {
        out.push(if at == entry {
            Line::from(Span::styled(format!("▶ {line}"), theme.accent()))
        } else {
            Line::from(format!("  {line}"))
        });
    }
}
