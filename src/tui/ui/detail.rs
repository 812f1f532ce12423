//! The detail of the selected event: routes with reasons, the integrations object, findings,
//! consent against the user's record, the explanation, and the JSON with problems marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use serde_json::Value;

use crate::analyses::what_if::Changed;
use crate::engine::Outcome;
use crate::engine::profile::ConsentState;
use crate::engine::profile::IdentityId;
use crate::read::event::{Preferences, Tree};
use crate::rules::finding::{Severity, shown};
use crate::rules::verdict::{Block as Blocked, Decision, Mode};
use crate::rules::words::category_label;
use crate::text::printable;
use crate::workspace::Workspace;

use super::wrap::wrap;
use super::{Theme, json, lower_title};
use crate::tui::app::action::Pane;
use crate::tui::app::state::App;
use crate::tui::selected::{Detail, Excerpt};
use crate::tui::store::Store;

fn heading(text: &str, theme: Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_owned(), theme.heading()))
}

/// The detail's lines, and where the JSON's folds are: `(line, path)`.
type Content = (Vec<Line<'static>>, Vec<(usize, String)>);

fn lines(app: &App, store: &Store, theme: Theme) -> Content {
    let Some(detail) = &app.detail else {
        return (
            vec![Line::from(Span::styled("No event selected.", theme.dim()))],
            Vec::new(),
        );
    };
    // A request the page sent itself has no routes: the wire audit says what it was.
    if let Some(r) = store.row(detail.row).filter(|r| r.is_wire()) {
        return (super::wire::lines(store, r, theme), Vec::new());
    }
    let o = match &detail.outcome {
        Ok(o) => o,
        Err(e) => {
            let mut out = vec![Line::from(Span::styled(
                printable(e).into_owned(),
                theme.error(),
            ))];
            out.extend(detail.kept.iter().map(|l| Line::from(l.clone())));
            return (out, Vec::new());
        }
    };
    let ws = store.workspace();
    let mut out = Vec::new();
    let status = if o.ingested() {
        Span::styled("ingested", theme.ok())
    } else {
        Span::styled("NOT INGESTED: no destination receives it", theme.error())
    };
    out.push(Line::from(vec![
        Span::styled(o.origin.to_string(), theme.bold()),
        Span::raw("  "),
        status,
    ]));
    if let Some(call) = store.har_call(o.origin.line) {
        out.push(Line::from(Span::styled(
            format!(
                "{}{}",
                call.describe(),
                if call.has_body {
                    ""
                } else {
                    ", no request body"
                }
            ),
            theme.dim(),
        )));
    }
    if let Some(line) = time_line(app, o, theme) {
        out.push(line);
    }
    workspace_what_if(&mut out, app, detail, ws, o, theme);

    // A what-if's result goes first, so it is in view whatever the pane's height; the hint
    // that offers one follows the routes it is about.
    if detail.trial.is_some() {
        what_if(&mut out, app, detail, ws, o, theme);
        source(&mut out, ws, o, theme);
        routes(&mut out, ws, o, theme);
    } else {
        source(&mut out, ws, o, theme);
        routes(&mut out, ws, o, theme);
        what_if(&mut out, app, detail, ws, o, theme);
    }
    delivery_overview(&mut out, ws, o, theme);
    integrations(&mut out, o, theme);
    findings(&mut out, o, theme);
    choices(&mut out, ws, o, theme);
    if let Some(id) = o.identity {
        consent(&mut out, store, o, id, theme);
    }
    out.push(heading("Explanation", theme));
    out.extend(
        detail
            .explanation
            .iter()
            .map(|l| Line::from(format!("  {l}"))),
    );
    let folds = json_of(&mut out, ws, o, detail, theme);
    (out, folds)
}

/// The event's full timestamp as written, and in the zone the list shows.
fn time_line(app: &App, o: &Outcome, theme: Theme) -> Option<Line<'static>> {
    let ev = o.event()?;
    let (field, written) = crate::read::event::Field::TIMESTAMPS
        .iter()
        .find_map(|f| Some((*f, ev.get(*f)?.as_str()?.to_owned())))?;
    let shown = match written.parse::<jiff::Timestamp>() {
        Ok(t) => {
            let zone = crate::tui::app::state::zone_label(&app.zone);
            let at = t.to_zoned_datetime(app.zone.clone());
            format!("= {} {zone}", at.strftime("%Y-%m-%d %H:%M:%S%.f"))
        }
        Err(_) => "(not a time this tool can read)".to_owned(),
    };
    Some(Line::from(vec![
        Span::styled(format!("{}: ", field.key()), theme.dim()),
        Span::raw(format!("{} ", printable(&written))),
        Span::styled(shown, theme.accent()),
    ]))
}

