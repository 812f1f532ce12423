//! The key map and the mouse: every binding, the help overlay, focus and zoom.

use super::*;

#[test]
fn help_overlay_fits_80x24() {
    let mut a = app(80, 24);
    a.update(Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", render(&a));
}

#[test]
fn moving_up_pauses_and_g_or_f_resumes_following() {
    let mut a = app(100, 30);
    assert!(a.follow);
    let last = a.len(&a.store.read().unwrap()) - 1;
    assert_eq!(a.event_list.selected, last);
    a.update(Action::Up);
    assert!(!a.follow);
    assert_eq!(a.event_list.selected, last - 1);
    a.update(Action::Bottom);
    assert!(a.follow);
    a.update(Action::PageUp);
    assert!(!a.follow);
    a.update(Action::ToggleFollow);
    assert!(a.follow);
    assert_eq!(a.event_list.selected, last);
    a.update(Action::Wheel {
        up: true,
        column: 10,
        row: 5,
    });
    assert!(!a.follow);
}

#[test]
fn a_click_selects_the_row_under_the_mouse() {
    let mut a = app(100, 30);
    a.update(Action::Top);
    // Events pane starts at the top: border, header, then the first row on screen line 2.
    a.update(Action::Click { column: 10, row: 4 });
    assert_eq!(a.event_list.selected, 2);
    assert!(!a.follow);
}

#[test]
fn every_binding_reaches_an_action_and_help_lists_it() {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    let keys = crate::tui::keymap::Keymap::default();
    for b in &keys.rows {
        for (i, k) in b.keys.iter().enumerate() {
            let mods = if k.ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            // The digits share one row; each names its own category.
            let want = match b.action {
                Action::WhatIfCategory(_) => Action::WhatIfCategory(i as u8),
                a => a,
            };
            assert_eq!(
                keys.action_for(&KeyEvent::new(k.code, mods)),
                Some(want),
                "{}",
                b.name
            );
        }
    }
    let mut a = app(80, 24);
    a.update(Action::ToggleHelp);
    let screen = render(&a);
    for b in &keys.rows {
        assert!(screen.contains(b.help), "help lacks {}", b.help);
    }
}

#[test]
fn z_zooms_the_focused_pane_and_tab_moves_the_zoom() {
    let mut a = app(100, 30);
    a.update(Action::ToggleZoom);
    let screen = render(&a);
    assert!(!screen.contains("Detail Users Destinations"), "{screen}");
    assert!(screen.contains("zoomed (z)"), "{screen}");
    // The page is the whole screen less the border, header and status bar.
    assert_eq!(a.page(), 30 - 1 - 2 - 1);
    a.update(Action::NextPane);
    let screen = render(&a);
    assert!(screen.contains("Detail Users Destinations"), "{screen}");
    assert!(!screen.contains("LINE   TIME"), "{screen}");
    a.update(Action::ToggleZoom);
    let screen = render(&a);
    assert!(screen.contains("Detail Users Destinations") && screen.contains("LINE   TIME"));
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer_and_a_title_click_focuses() {
    let mut a = app(100, 30);
    a.update(Action::Top);
    // The lower pane starts at row 13 (45% of the 29 lines above the status bar).
    let lower = a.areas().lower;
    assert_eq!(lower.y, 13);
    // A click on "Users" in the lower pane's title shows and focuses it.
    a.update(Action::Click {
        column: lower.x + 2 + "Detail ".len() as u16,
        row: lower.y,
    });
    assert_eq!(a.pane, Pane::Users);
    // Focus back on the events, the wheel over the users scrolls the users, not the events.
    a.update(Action::Click { column: 5, row: 0 });
    assert_eq!(a.pane, Pane::Events);
    let before = a.event_list.selected;
    // The users list follows the selected event's user: the wheel moves it three on.
    let users_before = a.user_list.selected;
    a.update(Action::Wheel {
        up: false,
        column: 10,
        row: lower.y + 4,
    });
    assert_eq!(a.event_list.selected, before);
    assert_eq!(
        a.user_list.selected,
        (users_before + 3).min(a.users.len() - 1)
    );
    assert_eq!(a.pane, Pane::Events, "the focus stays");
    // Over the events, the events.
    a.update(Action::Wheel {
        up: false,
        column: 10,
        row: 5,
    });
    assert_eq!(a.event_list.selected, before + 3);
    // "Destinations" and "Detail" likewise; the "(Tab)" hint is no tab.
    let x = lower.x + 2 + "Detail Users ".len() as u16;
    a.update(Action::Click {
        column: x + 3,
        row: lower.y,
    });
    assert_eq!(a.pane, Pane::Destinations);
    a.update(Action::Click {
        column: lower.x + 3,
        row: lower.y,
    });
    assert_eq!(a.pane, Pane::Detail);
    a.update(Action::Click {
        column: x + "Destinations (T".len() as u16,
        row: lower.y,
    });
    assert_eq!(a.pane, Pane::Detail);
    insta::assert_snapshot!("detail_focused_by_its_title", render(&a));
}

#[test]
fn configured_keys_act_and_the_help_overlay_shows_them() {
    use crate::tui::keymap::{Keymap, parse_key};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let keys = Keymap::with(&[
        ("quit".into(), vec![parse_key("Q").unwrap()], 3),
        (
            "down".into(),
            vec![parse_key("ctrl-n").unwrap(), parse_key("down").unwrap()],
            4,
        ),
    ])
    .unwrap();
    let press = |code, mods| keys.action_for(&KeyEvent::new(code, mods));
    assert_eq!(
        press(KeyCode::Char('Q'), KeyModifiers::NONE),
        Some(Action::Quit)
    );
    assert_eq!(press(KeyCode::Char('q'), KeyModifiers::NONE), None);
    assert_eq!(press(KeyCode::Char('c'), KeyModifiers::CONTROL), None);
    assert_eq!(
        press(KeyCode::Char('n'), KeyModifiers::CONTROL),
        Some(Action::Down)
    );
    assert_eq!(press(KeyCode::Char('j'), KeyModifiers::NONE), None);
    let mut a = app(80, 24);
    a.keys = keys;
    a.update(Action::ToggleHelp);
    let screen = render(&a);
    // The pair up/down shares a row, written from the keys now in effect.
    assert!(screen.contains("↑/k C-n/↓ up (pauses) / down"), "{screen}");
    assert!(screen.contains("        Q quit"), "{screen}");
    assert!(!screen.contains("q Ctrl-C"), "{screen}");
    // Defaults keep their hand-written labels.
    assert!(screen.contains("PgUp/Dn"), "{screen}");
}

#[test]
fn a_key_bound_twice_or_an_unknown_action_names_the_line() {
    use crate::tui::keymap::{Keymap, parse_key};
    let j = parse_key("j").unwrap();
    let e = Keymap::with(&[("quit".into(), vec![j], 7)]).unwrap_err();
    assert_eq!(e.line, 7);
    assert_eq!(
        e.message,
        "key \"j\" is bound twice: to down (a default; rebind it too) and to quit (line 7)"
    );
    let e = Keymap::with(&[("up".into(), vec![j], 2), ("down".into(), vec![j], 3)]).unwrap_err();
    assert_eq!(
        (
            e.line,
            e.message.contains("up (line 2) and to down (line 3)")
        ),
        (3, true)
    );
    // Swapping two keys is fine: only the result must be free of duplicates.
    let k = parse_key("k").unwrap();
    assert!(Keymap::with(&[("up".into(), vec![j], 2), ("down".into(), vec![k], 3)]).is_ok());
    let e = Keymap::with(&[("jump".into(), vec![j], 5)]).unwrap_err();
    assert!(
        e.message
            .starts_with("unknown action \"jump\" (known: up, down,")
    );
    for (text, ok) in [
        ("ctrl-c", true),
        ("F12", true),
        ("f25", false),
        ("PageUp", true),
        ("é", true),
        ("ab", false),
        ("", false),
    ] {
        assert_eq!(parse_key(text).is_some(), ok, "{text}");
    }
}

#[test]
fn tab_goes_first_to_the_pane_shown_below_and_visits_each_once() {
    let mut a = app(120, 40);
    a.lower = Pane::Users;
    let mut seen = Vec::new();
    for _ in 0..4 {
        a.update(Action::NextPane);
        seen.push(a.pane);
    }
    assert_eq!(
        seen,
        vec![Pane::Users, Pane::Detail, Pane::Destinations, Pane::Events]
    );
    // Backwards, from the events, the same cycle the other way.
    let mut back = Vec::new();
    for _ in 0..4 {
        a.update(Action::PrevPane);
        back.push(a.pane);
    }
    assert_eq!(back.len(), 4);
    assert_eq!(back[3], Pane::Events);
    let mut unique = back.clone();
    unique.sort_by_key(|p| p.title());
    unique.dedup();
    assert_eq!(unique.len(), 4, "{back:?}");
}
