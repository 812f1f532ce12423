//! The source stage in the UI: the detail's Source row and what cloud destinations receive,
//! and the workspace what-if switching a plan entry (issue 38).

use super::*;

const EVENTS: &str = "samples/protocols/events.jsonl";

/// The protocols sample, read as the UI reads it, able to be read again for a what-if.
fn protocols_app(width: u16, height: u16) -> App {
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/protocols/consent-settings.json"))
            .unwrap(),
    );
    let store = loaded_with(ws, Path::new(EVENTS), crate::tui::store::MAX_EVENTS);
    let searcher = crate::tui::standalone_searcher(&store);
    let mut a = App::new(store, searcher, true, width, height);
    a.reload = Some(crate::tui::app::Reload {
        path: EVENTS.into(),
        follow: false,
        waker: Waker::detached(),
        label: EVENTS.into(),
        file: EVENTS.into(),
        har: Vec::new(),
        wire: None,
        demo: false,
        max_events: crate::tui::store::MAX_EVENTS,
        capture: false,
    });
    a.sync();
    a
}

#[test]
fn the_source_row_names_the_rule_and_what_cloud_destinations_receive() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = protocols_app(w, h);
        go_to_line(&mut a, 12);
        a.update(Action::Open);
        a.sync();
        let screen = render(&a);
        insta::assert_snapshot!(format!("source_identify_{w}x{h}"), screen);
        assert!(screen.contains("Source"), "{screen}");
    }
    // At 120x40 the whole row is in view: the rule, the omission and context.protocols.
    let mut a = protocols_app(120, 40);
    go_to_line(&mut a, 12);
    a.update(Action::Open);
    a.sync();
    let screen = render(&a);
    for want in [
        "IDENTIFY v1",
        "traits.email Invalid Format",
        "omits the unplanned traits.age",
        "context.protocols",
        "\"omitted_on_violation\":[\"email\"]",
    ] {
        assert!(
            screen.replace("│\n│", "").contains(want) || screen.contains(want),
            "{want}: {screen}"
        );
    }
    // A violation blocked in the cloud: ✗ at the source; the device route passes the source
    // (uncertain: GA4's browser plugin subscriptions are not in these settings).
    a.update(Action::Back);
    go_to_line(&mut a, 8);
    a.update(Action::Open);
    a.sync();
    let screen = render(&a);
    assert!(
        screen.contains("✗ Its source drops it before every cloud destination"),
        "{screen}"
    );
    assert!(screen.contains("? Google Analytics 4"), "{screen}");
}

#[test]
fn the_what_if_switches_a_plan_entry() {
    use crate::tui::app::EditKey;
    let mut a = protocols_app(120, 40);
    a.update(Action::EditWorkspace);
    // The categories (3), the consent model, then the plan: Order Completed, Product Viewed,
    // Blocked Event.
    for _ in 0..6 {
        a.update(Action::Edit(EditKey::Down));
    }
    a.update(Action::Edit(EditKey::ToggleEnabled));
    let screen = render(&a);
    insta::assert_snapshot!("source_plan_editor_120x40", screen);
    assert!(
        screen.contains("plan.track[\"Blocked Event\"]: {\"enabled\":false} → {\"enabled\":true}"),
        "{screen}"
    );
    a.update(Action::Edit(EditKey::Apply));
    decided_again(&mut a);
    go_to_line(&mut a, 2);
    a.update(Action::Open);
    a.sync();
    let screen = render(&a);
    assert!(screen.contains("WHAT-IF"), "{screen}");
    assert!(screen.contains("filtered_at_source → deliver"), "{screen}");
}