/// What the source stage did, above the destinations, where the source has controls.
fn source(out: &mut Vec<Line<'static>>, ws: &Workspace, o: &Outcome, theme: Theme) {
    let chain = crate::rules::dialect::chain(ws.dialect());
    let Some(said) = o
        .event()
        .filter(|_| o.ingested())
        .and_then(|e| (chain.source)(ws, e, &o.routes))
    else {
        return;
    };
    let dropped = o.routes.iter().any(|r| {
        matches!(
            r.decision,
            Decision::Block(Blocked::FilteredAtSource { .. })
        )
    });
    let (mark, style) = if dropped {
        ("✗", theme.error())
    } else {
        ("✓", theme.ok())
    };
    out.push(heading("Source", theme));
    out.push(Line::from(vec![
        Span::styled(format!("  {mark} "), style),
        Span::raw(said),
    ]));
    // What cloud destinations receive besides: the record of what Protocols did.
    let written = o
        .event()
        .and_then(|e| crate::rules::segment::protocols::evaluate(ws, e))
        .filter(|e| e.blocked.is_none())
        .and_then(|e| e.context_protocols());
    if let Some(v) = written {
        out.push(Line::from(vec![
            Span::styled(
                "    cloud destinations receive context.protocols = ",
                theme.dim(),
            ),
            Span::raw(printable(&v.to_string()).into_owned()),
        ]));
    }
}

