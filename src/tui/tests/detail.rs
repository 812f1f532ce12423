//! The Detail pane: the routes and why, the JSON and its folds, the what-if, the rules popup.

use super::*;

#[test]
fn events_and_detail_of_a_blocked_event() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 11);
    insta::assert_snapshot!("events_and_detail_line_11", render(&a));
}

#[test]
fn detail_shows_device_mode_delivery_overview_and_the_choices_a_verdict_rests_on() {
    let mut a = app(100, 80);
    go_to_line(&mut a, 49);
    a.update(Action::Open);
    let screen = render(&a);
    // Opt-in, consent-tools' default: loaded with the page, the browser keeps sending it.
    assert!(
        screen.contains(
            "✓ Amplitude                loaded_at_page_load ⇢ device mode, opt-in  kept after withdrawal,"
        ),
        "{screen}"
    );
    assert!(screen.contains("device_mode_after_withdrawal"), "{screen}");
    assert!(
        screen.contains("docs/rules.md#the-consent-model-device-verdicts-assume"),
        "{screen}"
    );
    assert!(
        screen.contains("MESSAGE_SENT_CLIENT_SIDE  Amplitude, Google Analytics 4"),
        "{screen}"
    );
    assert!(
        screen.contains("FILTERED_BY_END_USER_CONSENT  Braze, Google Ads"),
        "{screen}"
    );
    assert!(
        screen.contains("Where the sources are silent or disagree"),
        "{screen}"
    );
    assert!(
        screen.contains("docs/rules.md#engage-destinations"),
        "{screen}"
    );
    // A duplicate, and what the detail says of it, comes from the same rules as `route`.
    a.update(Action::Back);
    go_to_line(&mut a, 19);
    let screen = render(&a);
    assert!(
        screen.contains("DUPLICATE  Amplitude, Google Analytics 4"),
        "{screen}"
    );
    assert!(
        screen.contains("docs/rules.md#the-duplicate-discard-reason"),
        "{screen}"
    );
}

#[test]
fn detail_scrolls_to_the_json_with_problem_paths_marked() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 21);
    a.update(Action::Open);
    assert_eq!(a.pane, Pane::Detail);
    let screen = loop {
        a.update(Action::Down);
        let screen = render(&a);
        if screen.contains("\"Advertising\": true") || a.detail_view.selected > 200 {
            break screen;
        }
    };
    assert!(screen.contains("▶         \"c0002\": true"), "{screen}");
    insta::assert_snapshot!("detail_json_line_21", screen);
}

#[test]
fn hostile_strings_are_escaped_in_every_pane() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil.jsonl");
    std::fs::write(
        &f,
        "{\"type\":\"track\",\"event\":\"\\u001b]52;c;SGk=\\u0007\\u009b2J\\u202eevil\\udb40\\udc41\",\"userId\":\"u\\u200b\\u001b[1m\\udb40\\udc67\",\"messageId\":\"m\",\"context\":{\"consent\":{\"categoryPreferences\":{\"\\u001b[5mX\":true}}}}\n",
    )
    .unwrap();
    let store = loaded(&f);
    let searcher = crate::tui::standalone_searcher(&store);
    let mut a = App::new(store, searcher, true, 120, 40);
    a.sync();
    for _ in 0..4 {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|fr| ui::draw(fr, &a, &a.store.read().unwrap(), Theme::DARK))
            .unwrap();
        for cell in t.backend().buffer().content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| crate::text::is_unsafe(c) || ('\u{e0000}'..='\u{e007f}').contains(&c)),
                "raw {:?} on screen",
                cell.symbol()
            );
        }
        a.update(Action::NextPane);
    }
}

