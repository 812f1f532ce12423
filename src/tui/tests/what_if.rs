//! The workspace what-if (`W`), the charts (`v`) and the other vendor beside (`V`).

use super::*;

/// `a`, able to read the samples again as the UI does for a workspace what-if.
fn reloadable(mut a: App) -> App {
    a.reload = Some(crate::tui::app::Reload {
        path: "samples/events.jsonl".into(),
        follow: false,
        waker: Waker::detached(),
        label: "samples/events.jsonl".into(),
        file: "samples/events.jsonl".into(),
        har: Vec::new(),
        wire: None,
        demo: false,
        max_events: crate::tui::store::MAX_EVENTS,
        capture: false,
    });
    a
}

/// The line of the first event a route of which the what-if changed.
fn first_changed(a: &App) -> u64 {
    let w = a.workspace_what_if.as_ref().unwrap();
    let before = w.before.read().unwrap();
    let after = a.store.read().unwrap();
    (after.first()..after.end())
        .filter_map(|n| after.row(n).zip(before.row(n)))
        .find(|(x, y)| x.changes_from(y) != (0, 0))
        .unwrap()
        .0
        .line()
}

/// Social Media disabled, and Braze mapped to Functional as well: through the editor's keys.
fn with_workspace_what_if(width: u16, height: u16) -> App {
    use crate::tui::app::EditKey;
    let mut a = reloadable(app(width, height));
    a.update(Action::EditWorkspace);
    for k in [
        EditKey::Down,
        EditKey::Down,
        EditKey::Down,
        EditKey::Down,
        EditKey::ToggleEnabled,
        EditKey::NextDestination,
        EditKey::NextDestination,
        EditKey::Up,
        EditKey::Up,
        EditKey::ToggleMapping,
    ] {
        a.update(Action::Edit(k));
    }
    a
}

#[test]
fn the_workspace_editor_shows_the_draft_and_how_it_differs() {
    for (w, h) in [(80, 24), (120, 40)] {
        let a = with_workspace_what_if(w, h);
        let screen = render(&a);
        assert!(screen.contains("◀ Braze ▶"), "{screen}");
        assert!(screen.contains("[x]     C0003 Functional"), "{screen}");
        assert!(screen.contains("C0005 Social Media"), "{screen}");
        assert!(screen.contains("no (not enforced)"), "{screen}");
        assert!(screen.contains("category C0005 disabled"), "{screen}");
        assert!(
            screen.contains("Braze remapped: C0002, C0004 → C0002, C0004, C0003"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("workspace_editor_{w}x{h}"), screen);
    }
}

#[test]
fn a_workspace_what_if_redraws_every_pane_under_the_edited_settings() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = with_workspace_what_if(w, h);
        let before_counts: Vec<(u64, u64)> = {
            let s = a.store.read().unwrap();
            s.dest.iter().map(|d| (d.delivered, d.blocked)).collect()
        };
        a.update(Action::Edit(crate::tui::app::EditKey::Apply));
        assert!(a.editor.is_none());
        decided_again(&mut a);
        // Every count is the edited workspace's, as `diff` counts it (tests/diff.rs holds
        // diff to route under each side).
        let (fb, braze) = {
            let s = a.store.read().unwrap();
            let ws = s.workspace().clone();
            let fb = ws.destination("Facebook Conversions API").unwrap();
            let braze = ws.destination("Braze").unwrap();
            ((s.dest[fb].delivered, fb), (s.dest[braze].blocked, braze))
        };
        assert!(
            fb.0 > before_counts[fb.1].0,
            "Social Media disabled lets FB receive"
        );
        assert!(
            braze.0 > before_counts[braze.1].1,
            "Functional now blocks Braze too"
        );
        let t = a.workspace_what_if.as_ref().unwrap().tally;
        assert!(t.delivered > 0 && t.blocked > 0 && t.events > 0, "{t:?}");
        let line = first_changed(&a);
        go_to_line(&mut a, line);
        let screen = render(&a);
        assert!(screen.contains(" WHAT-IF "), "{screen}");
        assert!(screen.contains("X drop · S save"), "{screen}");
        assert!(screen.contains("Δ✓"), "changed rows are marked: {screen}");
        insta::assert_snapshot!(format!("workspace_what_if_events_{w}x{h}"), screen);
        // The destinations' counts say how far they moved.
        for _ in 0..2 {
            a.update(Action::NextPane);
        }
        a.update(Action::NextPane);
        assert_eq!(a.lower, Pane::Destinations);
        let screen = render(&a);
        let fb_line = screen
            .lines()
            .find(|l| l.contains("Faceboo"))
            .unwrap()
            .to_owned();
        assert!(fb_line.contains("(+"), "{screen}");
        insta::assert_snapshot!(format!("workspace_what_if_destinations_{w}x{h}"), screen);
    }
}

#[test]
fn a_changed_event_shows_its_routes_before_and_after_and_x_drops_the_what_if() {
    let mut a = with_workspace_what_if(120, 40);
    a.update(Action::Edit(crate::tui::app::EditKey::Apply));
    decided_again(&mut a);
    let line = first_changed(&a);
    go_to_line(&mut a, line);
    a.update(Action::Open);
    let screen = render(&a);
    assert!(
        screen.contains("Workspace what-if: category C0005 disabled; Braze remapped"),
        "{screen}"
    );
    assert!(screen.contains("◆ "), "{screen}");
    insta::assert_snapshot!("workspace_what_if_detail_120x40", screen);
    // Saved, it is a settings file `diff --against` reads, with the edits in it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tried.json");
    a.update(Action::Back);
    a.update(Action::SaveWorkspaceWhatIf);
    let prompt = a.prompt.as_mut().unwrap();
    prompt.text = path.display().to_string();
    a.update(Action::PromptSubmit);
    let flash = a.flash.clone().unwrap();
    assert!(flash.contains("diff --settings"), "{flash}");
    let saved = crate::workspace::Workspace::load(&path).unwrap();
    let braze = saved.destination("Braze").unwrap();
    let functional = saved.lookup("C0003").unwrap();
    assert!(saved.destinations[braze].categories.contains(&functional));
    assert!(!saved.category(saved.lookup("C0005").unwrap()).enabled);
    // X: the settings as read, and their counts, again.
    a.update(Action::DropWorkspaceWhatIf);
    assert!(a.workspace_what_if.is_none());
    a.sync();
    let screen = render(&a);
    assert!(!screen.contains("WHAT-IF"), "{screen}");
    assert!(!screen.contains("Δ"), "{screen}");
    assert!(
        a.store.read().unwrap().workspace().category(4).enabled,
        "the original settings"
    );
}

