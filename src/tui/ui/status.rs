//! The status bar: what is read, following or paused, counts, the last notice, the filter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::printable;

use super::Theme;
use crate::tui::app::{App, Filter};
use crate::tui::store::Store;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, store: &Store, theme: Theme) {
    let sep = || Span::styled(" │ ", theme.dim());
    let mut spans = Vec::new();
    if let Some(t) = &app.typing {
        spans.push(Span::styled(format!("/{}▏", printable(t)), theme.bold()));
        spans.push(Span::styled("  Enter search · Esc cancel", theme.dim()));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    // Most important first: the bar is cut at the right edge of narrow terminals.
    if app.follow {
        spans.push(Span::styled("▶ FOLLOWING", theme.following()));
    } else {
        spans.push(Span::styled(" ⏸ PAUSED (f resumes) ", theme.paused()));
    }
    if store.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" DEMO ", theme.badge()));
    }
    spans.push(sep());
    let c = store.counts;
    spans.push(Span::raw(format!("{} events ", c.events)));
    spans.push(Span::styled(
        format!("{} not ingested ", c.not_ingested),
        theme.error(),
    ));
    spans.push(Span::styled(
        format!("{} warn ", c.warnings),
        theme.warning(),
    ));
    spans.push(Span::raw(format!("{} blocked", c.blocked_routes)));
    if let Some(f) = &app.flash {
        spans.push(sep());
        spans.push(Span::styled(f.clone(), theme.warning()));
    }
    if app.filter != Filter::All {
        spans.push(sep());
        spans.push(Span::styled(
            format!(
                "filter: {} ({})",
                super::events::filter_label(app.filter, store),
                app.len(store)
            ),
            theme.accent(),
        ));
    }
    if let Some(s) = &app.search {
        let (n, done) = app.match_count(store).unwrap_or((0, true));
        spans.push(sep());
        spans.push(Span::styled(
            format!(
                "/{} {n} match{}{}",
                printable(&s.query),
                if n == 1 { "" } else { "es" },
                if done { "" } else { "…" }
            ),
            theme.accent(),
        ));
    }
    if store.evicted() > 0 {
        spans.push(sep());
        spans.push(Span::styled(
            format!(
                "{} older events left the view (--max-events {})",
                store.evicted(),
                store.max_events
            ),
            theme.warning(),
        ));
    }
    if let Some(n) = &store.notice {
        spans.push(sep());
        spans.push(Span::styled(printable(n).into_owned(), theme.warning()));
    }
    spans.push(sep());
    spans.push(Span::raw(printable(&store.source).into_owned()));
    spans.push(sep());
    spans.push(Span::styled("? help", theme.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
