//! The tour's lesson panel: the route the lesson is about, as the engine decided it (and as
//! the what-if changes it), why, the source, and what to try; once tried, what happened.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::Theme;
use super::wrap::wrap;
use crate::rules::verdict::Route;
use crate::rules::words::category_label;
use crate::text::printable;
use crate::tui::app::action::Action;
use crate::tui::app::state::App;
use crate::tui::store::Store;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let Some(t) = &app.tour else { return };
    let lesson = t.lesson();
    let ws = store.workspace();
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = Vec::new();

    // The route, from the selected event's detail: the lesson's claim, shown as decided.
    let detail = app
        .detail
        .as_ref()
        .and_then(|d| Some((d.outcome.as_ref().ok()?, d)));
    let dest = ws.destination(&lesson.destination);
    if let (Some((o, d)), Some(dest)) = (detail, dest) {
        let mut spans = vec![Span::styled(
            format!("{}: ", printable(&lesson.destination)),
            theme.bold(),
        )];
        // A vendor comparison: the route as first decided, then by the other vendor's rules.
        let vendor = app.workspace_what_if.as_ref().and_then(|w| w.vendor);
        match (vendor, &d.before) {
            (Some(v), Some(before)) => {
                spans.extend(route_spans(&before.routes[dest], theme));
                spans.push(Span::raw(format!("  → under {}'s rules: ", v.vendor())));
                spans.extend(route_spans(&o.routes[dest], theme));
            }
            _ => spans.extend(route_spans(&o.routes[dest], theme)),
        }
        if let Some(trial) = &d.trial {
            spans.push(Span::raw(format!(
                "  → with {} = {}: ",
                category_label(ws, trial.category),
                trial.value.as_str()
            )));
            spans.extend(route_spans(&trial.outcome.routes[dest], theme));
        }
        wrap(Line::from(spans), width, &mut lines);
    }

    let body = if !t.started() {
        vec![Line::styled("Reading the lessons' events…", theme.dim())]
    } else if t.progress.done {
        vec![
            Line::styled(result(app, ws), theme.accent()),
            Line::styled(
                if t.progress.lesson + 1 < t.lessons.len() {
                    format!("{} next lesson", app.keys.hint(Action::IntoTimeline))
                } else {
                    format!(
                        "The end. {} goes back, {} leaves.",
                        app.keys.hint(Action::OutOfTimeline),
                        app.keys.hint(Action::Quit)
                    )
                },
                theme.key(),
            ),
        ]
    } else {
        vec![
            Line::from(lesson.text.clone()),
            Line::styled(format!("Source: {}", lesson.source), theme.dim()),
            Line::styled(invitation(app, store, ws), theme.key()),
        ]
    };
    for line in body {
        wrap(line, width, &mut lines);
    }

    let title = Line::from(vec![
        Span::styled(
            format!(
                " Tour {}/{}: {} ",
                t.progress.lesson + 1,
                t.lessons.len(),
                lesson.title
            ),
            theme.bold(),
        ),
        Span::styled(
            format!(
                "{} {} {} ",
                app.keys.hint(Action::OutOfTimeline),
                app.keys.hint(Action::IntoTimeline),
                app.keys.hint(Action::Quit),
            ),
            theme.dim(),
        ),
    ]);
    let block = Block::bordered()
        .title(title)
        .border_style(theme.border(true));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The lesson's result, written for the value it asked `t` to reach; once `t` has moved on,
/// what the route line above now shows instead, so the words never contradict the screen.
fn result(app: &App, ws: &crate::workspace::Workspace) -> String {
    let Some(t) = &app.tour else {
        return String::new();
    };
    let lesson = t.lesson();
    let Some(asked) = lesson.action.trial() else {
        return lesson.result.clone();
    };
    if app.what_if.value == Some(asked) {
        return lesson.result.clone();
    }
    let category = category_label(ws, app.what_if.category);
    let now = app.what_if.value.map_or_else(
        || format!("The event as it is: {category} as written."),
        |v| format!("Now {category} = {}.", v.as_str()),
    );
    format!(
        "{now} The line above is what the engine decides for {}. The lesson's point is with {} = {}: {} brings it back.",
        printable(&lesson.destination),
        category,
        asked.as_str(),
        app.keys.hint(Action::WhatIfCycle)
    )
}

fn route_spans(r: &Route, theme: Theme) -> Vec<Span<'static>> {
    let style = if r.decision.delivered() {
        theme.ok()
    } else {
        theme.error()
    };
    let mut spans = vec![Span::styled(
        format!("{} ({})", r.decision.verb(), r.decision.reason()),
        style,
    )];
    if r.mode == crate::rules::verdict::Mode::Device {
        spans.push(Span::raw(", device mode"));
    }
    spans
}

/// What the lesson asks the reader to do, in the keys as configured.
fn invitation(app: &App, store: &Store, ws: &crate::workspace::Workspace) -> String {
    let Some(t) = &app.tour else {
        return String::new();
    };
    let lesson = t.lesson();
    let asked = &lesson.action;
    match (asked.trial(), asked.action()) {
        (Some(trial), _) => {
            let key = app.keys.hint(Action::WhatIfCycle);
            // As many presses as `t` takes from here to the value, skipping the event's own.
            let own = app.held_value(store);
            let mut at = app.what_if.value;
            let mut n = 0;
            while at != Some(trial) && n < 3 {
                at = Some(crate::analyses::what_if::Trial::step(at, own));
                n += 1;
            }
            let presses = match n {
                1 => key,
                2 => format!("{key} twice"),
                n => format!("{key} {n} times"),
            };
            format!(
                "Try it: press {presses} to see this event with {} = {}.",
                category_label(ws, app.what_if.category),
                trial.as_str()
            )
        }
        (None, Some(action)) => {
            let help = app
                .keys
                .rows
                .iter()
                .find(|r| r.action == action)
                .map_or("", |r| r.help);
            format!("Try it: press {} ({help}).", app.keys.hint(action))
        }
        (None, None) => String::new(),
    }
}
