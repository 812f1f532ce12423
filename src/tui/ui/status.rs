//! The status bar: whether anything new can arrive, how many routes are uncertain, the
//! filter and search, the last notice, the file and `? help` (the Events title holds the counts). When it does not fit, the least important parts go first
//! (the file is shortened before it goes), so the mode and `? help` always show.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::printable;

use super::Theme;
use crate::tui::app::action::{Action, Arrivals, Prompt, PromptKind};
use crate::tui::app::state::App;
use crate::tui::export::Export;
use crate::tui::store::Store;

/// One part of the bar and how much it matters: the least important part goes first.
struct Part {
    priority: u8,
    spans: Vec<Span<'static>>,
    /// A shorter way to say the same, used before anything that matters is dropped.
    short: Option<Vec<Span<'static>>>,
    /// Whether and where its first span may be cut short before it is dropped.
    cut: Cut,
    /// The least it says, put in its place where it would otherwise be dropped.
    least: Option<Vec<Span<'static>>>,
}

/// Where a part loses characters when it must be shorter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    Never,
    /// The file's name: its end says the most.
    Start,
    /// A message: its start says the most.
    End,
}

/// Parts below this priority are dropped before any part is shortened.
const EXPENDABLE: u8 = 5;

const SEPARATOR: &str = " │ ";
/// The shortest a shortened file name or message gets before it is dropped.
const MIN_KEPT_CHARS: usize = 12;

fn part(priority: u8, spans: Vec<Span<'static>>) -> Part {
    Part {
        priority,
        spans,
        short: None,
        cut: Cut::Never,
        least: None,
    }
}

fn width(parts: &[Part]) -> usize {
    let text: usize = parts.iter().flat_map(|p| &p.spans).map(Span::width).sum();
    text + parts.len().saturating_sub(1) * SEPARATOR.chars().count()
}

/// `s` with as many characters cut at `cut` as it takes to be `excess` narrower, marked with
/// `…`; None when too little would be left.
fn shorten(s: &str, excess: usize, cut: Cut) -> Option<String> {
    let chars = s.chars().count();
    let keep = chars.checked_sub(excess + 1)?;
    if keep < MIN_KEPT_CHARS {
        return None;
    }
    Some(match cut {
        Cut::Start => {
            let tail: String = s.chars().skip(chars - keep).collect();
            format!("…{tail}")
        }
        Cut::End | Cut::Never => {
            let head: String = s.chars().take(keep).collect();
            format!("{head}…")
        }
    })
}

/// What to do next to make the bar narrower, least harmful first: drop what is expendable,
/// say things shorter, shorten the file's name, then, by priority, drop parts or cut a
/// message at its end (it goes only when too little of it would be left).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    DropExpendable,
    Shorter,
    Shrink,
    DropOrCut,
}

/// Shortens or drops parts until the bar fits in `room` columns.
fn fit(mut parts: Vec<Part>, room: usize) -> Vec<Part> {
    while width(&parts) > room {
        let step_of = |p: &Part| {
            if p.priority < EXPENDABLE {
                Step::DropExpendable
            } else if p.short.is_some() {
                Step::Shorter
            } else if p.cut == Cut::Start {
                Step::Shrink
            } else {
                Step::DropOrCut
            }
        };
        let Some((i, step)) = parts
            .iter()
            .enumerate()
            .map(|(i, p)| (i, step_of(p)))
            .min_by_key(|&(i, step)| (step, parts[i].priority))
        else {
            break;
        };
        let cut = |parts: &mut Vec<Part>| {
            let excess = width(parts) - room;
            let span = parts[i].spans[0].clone();
            let how = std::mem::replace(&mut parts[i].cut, Cut::Never);
            shorten(&span.content, excess, how).map(|s| Span::styled(s, span.style))
        };
        let drop = |parts: &mut Vec<Part>| match parts[i].least.take() {
            Some(least) => parts[i].spans = least,
            None => {
                parts.remove(i);
            }
        };
        match step {
            Step::Shorter => parts[i].spans = parts[i].short.take().unwrap_or_default(),
            Step::Shrink => {
                if let Some(s) = cut(&mut parts) {
                    parts[i].spans[0] = s;
                }
            }
            Step::DropOrCut if parts[i].cut == Cut::End => match cut(&mut parts) {
                Some(s) => parts[i].spans[0] = s,
                None => drop(&mut parts),
            },
            Step::DropExpendable | Step::DropOrCut => drop(&mut parts),
        }
    }
    parts
}

