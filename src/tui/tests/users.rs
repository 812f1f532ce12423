//! The Users pane: the grid, the search, the timeline.

use super::*;

#[test]
fn users_pane_grid_and_history() {
    let mut a = app(100, 30);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    assert_eq!(a.pane, Pane::Users);
    a.update(Action::Down);
    a.update(Action::Down);
    a.update(Action::Down);
    insta::assert_snapshot!("users_pane", render(&a));
}

#[test]
fn users_are_found_by_any_id_or_trait_value_as_typed() {
    let mut a = app(120, 40);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    assert_eq!(a.pane, Pane::Users);
    let all = a.users.len();
    a.update(Action::StartSearch);
    for c in "BOB@EX".chars() {
        a.update(Action::PromptInput(c));
    }
    // The list follows as it is typed: an email found in traits, case-insensitive.
    let shown = |a: &App| {
        let s = a.store.read().unwrap();
        let p = s.engine.profiles();
        a.users
            .iter()
            .map(|u| p.label(*u).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&a), vec!["u-bob"]);
    a.update(Action::PromptSubmit);
    let screen = render(&a);
    assert!(
        screen.contains(r#""BOB@EX" in an id or trait: 1 of 5 users"#),
        "{screen}"
    );
    assert!(screen.contains("traits: email bob@example.com"), "{screen}");
    // Any linked id finds the profile too: alice's phone.
    a.update(Action::StartSearch);
    for _ in 0.."BOB@EX".len() {
        a.update(Action::PromptBackspace);
    }
    for c in "phone-2c".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    assert_eq!(shown(&a), vec!["u-alice"]);
    // Esc in the pane shows every user again.
    a.update(Action::Back);
    assert_eq!(a.users.len(), all);
    assert_eq!(a.pane, Pane::Users);
    // Nothing found says so.
    a.update(Action::StartSearch);
    a.update(Action::PromptInput('%'));
    a.update(Action::PromptSubmit);
    assert!(a.users.is_empty());
    assert!(render(&a).contains("no user has that in an id or a trait"));
}

#[test]
fn a_user_shows_each_destination_blocked_since_the_event_where_it_changed() {
    let mut a = app(120, 40);
    go_to_line(&mut a, 58);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    let screen = render(&a);
    assert!(screen.contains("u-bob"), "{screen}");
    assert!(
        screen.contains("✗ since line 50, 11-02 09:30:13: Facebook Conversions API"),
        "{screen}"
    );
    assert!(screen.contains("✓ delivered now: Amplitude,"), "{screen}");
    // Zoomed on a wide terminal, the timeline takes what the grid leaves.
    let mut wide = app(200, 40);
    go_to_line(&mut wide, 58);
    wide.update(Action::NextPane);
    wide.update(Action::NextPane);
    wide.update(Action::ToggleZoom);
    let screen = render(&wide);
    let line = screen
        .lines()
        .find(|l| l.contains("line 26 "))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        line.contains("stamped on an ordinary event: C0004 true"),
        "one row of the timeline holds the whole change: {line}"
    );
    assert!(line.find("11-02 09:15:25").unwrap() < 60, "{line}");
}

#[test]
fn the_users_timeline_has_times_and_enter_shows_the_event() {
    let mut a = app(140, 40);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    // u-carol is the fourth user.
    for _ in 0..3 {
        a.update(Action::Down);
    }
    let screen = render(&a);
    assert!(
        screen.contains("11-02 09:17:53 line 30"),
        "each change has its time and line: {screen}"
    );
    assert!(
        screen.contains("last changed: C0001 11-02 09:17:16 · "),
        "{screen}"
    );
    a.update(Action::IntoTimeline);
    // The newest change first; the second is the alias merge on line 30.
    a.update(Action::Down);
    insta::assert_snapshot!("users_timeline", render(&a));
    a.update(Action::Open);
    assert_eq!(a.pane, Pane::Events);
    let s = a.store.read().unwrap();
    let line = a.selected_row(&s).map(|r| s.row(r).unwrap().line());
    assert_eq!(line, Some(30));
}

#[test]
fn at_80x24_the_timeline_takes_the_pane_and_keeps_the_chosen_change_in_view() {
    let mut a = app(80, 24);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    a.update(Action::Down);
    a.update(Action::Down);
    a.update(Action::IntoTimeline);
    let screen = render(&a);
    assert!(
        screen.contains("Timeline (Enter shows the event"),
        "{screen}"
    );
    assert!(screen.contains("11-02 09:15:25 line 26"), "{screen}");
    // u-bob's oldest change, five down, scrolls into view.
    for _ in 0..4 {
        a.update(Action::Down);
    }
    let screen = render(&a);
    assert!(screen.contains("11-02 09:08:38 line 14"), "{screen}");
    insta::assert_snapshot!("users_timeline_80x24", screen);
    a.update(Action::Open);
    let s = a.store.read().unwrap();
    assert_eq!(
        a.selected_row(&s).map(|r| s.row(r).unwrap().line()),
        Some(14)
    );
}

#[test]
fn the_users_pane_follows_the_selected_event_and_places_batch_elements() {
    let mut a = app(120, 40);
    command(&mut a, "12");
    a.update(Action::NextPane);
    while a.pane != Pane::Users {
        a.update(Action::NextPane);
    }
    let s = a.store.read().unwrap();
    let p = s.engine.profiles();
    let chosen = a.users[a.user_list.selected];
    assert_eq!(
        p.label(p.root(chosen)),
        p.label(p.root(p.lookup("u-alice").unwrap()))
    );
    drop(s);
    // a-tv-0d1's events came in one batch, line 32: each element keeps its place.
    let mut a = app(120, 40);
    command(&mut a, "32");
    while a.pane != Pane::Users {
        a.update(Action::NextPane);
    }
    let screen = render(&a);
    assert!(screen.contains("line 32["), "{screen}");
}