/// Every destination with its decision, reason and what blocked it.
fn routes(out: &mut Vec<Line<'static>>, ws: &Workspace, o: &Outcome, theme: Theme) {
    out.push(heading("Destinations", theme));
    let name_w = ws
        .destinations
        .iter()
        .map(|d| d.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for r in &o.routes {
        let d = &ws.destinations[r.destination];
        let name = format!(
            "{:<name_w$}",
            crate::text::truncate(&printable(&d.name), name_w)
        );
        let (mark, style) = match r.decision {
            Decision::Deliver(_) => ("✓", theme.ok()),
            Decision::Uncertain(_) => ("?", theme.warning()),
            Decision::Block(_) => ("✗", theme.error()),
        };
        let mut spans = vec![
            Span::styled(format!("  {mark} "), style),
            Span::raw(name),
            Span::raw(" "),
            Span::styled(r.decision.reason(), style),
        ];
        if r.mode == Mode::Device {
            // A mobile library's plugin decides, not the browser's consent model.
            let note = r.mobile.map_or_else(
                || (crate::rules::dialect::chain(r.vendor).device_note)(ws),
                |lib| format!(" ⇢ device mode, {}", lib.as_str()),
            );
            spans.push(Span::styled(note, theme.accent()));
        }
        if let Some(why) = why_so(ws, r) {
            spans.push(Span::raw(format!("  {why}")));
        }
        if !r.mappings.is_empty() {
            let names = crate::rules::segment::mappings::fired_names(ws, r);
            spans.push(Span::raw(format!("  as {}", printable(&names.join(", ")))));
        }
        if let (Decision::Block(Blocked::NoMappingMatched { .. }), Some((mappings, _))) = (
            &r.decision,
            crate::rules::segment::mappings::deciding(ws, r),
        ) {
            let what = if r.mode == Mode::Device && d.plugin.is_some() {
                "subscription"
            } else {
                "mapping"
            };
            spans.push(Span::raw(format!(
                "  none of {} {what}{} fires",
                mappings.len(),
                if mappings.len() == 1 { "" } else { "s" }
            )));
        }
        let without = r.without();
        if !without.is_empty() {
            spans.push(Span::styled(
                format!("  without {}", printable(&without.join(", "))),
                theme.dim(),
            ));
        }
        out.push(Line::from(spans));
    }

    // Grouped by discard reason, as Delivery Overview groups them, so the two screens can be
}

/// What would change had the chosen category been different, or how to ask.
fn what_if(
    out: &mut Vec<Line<'static>>,
    app: &App,
    detail: &Detail,
    ws: &Workspace,
    o: &Outcome,
    theme: Theme,
) {
    let Some(t) = &detail.trial else {
        if o.ingested() && !ws.categories.is_empty() {
            out.push(Line::styled(
                format!(
                    "  what if: 1-{} chooses a category ({} now), {} changes it",
                    ws.categories.len().min(9),
                    category_label(ws, app.what_if.category),
                    app.keys.hint(crate::tui::app::action::Action::WhatIfCycle)
                ),
                theme.dim(),
            ));
        }
        return;
    };
    let chain = crate::rules::dialect::chain(ws.dialect());
    let was = (chain.holds)(o.event(), &ws.category(t.category).id);
    out.push(heading(
        &format!(
            "What if {} were {} (event: {was})? {} next value, {} as it is",
            category_label(ws, t.category),
            t.value.label(chain),
            app.keys.hint(crate::tui::app::action::Action::WhatIfCycle),
            app.keys.hint(crate::tui::app::action::Action::WhatIfReset)
        ),
        theme,
    ));
    // `·` rows: the same verdict, now held by another category than the one tried. A route
    // that the tried category still blocks changes only in how its value is described.
    let other_blocks = |c: &&Changed| {
        !c.verdict_changed()
            && !c
                .after
                .decision
                .blocked_by()
                .iter()
                .any(|b| b.category == t.category)
    };
    if !t.changed.iter().any(Changed::verdict_changed) {
        out.push(Line::styled("  no verdict would change", theme.dim()));
    }
    for c in t.changed.iter().filter(|c| c.verdict_changed()) {
        changed_route(out, ws, &c.before, &c.after, None, theme);
    }
    // Same verdict, different categories behind it: worth a line, as it tells the reader
    // which category still blocks.
    for c in t.changed.iter().filter(other_blocks) {
        let name = printable(&ws.destinations[c.after.destination].name).into_owned();
        out.push(Line::styled(
            format!(
                "  · {name}: still {} {}; {}",
                c.after.decision.verb(),
                c.after.decision.reason(),
                crate::analyses::explain::describe_route(ws, &c.after)
            ),
            theme.dim(),
        ));
    }
    if !t.outcome.ingested() {
        out.push(Line::styled("  it would not be ingested", theme.error()));
    }
}

/// What stands behind a route's verdict, in a few words, where its reason needs some: the
/// vendor's step that made it says.
fn why_so(ws: &Workspace, r: &crate::rules::verdict::Route) -> Option<String> {
    crate::rules::dialect::chain(r.vendor).why(ws, r)
}

/// `◆ Braze: blocked not_consented → delivered consented`, and why it is so now.
fn changed_route(
    out: &mut Vec<Line<'static>>,
    ws: &Workspace,
    before: &crate::rules::verdict::Route,
    after: &crate::rules::verdict::Route,
    vendor: Option<crate::workspace::dialect::Dialect>,
    theme: Theme,
) {
    let name = printable(&ws.destinations[after.destination].name).into_owned();
    // A comparison names each side's vendor; a what-if reads before → after.
    let (from, to) = vendor.map_or((String::new(), " → ".to_owned()), |v| {
        (
            format!("{} ", v.other().vendor()),
            format!(" · {} ", v.vendor()),
        )
    });
    let mark = if vendor.is_some() && before.decision.delivered() != after.decision.delivered() {
        "  ≠ "
    } else {
        "  ◆ "
    };
    out.push(Line::from(vec![
        Span::styled(mark, theme.accent()),
        Span::raw(format!(
            "{name}: {from}{} {}{to}",
            before.decision.verb(),
            before.decision.reason()
        )),
        Span::styled(
            format!("{} {}", after.decision.verb(), after.decision.reason()),
            if after.decision.delivered() {
                theme.ok()
            } else {
                theme.error()
            },
        ),
    ]));
    out.push(Line::styled(
        format!(
            "      {}",
            crate::analyses::explain::describe_route(ws, after)
        ),
        theme.dim(),
    ));
}

/// With a workspace what-if: the routes of this event it changes, before → after.
fn workspace_what_if(
    out: &mut Vec<Line<'static>>,
    app: &App,
    detail: &Detail,
    ws: &Workspace,
    o: &Outcome,
    theme: Theme,
) {
    let (Some(w), Some(before)) = (&app.workspace_what_if, &detail.before) else {
        return;
    };
    let title = match w.vendor {
        Some(v) => format!(
            "{} beside {}: the routes they decide differently (≠ delivered by one only)",
            v.other().vendor(),
            v.vendor()
        ),
        None => format!("Workspace what-if: {}", printable(&w.changes.join("; "))),
    };
    out.push(heading(&title, theme));
    // What the translation of the settings could not carry over.
    if w.vendor.is_some() {
        for note in w.changes.iter().skip(1) {
            out.push(Line::styled(
                format!("  note: {}", printable(note)),
                theme.dim(),
            ));
        }
    }
    let mut any = false;
    for (b, a) in before.routes.iter().zip(&o.routes) {
        if b.decision.verb() != a.decision.verb() || b.decision.reason() != a.decision.reason() {
            changed_route(out, ws, b, a, w.vendor, theme);
            any = true;
        }
    }
    if !any {
        let none = if w.vendor.is_some() {
            "  the two vendors agree on every route of this event"
        } else {
            "  no route of this event changes"
        };
        out.push(Line::styled(none, theme.dim()));
    }
}

/// The routes grouped by Delivery Overview's discard reason.
fn delivery_overview(out: &mut Vec<Line<'static>>, ws: &Workspace, o: &Outcome, theme: Theme) {
    // Only a vendor with Delivery Overview has its table (RudderStack has none).
    if !crate::rules::dialect::chain(ws.dialect()).delivery_overview {
        return;
    }
    // held side by side.
    let mut discards: Vec<(&str, Vec<String>)> = Vec::new();
    for r in &o.routes {
        // No code: delivered, uncertain (as the unknown step decides), or never seen by
        // Segment (not loaded, dropped on the device).
        let reason = o.discard(r).unwrap_or(match &r.decision {
            Decision::Deliver(_) => "delivered by Segment",
            Decision::Uncertain(_) => "uncertain (as the unknown step decides)",
            Decision::Block(_) => "never reaches Segment",
        });
        let name = printable(&ws.destinations[r.destination].name).into_owned();
        match discards.iter_mut().find(|(d, _)| *d == reason) {
            Some((_, names)) => names.push(name),
            None => discards.push((reason, vec![name])),
        }
    }
    if !discards.is_empty() {
        out.push(heading("What Delivery Overview shows", theme));
    }
    for (reason, names) in discards {
        out.push(Line::from(vec![
            Span::styled(format!("  {reason}"), theme.accent()),
            Span::raw(format!("  {}", names.join(", "))),
        ]));
    }
}

/// The `integrations` object and what it removed.
fn integrations(out: &mut Vec<Line<'static>>, o: &Outcome, theme: Theme) {
    // Only an object means anything; another type is a finding, not a section.
    let Some(members) = o.event().and_then(crate::read::event::Doc::integrations) else {
        return;
    };
    out.push(heading("Integrations object", theme));
    let removed = o
        .routes
        .iter()
        .filter(|r| {
            matches!(
                r.decision,
                Decision::Block(Blocked::IntegrationsObject { .. })
            )
        })
        .count();
    let flags: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}: {}", printable(&k), shown(&v)))
        .collect();
    out.push(Line::from(format!(
        "  {{{}}}  removes {removed} destination(s) that consent allowed",
        flags.join(", ")
    )));
}

