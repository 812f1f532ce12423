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