/// How the export is going, or how it ended; the short form names the files without their
/// folders.
fn export_part(e: &Export, theme: Theme) -> Part {
    let full = |p: &std::path::Path| printable(&p.to_string_lossy()).into_owned();
    let name = |p: &std::path::Path| {
        p.file_name()
            .map_or_else(|| full(p), |n| printable(&n.to_string_lossy()).into_owned())
    };
    let say = |long: String, short: String, style| Part {
        short: Some(vec![Span::styled(short, style)]),
        cut: Cut::End,
        ..part(8, vec![Span::styled(long, style)])
    };
    match e.result() {
        None => say(
            format!("exporting {}/{} to {}…", e.done(), e.total, full(&e.events)),
            format!("exporting {}/{}…", e.done(), e.total),
            theme.accent(),
        ),
        Some(Ok(s)) => {
            let mut lost = String::new();
            if s.unreadable > 0 {
                lost.push_str(&format!("; {} could not be read again", s.unreadable));
            }
            if s.skipped > 0 {
                lost.push_str(&format!(
                    "; {} not written (over 1 MiB, or not JSON)",
                    s.skipped
                ));
            }
            let n = match s.written {
                1 => "1 event".to_owned(),
                n => format!("{n} events"),
            };
            say(
                format!(
                    "exported {n} to {} and {}{lost}",
                    full(&e.events),
                    full(&e.routes)
                ),
                format!("exported {n} to {}{lost}", name(&e.events)),
                theme.ok(),
            )
        }
        Some(Err(why)) => {
            let why = printable(&why).into_owned();
            say(why.clone(), why, theme.error())
        }
    }
}

/// The line being typed after `/` or `:`, with what the keys do.
fn prompt_line(app: &App, p: &Prompt, theme: Theme) -> Line<'static> {
    let (sign, hint) = match p.kind {
        PromptKind::Search => ("/", "  Enter search · Esc cancel"),
        PromptKind::Command => (
            ":",
            "  Enter run · Tab completes · ↑ earlier · Esc cancel   (31  msg-7  user:u-bob dest:Braze blocked)",
        ),
        PromptKind::Users => (
            "users: ",
            "  any id or trait value (an email) · Enter keeps the list · Esc shows every user",
        ),
        PromptKind::SaveSettings => (
            "save settings to: ",
            "  Enter writes the what-if's settings (diff --against reads them) · Esc cancel",
        ),
        PromptKind::Export => (
            "export to: ",
            "  Enter writes it as JSON Lines, and NAME.routes.ndjson beside it · Esc cancel",
        ),
    };
    let mut spans = vec![
        Span::styled(format!("{sign}{}▏", printable(&p.text)), theme.bold()),
        Span::styled(hint, theme.dim()),
    ];
    if let Some(f) = &app.flash {
        spans.insert(
            1,
            Span::styled(format!("  {}", printable(f)), theme.warning()),
        );
    }
    Line::from(spans)
}

/// The workspace what-if in force: what it changes in the settings and in the routes, and
/// the keys that drop and save it. While the events are decided again, how far that is.
fn what_if_part(app: &App, store: &Store, theme: Theme) -> Option<Part> {
    let w = app.workspace_what_if.as_ref()?;
    if let Some(vendor) = w.vendor {
        return Some(compare_part(app, store, w, vendor, theme));
    }
    let keys = format!(
        "{} drop · {} save · {} edit",
        app.keys.hint(Action::DropWorkspaceWhatIf),
        app.keys.hint(Action::SaveWorkspaceWhatIf),
        app.keys.hint(Action::EditWorkspace)
    );
    let t = w.tally;
    let routes = if store.caught_up {
        format!(
            "{} routes changed in {} events (+{} delivered, +{} blocked)",
            t.delivered + t.blocked,
            t.events,
            t.delivered,
            t.blocked
        )
    } else {
        format!("deciding again: {} events", store.end())
    };
    let badge = Span::styled(" WHAT-IF ", theme.badge());
    let said = printable(&w.changes.join("; ")).into_owned();
    Some(Part {
        short: Some(vec![
            badge.clone(),
            Span::styled(
                format!(" {} changed · {keys}", t.delivered + t.blocked),
                theme.accent(),
            ),
        ]),
        least: Some(vec![
            badge.clone(),
            Span::styled(
                format!(
                    " {}/{}",
                    app.keys.hint(Action::DropWorkspaceWhatIf),
                    app.keys.hint(Action::SaveWorkspaceWhatIf)
                ),
                theme.accent(),
            ),
        ]),
        ..part(
            9,
            vec![
                badge,
                Span::styled(format!(" {said} · {routes} · {keys}"), theme.accent()),
            ],
        )
    })
}