/// Validation findings with their paths.
fn findings(out: &mut Vec<Line<'static>>, o: &Outcome, theme: Theme) {
    out.push(heading("Findings", theme));
    if o.findings.is_empty() {
        out.push(Line::from(Span::styled("  none", theme.dim())));
    }
    for f in &o.findings {
        let style = if f.severity() == Severity::Error {
            theme.error()
        } else {
            theme.warning()
        };
        let mut spans = vec![Span::styled(
            format!("  {} {}", f.severity().as_str(), f.code.as_str()),
            style,
        )];
        if let Some(p) = &f.path {
            spans.push(Span::styled(format!("  {}", printable(p)), theme.accent()));
        }
        spans.push(Span::raw(format!("  {}", printable(&f.message))));
        out.push(Line::from(spans));
    }
}

/// The choices the verdict rests on where the sources are silent or disagree.
fn choices(out: &mut Vec<Line<'static>>, ws: &Workspace, o: &Outcome, theme: Theme) {
    let choices = o.choices(ws);
    if !choices.is_empty() {
        out.push(heading("Where the sources are silent or disagree", theme));
        for c in choices {
            out.push(Line::styled(format!("  • {}", c.line()), theme.warning()));
        }
    }
}

/// The event's consent beside the user's recorded consent.
fn consent(out: &mut Vec<Line<'static>>, store: &Store, o: &Outcome, id: IdentityId, theme: Theme) {
    let ws = store.workspace();
    let profiles = store.engine.profiles();
    out.push(heading(
        &format!(
            "Consent: this event vs {}'s record now",
            printable(profiles.label(id))
        ),
        theme,
    ));
    let recorded = profiles.profile(id).consent.clone();
    let prefs = match o.event().map(|e| e.preferences()) {
        Some(Preferences::Object(m)) => Some(m),
        _ => None,
    };
    for (i, c) in ws.categories.iter().enumerate() {
        let on_event = match prefs {
            None => "—".to_owned(),
            Some(m) => m.get(&c.id).map_or("missing".into(), |v| shown(&v)),
        };
        let state = recorded
            .as_ref()
            .map_or(ConsentState::NeverCollected, |r| r[i]);
        let differs = prefs.is_some()
            && recorded.is_some()
            && (on_event == "true") != (state == ConsentState::Granted);
        let style = if differs {
            theme.warning()
        } else {
            theme.plain()
        };
        out.push(Line::styled(
            format!(
                "  {:<28} event {:<10} recorded {}",
                category_label(ws, i as u8),
                on_event,
                state.as_str()
            ),
            style,
        ));
    }
}