#[test]
fn the_chart_view_shows_each_destination_by_reason_and_over_time() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app(w, h);
        a.update(Action::ToggleCharts);
        a.sync();
        let screen = render(&a);
        assert!(screen.contains("Charts"), "{screen}");
        assert!(screen.contains("not_consented"), "the legend: {screen}");
        assert!(
            screen.contains("2026-11-02 09:00"),
            "the time span: {screen}"
        );
        insta::assert_snapshot!(format!("charts_{w}x{h}"), screen);
        // With a what-if: before and after.
        let mut a = with_workspace_what_if(w, h);
        a.update(Action::Edit(crate::tui::app::EditKey::Apply));
        decided_again(&mut a);
        a.update(Action::ToggleCharts);
        a.sync();
        let screen = render(&a);
        assert!(screen.contains("before"), "{screen}");
        assert!(screen.contains("after"), "{screen}");
        insta::assert_snapshot!(format!("charts_what_if_{w}x{h}"), screen);
        // Issue 36: a glyph never ends a legend row apart from its reason, and when not
        // every destination fits, the view says so and ↓ brings the rest.
        let legend = screen
            .lines()
            .skip_while(|r| !r.contains("legend:"))
            .take_while(|r| !r.contains("over time:"));
        for row in legend {
            let row = row.trim_end_matches(['│', '"', ' ', '\u{a0}']);
            assert!(
                !row.ends_with(['█', '▇', '▆', '▅', '▄', '▃', '▓', '▒', '·']),
                "a glyph apart from its reason: {row}"
            );
        }
        if w == 80 {
            assert!(
                screen.contains("destinations 1-6 of 10 (↑ ↓ scroll)"),
                "{screen}"
            );
            for _ in 0..9 {
                a.update(Action::Down);
            }
            let screen = render(&a);
            assert!(screen.contains("destinations 5-10 of 10"), "{screen}");
            assert!(screen.contains("Engage Audiences"), "{screen}");
        }
        a.update(Action::Back);
        assert_eq!(a.screen, crate::tui::app::View::Panes);
    }
}

#[test]
fn a_chart_counts_what_the_destinations_pane_counts() {
    let mut a = app(120, 40);
    a.update(Action::ToggleCharts);
    a.sync();
    let s = a.store.read().unwrap();
    let (charts, _) = a.charts.as_ref().unwrap();
    for (d, c) in charts.dest.iter().enumerate() {
        let delivered: u64 = (0..crate::rules::verdict::REASONS.len())
            .filter(|&r| crate::rules::verdict::Decision::delivers(r))
            .map(|r| c.by_reason[r])
            .sum();
        assert_eq!(delivered, s.dest[d].delivered, "destination {d}");
        // Every delivered event with a time is in some bucket.
        let timed = (s.first()..s.end())
            .filter_map(|n| s.row(n))
            .filter(|r| {
                r.is_event()
                    && r.status != crate::tui::store::Status::NotIngested
                    && r.seconds().is_some()
                    && r.blocked_set & (1 << d) == 0
            })
            .count() as u64;
        assert_eq!(c.delivered.iter().sum::<u64>(), timed, "destination {d}");
    }
    assert!(
        charts.untimed > 0,
        "the samples have an event without a time"
    );
}

/// `V`: the samples decided by RudderStack's rules beside Segment's, shown as a what-if.
#[test]
fn v_shows_where_rudderstack_decides_the_same_intent_otherwise() {
    let mut a = reloadable(app(120, 40));
    a.update(Action::CompareVendors);
    decided_again(&mut a);
    let w = a.workspace_what_if.as_ref().unwrap();
    assert_eq!(
        w.vendor,
        Some(crate::workspace::dialect::Dialect::RudderStack)
    );
    assert_eq!(
        a.store.read().unwrap().workspace().dialect(),
        w.vendor.unwrap()
    );
    // The Consent Preference Updated event on line 2: Segment sends it everywhere, RudderStack
    // decides it like any event.
    go_to_line(&mut a, 2);
    let screen = render(&a);
    assert!(screen.contains(" RUDDERSTACK "), "{screen}");
    assert!(
        screen.contains("Segment beside RudderStack: the routes they decide differently"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "≠ Braze: Segment deliver consent_preference_event · RudderStack block consent_denied"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("note: \"Amazon S3\" is aws-s3 in Segment"),
        "{screen}"
    );
    insta::assert_snapshot!("vendor_compare_detail_120x40", screen);
    // S saves nothing; V again is back to Segment's rules.
    a.update(Action::SaveWorkspaceWhatIf);
    assert!(a.prompt.is_none());
    a.update(Action::CompareVendors);
    assert!(a.workspace_what_if.is_none());
    assert_eq!(
        a.store.read().unwrap().workspace().dialect(),
        crate::workspace::dialect::Dialect::Segment
    );
}