/// The search in force: its text and matches (which of them is chosen).
fn search_part(app: &App, store: &Store, theme: Theme) -> Option<Part> {
    let s = app.search.as_ref()?;
    let (n, done) = app.match_count(store).unwrap_or((0, true));
    let more = if done { "" } else { "…" };
    let label = match app.match_position(store) {
        Some((i, _)) => format!("/{} match {i}/{n}{more}", printable(s.text())),
        None => format!(
            "/{} {n} match{}{more}",
            printable(s.text()),
            if n == 1 { "" } else { "es" },
        ),
    };
    Some(part(6, vec![Span::styled(label, theme.accent())]))
}

/// How many routes are uncertain, where some are: a "deliver" count alone would overstate.
fn uncertain_part(store: &Store, theme: Theme) -> Option<Part> {
    let uncertain = store.counts.uncertain_routes;
    let word = if uncertain == 1 { "route" } else { "routes" };
    (uncertain > 0).then(|| Part {
        least: Some(vec![Span::styled(format!("?{uncertain}"), theme.warning())]),
        ..part(
            4,
            vec![Span::styled(
                format!("?{uncertain} uncertain {word}"),
                theme.warning(),
            )],
        )
    })
}

/// What a HAR capture's page sent itself, where it sent anything: its vendor requests and
/// the wire findings (`o` lists them).
fn wire_part(store: &Store, theme: Theme) -> Option<Part> {
    let (requests, findings) = (store.counts.wire_requests, store.counts.wire_findings);
    if store.wire.is_none() || requests + findings == 0 {
        return None;
    }
    let style = if findings > 0 {
        theme.error()
    } else {
        theme.ok()
    };
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            one.to_owned()
        } else {
            many.to_owned()
        }
    };
    Some(Part {
        short: Some(vec![Span::styled(
            format!("wire ↗{requests} ✗{findings}"),
            style,
        )]),
        ..part(
            4,
            vec![Span::styled(
                format!(
                    "wire: {requests} vendor {}, {findings} {}",
                    plural(requests, "request", "requests"),
                    plural(findings, "finding", "findings")
                ),
                style,
            )],
        )
    })
}

/// Where the settings came from, when they are a snapshot: its source and age (the first
/// thing to go on a narrow screen; the Destinations pane's footer says it all).
fn snapshot_part(store: &Store, theme: Theme) -> Option<Part> {
    let s = store.workspace().snapshot.as_ref()?;
    let source = s.source.slug.as_deref().unwrap_or(&s.source.id);
    let age = s.age(jiff::Timestamp::now()).map_or_else(
        || printable(&s.pulled_at).into_owned(),
        |a| format!("{a} old"),
    );
    Some(Part {
        short: Some(vec![Span::styled(
            format!("snapshot {}", printable(source)),
            theme.dim(),
        )]),
        ..part(
            5,
            vec![Span::styled(
                format!("snapshot of {} · {age}", printable(source)),
                theme.dim(),
            )],
        )
    })
}

/// Whose rules decide, when they are not the default's (and no comparison says it already).
fn dialect_part(app: &App, store: &Store, theme: Theme) -> Option<Part> {
    let badge = crate::rules::dialect::chain(store.workspace().dialect()).badge?;
    app.workspace_what_if
        .is_none()
        .then(|| part(8, vec![Span::styled(badge, theme.accent())]))
}

/// A vendor comparison in force: whose rules the events are now decided by, how many routes
/// the two vendors disagree on, and the key that ends it.
fn compare_part(
    app: &App,
    store: &Store,
    w: &crate::tui::app::parts::WorkspaceWhatIf,
    vendor: crate::workspace::dialect::Dialect,
    theme: Theme,
) -> Part {
    let t = w.tally;
    let back = app.keys.hint(Action::CompareVendors);
    let said = if store.caught_up {
        format!(
            "{} routes disagree in {} events ({} only {vendor} delivers, {} only it blocks)",
            t.delivered + t.blocked,
            t.events,
            t.delivered,
            t.blocked,
            vendor = vendor.vendor()
        )
    } else {
        format!("deciding again: {} events", store.end())
    };
    let badge = Span::styled(
        format!(" {} ", vendor.vendor().to_uppercase()),
        theme.badge(),
    );
    Part {
        short: Some(vec![
            badge.clone(),
            Span::styled(
                format!(" {} disagree · {back} back", t.delivered + t.blocked),
                theme.accent(),
            ),
        ]),
        least: Some(vec![
            badge.clone(),
            Span::styled(format!(" {back}"), theme.accent()),
        ]),
        ..part(
            9,
            vec![
                badge,
                Span::styled(format!(" {said} · {back} back"), theme.accent()),
            ],
        )
    }
}