/// The event's JSON, with the lines that hold a finding's path marked; returns where its
/// folds are.
fn json_of(
    out: &mut Vec<Line<'static>>,
    ws: &Workspace,
    o: &Outcome,
    detail: &Detail,
    theme: Theme,
) -> Vec<(usize, String)> {
    let toggled = &detail.toggled;
    out.push(heading("JSON", theme));
    if let Some(ev) = o.event() {
        let marked: Vec<&str> = o
            .findings
            .iter()
            .filter_map(|f| f.path.as_deref())
            .collect();
        if ev.inherited_from_batch() {
            out.push(Line::from(Span::styled(
                "  (context or integrations taken from the batch)",
                theme.dim(),
            )));
        }
        let start = out.len();
        // Which destinations will not receive a field their filters take out.
        let mut notes: Vec<(String, String)> = Vec::new();
        for r in &o.routes {
            for field in r.without() {
                let name = printable(&ws.destinations[r.destination].name).into_owned();
                match notes.iter_mut().find(|(f, _)| f == field) {
                    Some((_, n)) => n.push_str(&format!(", {name}")),
                    None => notes.push((field.to_owned(), format!("not sent to {name}"))),
                }
            }
        }
        let toggled = |p: &str| toggled.contains(p);
        let json = match ev.tree() {
            Tree::InPlace(node) => json::lines(node, &marked, &notes, &toggled, theme),
            // Only what serde_json cannot build comes back as null: an element that took
            // keys from its batch, nested beyond serde_json's 128 levels.
            Tree::Built(Value::Null) => {
                out.push(Line::from(Span::styled(
                    format!(
                        "  nested deeper than the 128 levels this view builds ({} bytes): not shown; c copies the line as written",
                        ev.size()
                    ),
                    theme.dim(),
                )));
                return Vec::new();
            }
            Tree::Built(value) => json::lines(&value, &marked, &notes, &toggled, theme),
        };
        out.extend(json.lines);
        json.folds
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| Some((start + i, f?)))
            .collect()
    } else {
        not_an_event(out, detail.excerpt.as_ref(), theme);
        Vec::new()
    }
}