#[test]
fn the_detail_scrolls_no_further_than_its_last_line() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 11);
    a.update(Action::Open);
    a.update(Action::Bottom);
    let screen = render(&a);
    let lower: Vec<&str> = screen.lines().skip(14).take(14).collect();
    // The last lines of the event's JSON, not a blank pane.
    assert!(lower.iter().any(|l| l.contains("\"SKU-7\"")), "{screen}");
    let at_end = a.detail_view;
    // The last row is on the pane's last line: nothing blank below it.
    assert_eq!(at_end.selected, at_end.offset + 13);
    a.update(Action::Down);
    assert_eq!(a.detail_view, at_end, "Down at the end stays");
    a.update(Action::Up);
    assert_eq!(
        a.detail_view.selected,
        at_end.selected - 1,
        "one line up leaves the end at once"
    );
    a.update(Action::PageUp);
    a.update(Action::PageUp);
    assert!(a.detail_view.offset < at_end.offset);
    a.update(Action::Top);
    assert_eq!(a.detail_view, crate::tui::scroll::Scroll::default());
}

#[test]
fn an_invalid_type_shows_as_written_and_marked() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 35);
    let screen = render(&a);
    assert!(screen.contains("⟨type \"purchase\"⟩"), "{screen}");
}

#[test]
fn an_integrations_value_that_is_not_an_object_is_a_finding_not_a_section() {
    let mut a = app(100, 60);
    go_to_line(&mut a, 48);
    a.update(Action::Open);
    let screen = render(&a);
    assert!(screen.contains("wrong_type"), "{screen}");
    assert!(!screen.contains("Integrations object"), "{screen}");
    // An object still gets its section, with the flags that applied.
    a.update(Action::Back);
    go_to_line(&mut a, 16);
    let screen = render(&a);
    assert!(
        screen.contains("{All: false, Amplitude: true, Webhooks: true}  removes 6"),
        "{screen}"
    );
}

#[test]
fn the_explanation_says_as_of_when_and_shows_then_and_now_where_they_differ() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 3);
    let explanation = a.detail.as_ref().unwrap().explanation.join("\n");
    // Read on to line 61: now Alice's profile holds what she said last; at line 3 her laptop
    // had said something else.
    assert!(
        explanation.contains("recorded consent now, after line 61"),
        "{explanation}"
    );
    assert!(
        explanation.contains(
            "As of line 3 it was: C0001 = true, C0002 = true, C0003 = true, C0004 = false, C0005 = false."
        ),
        "{explanation}"
    );
    // `explain --line N` speaks of line N only: tests/golden/explain-11.txt says so.
}

#[test]
fn what_if_shows_which_routes_a_preference_changes() {
    let mut a = app(120, 60);
    go_to_line(&mut a, 11);
    a.update(Action::Open);
    assert!(
        render(&a).contains("what if: 1-5 chooses a category"),
        "{}",
        render(&a)
    );
    a.update(Action::WhatIfCategory(1));
    a.update(Action::WhatIfCycle);
    let screen = render(&a);
    assert!(a.flash.is_none(), "{:?}", a.flash);
    assert!(
        screen.contains("What if C0002 (Performance) were true (event: false)?"),
        "{screen}"
    );
    assert!(
        screen.contains("◆ Amplitude: block not_consented → deliver consented"),
        "{screen}"
    );
    // Braze also needs C0004, which stays false: still blocked, now by C0004 alone.
    assert!(!screen.contains("◆ Braze"), "{screen}");
    assert!(
        screen.contains("· Braze: still block not_consented;"),
        "{screen}"
    );
    insta::assert_snapshot!("what_if_true", screen);
    // The next value is the event's own (false): t skips it, as it would change nothing.
    a.update(Action::WhatIfCycle);
    let screen = render(&a);
    assert!(screen.contains("were missing (event: false)?"), "{screen}");
    // Missing counts as false: the routes differ only in how the value is described, which
    // is no verdict and no `·` row (that is for routes another category blocks).
    assert!(screen.contains("no verdict would change"), "{screen}");
    assert!(!screen.contains("· Braze"), "{screen}");
    assert!(
        !screen.contains("no route would change"),
        "one word: {screen}"
    );
    // The what-if stays on as the selection moves, so a reader can walk through events.
    a.update(Action::WhatIfCycle);
    a.update(Action::Back);
    a.update(Action::Down);
    assert!(render(&a).contains("samples/events.jsonl:12"));
    assert!(render(&a).contains("What if C0002 (Performance) were true"));
    assert!(render(&a).contains("what if C0002 = true (T ends)"));
    a.update(Action::Up);
    a.update(Action::WhatIfReset);
    assert!(!render(&a).contains("What if"));
    // The event itself is untouched.
    let o = a.detail.as_ref().unwrap().outcome.as_ref().unwrap();
    assert_eq!(o.routes[0].decision.reason(), "not_consented");
}

