//! The Destinations pane: counts of events, and what blocked each destination most.

use super::*;

#[test]
fn destinations_pane_counts() {
    let mut a = app(100, 30);
    a.update(Action::PrevPane);
    assert_eq!(a.pane, Pane::Destinations);
    insta::assert_snapshot!("destinations_pane", render(&a));
}

#[test]
fn blocked_means_events_everywhere_and_says_so() {
    let mut a = app(100, 30);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    let screen = render(&a);
    let blocked = a.store.read().unwrap().counts.blocked_events;
    // Events everywhere: the title's filters count events, the Destinations pane says its
    // counts are events, and the status bar no longer counts blocked routes.
    assert!(screen.contains(&format!("b blocked {blocked}")), "{screen}");
    assert!(
        screen.contains("events per destination · 20 not ingested · device mode opt-in (default)"),
        "{screen}"
    );
    assert!(!screen.contains("301"), "no count of routes: {screen}");
}

/// Issue 36, at 80x24: names too long for their column end in the middle with …, as `route
/// --format table` cuts them, and the Destinations pane's heading and footer are whole.
#[test]
fn at_80x24_names_are_cut_visibly_and_the_destinations_pane_fits() {
    let mut a = app(80, 24);
    a.update(Action::Top);
    let screen = render(&a);
    assert!(screen.contains("track Segmen…ence Updated"), "{screen}");
    for _ in 0..3 {
        a.update(Action::NextPane);
    }
    let screen = render(&a);
    assert!(screen.contains("BLOCKED MOST BY  "), "{screen}");
    assert!(
        screen.contains(
            "└ events per destination · 20 not ingested · device mode opt-in (default) ─────┘"
        ),
        "{screen}"
    );
}

/// Issue 40: on a snapshot, where the settings came from (the status bar and the pane's
/// footer), and with Delivery Overview's counts loaded, Segment's deliveries beside each
/// predicted count.
#[test]
fn a_snapshot_says_where_it_came_from_and_segments_counts_sit_beside_the_predictions() {
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/workspace/consent-settings.json"))
            .unwrap(),
    );
    let store = loaded_with(ws, Path::new("samples/workspace/events.jsonl"), 1000);
    let searcher = super::super::standalone_searcher(&store);
    let mut a = App::new(store, searcher, true, 140, 30);
    a.sync();
    let text = std::fs::read("samples/workspace/delivery-overview.json").unwrap();
    a.observed = Some(Arc::new(
        crate::workspace::public_api::overview::read(&text).unwrap(),
    ));
    a.update(Action::PrevPane);
    assert_eq!(a.pane, Pane::Destinations);
    let screen = render(&a);
    assert!(screen.contains("DELIVERED (SEGMENT)"), "{screen}");
    // Amplitude: 7 predicted, 50 counted by Segment; Hotjar is disabled: none either side.
    assert!(screen.contains("│Amplitude "), "{screen}");
    let amplitude = screen.lines().find(|l| l.contains("│Amplitude ")).unwrap();
    assert!(amplitude.contains(" 7 (50) "), "{amplitude}");
    let hotjar = screen.lines().find(|l| l.contains("│Hotjar ")).unwrap();
    assert!(
        hotjar.contains(" 0 (0) ") && hotjar.contains("disabled ×7, suppressed ×1"),
        "{hotjar}"
    );
    assert!(screen.contains("snapshot of web · "), "{screen}");
    a.update(Action::Resize {
        width: 80,
        height: 24,
    });
    let narrow = render(&a);
    assert!(narrow.contains("DELIVERED (SEGMENT)"), "{narrow}");
}