/// The text of a line that is not an event, with where the parser stopped marked `⏵`.
fn not_an_event(out: &mut Vec<Line<'static>>, excerpt: Option<&Excerpt>, theme: Theme) {
    let Some(x) = excerpt else {
        out.push(Line::from(Span::styled("  (not JSON)", theme.dim())));
        return;
    };
    let at = match x.column {
        Some(c) => format!(", the parser stopped at column {c} (⏵)"),
        None => String::new(),
    };
    out.push(Line::from(Span::styled(
        format!("  the line as written ({} bytes){at}:", x.bytes),
        theme.dim(),
    )));
    let mut text = vec![Span::raw(format!("  {}", x.before))];
    if x.column.is_some() {
        text.push(Span::styled("⏵", theme.error()));
        text.push(Span::styled(x.after.clone(), theme.error()));
    }
    out.push(Line::from(text));
}

/// The detail as rows that fit `width`, wrapped with their indent kept, and for each row the
/// path of the fold (or long string) that Enter toggles there.
pub struct Rows {
    pub lines: Vec<Line<'static>>,
    pub folds: Vec<Option<String>>,
}

pub fn rows(app: &App, store: &Store, theme: Theme, width: u16) -> Rows {
    let (logical, folds) = lines(app, store, theme);
    let mut folds = folds.into_iter().peekable();
    let mut out = Rows {
        lines: Vec::with_capacity(logical.len()),
        folds: Vec::with_capacity(logical.len()),
    };
    for (i, line) in logical.into_iter().enumerate() {
        let n = wrap(line, usize::from(width), &mut out.lines);
        let fold = folds.next_if(|(at, _)| *at == i).map(|(_, p)| p);
        out.folds.extend(std::iter::repeat_n(fold, n));
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let block = Block::bordered()
        .title(lower_title(app, theme))
        .border_style(theme.border(app.pane == Pane::Detail));
    let inner = block.inner(area);
    let mut rows = rows(app, store, theme, inner.width).lines;
    // What does not fit is counted on the border, so a cut list never looks whole.
    let offset = app.detail_view.offset.min(rows.len());
    let below = rows
        .len()
        .saturating_sub(offset + usize::from(inner.height));
    let mut marks = Vec::new();
    if offset > 0 {
        marks.push(format!("↑ {offset} rows above"));
    }
    if below > 0 {
        let key = if app.pane == Pane::Detail {
            "↓"
        } else {
            "Tab then ↓"
        };
        marks.push(format!("{key} {below} more rows"));
    }
    let block = if marks.is_empty() {
        block
    } else {
        block.title_bottom(
            Line::styled(format!(" {} ", marks.join(" · ")), theme.dim()).right_aligned(),
        )
    };
    // The cursor row, where Enter folds, shows while the detail has the focus.
    if app.pane == Pane::Detail {
        if let Some(l) = rows.get_mut(app.detail_view.selected) {
            *l = std::mem::take(l).patch_style(theme.selected());
        }
    }
    let p = Paragraph::new(rows)
        .block(block)
        .scroll((u16::try_from(app.detail_view.offset).unwrap_or(u16::MAX), 0));
    frame.render_widget(p, area);
}