/// Moves the detail's cursor down to the first row holding `text`.
fn cursor_to(a: &mut App, text: &str) {
    let rows = a.detail_rows(&a.store.read().unwrap());
    let at = rows
        .lines
        .iter()
        .position(|l| l.to_string().contains(text))
        .unwrap_or_else(|| panic!("no row holds {text:?}"));
    a.update(Action::Top);
    for _ in 0..at {
        a.update(Action::Down);
    }
}

#[test]
fn the_json_folds_and_a_long_string_shows_its_start_and_length() {
    let mut a = app(100, 40);
    go_to_line(&mut a, 39);
    a.update(Action::Open);
    // Line 39's properties.chunk is 33,000 characters: its first 200 and its length, wrapped
    // under its key; Enter works on any of its rows.
    cursor_to(&mut a, "characters; Enter shows all");
    let screen = render(&a);
    assert!(
        screen.contains("(33000 characters; Enter shows all)"),
        "{screen}"
    );
    insta::assert_snapshot!("json_long_string_and_cursor", screen);
    let rows = |a: &App| a.detail_rows(&a.store.read().unwrap()).lines.len();
    let short = rows(&a);
    // Enter on it shows it all, wrapped under its key; Enter again shortens it.
    a.update(Action::Open);
    assert!(rows(&a) > short + 300, "{} rows", rows(&a));
    a.update(Action::ToggleFold);
    assert_eq!(rows(&a), short);
    // Folding "context" puts its fifteen lines on one and keeps the cursor on the fold.
    cursor_to(&mut a, "\"context\": {");
    let at = a.detail_view.selected;
    a.update(Action::ToggleFold);
    assert_eq!(rows(&a), short - 14);
    assert_eq!(a.detail_view.selected, at);
    assert!(
        render(&a).contains("\"context\": {…},  2 keys"),
        "{}",
        render(&a)
    );
    // Enter elsewhere in the detail says what it does.
    a.update(Action::Top);
    a.update(Action::Open);
    assert!(a.flash.as_deref().unwrap().contains("fold"));
    // A new event starts unfolded.
    a.update(Action::Back);
    a.update(Action::Down);
    a.update(Action::Up);
    assert!(a.detail.as_ref().unwrap().toggled.is_empty());
    assert_eq!(rows(&a), short);
}

#[test]
fn a_fold_that_hides_a_finding_is_marked() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 21);
    a.update(Action::Open);
    cursor_to(&mut a, "\"context\": {");
    a.update(Action::ToggleFold);
    assert!(
        render(&a).contains("▶   \"context\": {…}"),
        "{}",
        render(&a)
    );
}