/// Whether anything new can arrive: following, paused, read once, or ended and why.
fn mode(app: &App, theme: Theme) -> Part {
    if let Arrivals::Ended(why) = &app.arrivals {
        part(
            10,
            vec![Span::styled(
                format!(" ■ {} ", printable(why)),
                theme.badge(),
            )],
        )
    } else if app.arrivals == Arrivals::ReadOnce {
        part(10, vec![Span::styled(" ■ READ ONCE ", theme.badge())])
    } else if app.follow {
        part(10, vec![Span::styled("▶ FOLLOWING", theme.following())])
    } else {
        Part {
            short: Some(vec![Span::styled(" ⏸ PAUSED ", theme.paused())]),
            ..part(
                10,
                vec![Span::styled(" ⏸ PAUSED (f resumes) ", theme.paused())],
            )
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    if let Some(p) = &app.prompt {
        frame.render_widget(Paragraph::new(prompt_line(app, p, theme)), area);
        return;
    }
    let mut parts = vec![mode(app, theme)];
    if let Some(b) = &app.banner {
        parts.push(Part {
            cut: Cut::End,
            ..part(
                9,
                vec![Span::styled(printable(&b()).into_owned(), theme.accent())],
            )
        });
    }
    if store.demo {
        parts.push(part(9, vec![Span::styled(" DEMO ", theme.badge())]));
    }
    parts.extend(dialect_part(app, store, theme));
    parts.extend(what_if_part(app, store, theme));
    if let Some(f) = &app.flash {
        parts.push(Part {
            cut: Cut::End,
            ..part(
                8,
                vec![Span::styled(printable(f).into_owned(), theme.warning())],
            )
        });
    }
    parts.extend(uncertain_part(store, theme));
    parts.extend(wire_part(store, theme));
    parts.extend(snapshot_part(store, theme));
    if !app.filter.is_all() {
        // Its words may be cut; that a filter is in force, and its count, always show.
        let more = if app.filter_done(store) { "" } else { "…" };
        let what = app.filter.describe(store);
        let count = Span::styled(format!(" ({}{more})", app.len(store)), theme.accent());
        parts.push(Part {
            cut: Cut::End,
            least: Some(vec![Span::styled("filter", theme.accent()), count.clone()]),
            ..part(
                7,
                vec![
                    Span::styled(format!("filter: {what}"), theme.accent()),
                    count,
                ],
            )
        });
    }
    parts.extend(search_part(app, store, theme));
    if let Some(e) = &app.export {
        parts.push(export_part(e, theme));
    }
    if app.zoomed().is_some() {
        parts.push(part(5, vec![Span::styled("zoomed (z)", theme.accent())]));
    }
    if let Some(v) = app.what_if.value {
        // The detail changes meaning while a what-if is on; say so wherever one looks.
        let id = printable(&store.workspace().category(app.what_if.category).id).into_owned();
        let label = format!(
            "what if {id} = {} ({} ends)",
            v.label(crate::rules::dialect::chain(store.workspace().dialect())),
            app.keys.hint(Action::WhatIfReset)
        );
        parts.push(part(6, vec![Span::styled(label, theme.accent())]));
    }
    if store.evicted() > 0 {
        let label = format!(
            "{} older events left the view (--max-events {})",
            store.evicted(),
            store.max_events
        );
        parts.push(part(3, vec![Span::styled(label, theme.warning())]));
    }
    if let Some(n) = &store.notice {
        parts.push(part(
            6,
            vec![Span::styled(printable(n).into_owned(), theme.warning())],
        ));
    }
    parts.push(Part {
        cut: Cut::Start,
        ..part(7, vec![Span::raw(printable(&store.source).into_owned())])
    });
    let help = format!("{} help", app.keys.hint(Action::ToggleHelp));
    parts.push(part(9, vec![Span::styled(help, theme.dim())]));
    let mut spans = Vec::new();
    for (i, p) in fit(parts, usize::from(area.width)).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(SEPARATOR, theme.dim()));
        }
        spans.extend(p.spans);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_important_parts_go_first_and_the_file_shrinks_before_it_goes() {
        let parts = || {
            vec![
                part(10, vec![Span::raw("MODE")]),
                part(4, vec![Span::raw("counts counts")]),
                Part {
                    cut: Cut::Start,
                    ..part(7, vec![Span::raw("samples/some/long/path/events.jsonl")])
                },
                part(9, vec![Span::raw("? help")]),
            ]
        };
        let text = |ps: Vec<Part>| -> Vec<String> {
            ps.iter()
                .map(|p| p.spans.iter().map(|s| s.content.to_string()).collect())
                .collect()
        };
        assert_eq!(text(fit(parts(), 200)).len(), 4);
        assert_eq!(
            text(fit(parts(), 50)),
            ["MODE", "…mples/some/long/path/events.jsonl", "? help"]
        );
        assert_eq!(text(fit(parts(), 20)), ["MODE", "? help"]);
    }
}