#[test]
fn r_shows_the_rule_a_verdict_rests_on_and_scrolls_it() {
    let mut a = app(80, 24);
    // Line 49's verdicts rest first on how Engage destinations are read.
    go_to_line(&mut a, 49);
    a.update(Action::ShowRule);
    let screen = render(&a);
    assert!(
        screen.contains("docs/rules.md#engage-destinations"),
        "{screen}"
    );
    assert!(screen.contains("### Engage destinations"), "{screen}");
    let Some(crate::tui::app::Overlay::Rule { text, .. }) = a.overlay else {
        panic!("no rule shown");
    };
    // Scrolling stops at the end of the text.
    for _ in 0..500 {
        a.update(Action::Down);
    }
    let Some(crate::tui::app::Overlay::Rule { offset, .. }) = a.overlay else {
        panic!()
    };
    let inner = ratatui::widgets::Block::bordered().inner(crate::tui::layout::rule_popup(
        ratatui::layout::Rect::new(0, 0, 80, 24),
    ));
    let rows = crate::tui::ui::rule::rows(text, inner.width).len();
    assert_eq!(
        usize::from(offset),
        rows.saturating_sub(usize::from(inner.height))
    );
    a.update(Action::Back);
    assert!(a.overlay.is_none());
    // An event whose verdict rests on no choice says where the rules are.
    go_to_line(&mut a, 1);
    a.update(Action::ShowRule);
    assert!(a.overlay.is_none());
    assert!(
        a.flash
            .as_deref()
            .is_some_and(|f| f.contains("every rule is in docs/rules.md")),
        "{:?}",
        a.flash
    );
}

#[test]
fn a_line_that_is_not_json_shows_its_text_with_where_it_broke() {
    let mut a = app(120, 60);
    command(&mut a, "33");
    a.update(Action::Open);
    a.sync();
    let screen = render(&a);
    assert!(
        screen.contains("the line as written (88 bytes), the parser stopped at column 88 (⏵):"),
        "{screen}"
    );
    assert!(
        screen.contains(r#""properties":{"total": 12.5,⏵}"#),
        "{screen}"
    );
    // Hostile text is shown escaped, never raw.
    let (a, _dir) = opened(
        "{\"type\":\"track\",\"event\":\"\u{1b}[2Jboom\" oops}\n",
        120,
        70,
    );
    let screen = render(&a);
    assert!(
        screen.contains("the parser stopped at column 26 (⏵)"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}'), "{screen}");
    assert!(screen.contains(r#""event":"⏵"#), "{screen}");
}

#[test]
fn an_event_nested_deep_shows_its_levels_and_folds_beyond_a_hundred() {
    let deep = format!(
        "{{\"type\":\"track\",\"event\":\"Deep\",\"userId\":\"u\",\"messageId\":\"d\",\"properties\":{{\"x\":{}1{}}}}}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let (a, _dir) = opened(&deep, 120, 40);
    let rows = a.detail_rows(&a.store.read().unwrap());
    let text: Vec<String> = rows
        .lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let joined: String = text.concat();
    assert!(joined.contains("\"x\": ["), "the first levels show");
    // Levels open down to the cap (rows wrap there), where one line says why it stops.
    let at = text
        .iter()
        .position(|l| l.contains("(nested over 100 levels: c copies"))
        .unwrap_or_else(|| panic!("the cap says why it stops: {joined}"));
    assert!(text[at].contains("‹100› […]  1 item"), "{}", text[at]);
    // The fold cannot be opened: Enter there does nothing.
    assert_eq!(rows.folds[at], None);
}

#[test]
fn numbers_show_as_written_in_the_detail() {
    let line = "{\"type\":\"identify\",\"userId\":12345678901234567890123,\"messageId\":\"n\",\"traits\":{\"score\":0.1000000000000000055511151231257827,\"e\":1E400}}\n";
    let (a, _dir) = opened(line, 120, 40);
    let rows = a.detail_rows(&a.store.read().unwrap());
    let text: String = rows
        .lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
                + "\n"
        })
        .collect();
    assert!(
        text.contains("\"userId\": 12345678901234567890123,"),
        "{text}"
    );
    assert!(
        text.contains("\"score\": 0.1000000000000000055511151231257827,"),
        "{text}"
    );
    assert!(text.contains("\"e\": 1E400"), "{text}");
}

#[test]
fn a_what_if_result_is_in_view_at_120x40_and_80x24() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut a = app(w, h);
        go_to_line(&mut a, 11);
        a.update(Action::Open);
        a.update(Action::WhatIfCategory(1));
        a.update(Action::WhatIfCycle);
        let screen = render(&a);
        assert!(
            screen.contains("◆ Amplitude: block not_consented"),
            "{w}x{h}: {screen}"
        );
    }
}
