//! The guided tour: every lesson reached, and its result shown.

use super::*;

/// The text of the screen's lines below the tour panel's title, unwrapped: borders and the
/// wrap's indents taken away, lines joined by spaces.
fn panel_text(screen: &str) -> String {
    let from = screen.find("Tour ").unwrap_or(0);
    screen[from..]
        .lines()
        .skip(1)
        .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tour as `consent-inspector tour` starts it, at `width`x`height`.
fn tour_app(width: u16, height: u16) -> (App, tempfile::TempDir) {
    let tour = crate::tui::tour::Tour::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tour.jsonl");
    std::fs::write(&file, &tour.text).unwrap();
    let store = loaded_with(tour.workspace.clone(), &file, crate::tui::store::MAX_EVENTS);
    let searcher = crate::tui::standalone_searcher(&store);
    let mut a = App::new(store, searcher, false, width, height);
    a.tour = Some(crate::tui::app::TourState::new(&tour));
    // Read again, as the tour's own file is, for the lesson that compares vendors.
    a.reload = Some(crate::tui::app::Reload {
        path: file.clone(),
        follow: false,
        waker: Waker::detached(),
        label: "the tour".into(),
        file: file.display().to_string(),
        har: Vec::new(),
        wire: None,
        demo: false,
        max_events: crate::tui::store::MAX_EVENTS,
        capture: false,
    });
    a.sync();
    (a, dir)
}

#[test]
fn a_lesson_fits_80x24_and_shows_its_result_once_tried() {
    let (mut a, _dir) = tour_app(80, 24);
    insta::assert_snapshot!("tour_lesson_1", render(&a));
    a.update(Action::WhatIfCycle);
    insta::assert_snapshot!("tour_lesson_1_tried", render(&a));
}

/// Does what a lesson asks, with the keys a reader would press.
fn take_lesson_action(a: &mut App, lesson: &crate::tui::tour::Lesson, screen: &str) {
    let Some(trial) = lesson.action.trial() else {
        a.update(lesson.action.action().unwrap());
        if a.workspace_what_if.is_some() {
            decided_again(a);
        }
        return;
    };
    // As many presses as the invitation says; each tries a value the event does not hold,
    // and the lesson is done only at the value it asks for.
    let presses = if screen.contains("t 3 times") {
        3
    } else if screen.contains("t twice") {
        2
    } else {
        assert!(screen.contains("press t to see"), "{screen}");
        1
    };
    let own = a.held_value(&a.store.read().unwrap());
    for n in 1..=presses {
        a.update(Action::WhatIfCycle);
        assert_ne!(
            a.what_if.value, own,
            "{}: tried its own value",
            lesson.title
        );
        let done = a.tour.as_ref().unwrap().progress.done;
        assert_eq!(done, n == presses, "{}: press {n}", lesson.title);
    }
    assert_eq!(a.what_if.value, Some(trial), "{}", lesson.title);
}

#[test]
fn every_lesson_is_reached_and_its_action_shows_its_result() {
    let (mut a, _dir) = tour_app(80, 24);
    let lessons = a.tour.as_ref().unwrap().lessons.clone();
    for (i, lesson) in lessons.iter().enumerate() {
        let t = a.tour.as_ref().unwrap();
        assert_eq!((t.progress.lesson, t.progress.done), (i, false));
        // The lesson's event is the one selected, with its route as claimed.
        let d = a.detail.as_ref().unwrap().outcome.as_ref().unwrap();
        assert_eq!(d.origin.line, t.lines[i], "{}", lesson.title);
        let screen = render(&a);
        let route = format!(
            "{}: {} ({})",
            lesson.destination, lesson.decision, lesson.reason
        );
        assert!(
            screen.contains(&route),
            "{}: {route}\n{screen}",
            lesson.title
        );
        take_lesson_action(&mut a, lesson, &screen);
        assert!(a.tour.as_ref().unwrap().progress.done, "{}", lesson.title);
        let screen = panel_text(&render(&a));
        let first_words: String = lesson
            .result
            .split(' ')
            .take(4)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            screen.contains(&first_words),
            "{}: {first_words}\n{screen}",
            lesson.title
        );
        if let Some(then) = &lesson.action.then {
            let after = match lesson.action.trial() {
                Some(trial) => format!("= {}: {} ({})", trial.as_str(), then.decision, then.reason),
                None => format!(
                    "under RudderStack's rules: {} ({})",
                    then.decision, then.reason
                ),
            };
            assert!(
                screen.contains(&after),
                "{}: {after}\n{screen}",
                lesson.title
            );
        }
        // A pane the result talks about is shown below, and one Tab reaches it.
        if let Some(p) = lesson.show.as_deref().and_then(Pane::named) {
            assert_eq!(a.lower, p, "{}", lesson.title);
            a.update(Action::NextPane);
            assert_eq!(a.pane, p, "{}", lesson.title);
            a.update(Action::Back);
        }
        // r shows the rule's own words from docs/rules.md; r again closes them.
        a.update(Action::ShowRule);
        let rule = render(&a);
        assert!(
            rule.contains(&format!("docs/rules.md#{}", lesson.rule)),
            "{}\n{rule}",
            lesson.title
        );
        let heading = crate::rules::choices::section(&lesson.rule)
            .unwrap()
            .lines()
            .next()
            .unwrap();
        assert!(
            rule.contains(heading.trim_start_matches('#').trim()),
            "{rule}"
        );
        a.update(Action::ShowRule);
        assert!(a.overlay.is_none());
        a.update(Action::IntoTimeline);
    }
    // Past the last lesson nothing moves; back goes to the one before.
    assert_eq!(a.tour.as_ref().unwrap().progress.lesson, lessons.len() - 1);
    a.update(Action::OutOfTimeline);
    assert_eq!(a.tour.as_ref().unwrap().progress.lesson, lessons.len() - 2);
    // Entering a lesson clears the last one's filter and what-if.
    assert!(a.filter.is_all());
    assert_eq!(a.what_if.value, None);
}

#[test]
fn a_lesson_s_result_follows_the_value_t_chose() {
    let (mut a, _dir) = tour_app(100, 30);
    let result = a.tour.as_ref().unwrap().lesson().result.clone();
    let start: String = result.chars().take(30).collect();
    // Lesson 1 asks for Targeting true: its words are about that value.
    a.update(Action::WhatIfCycle);
    assert!(panel_text(&render(&a)).contains(&start));
    // t again: missing (the event holds false). The words no longer claim true; they say
    // what the screen shows.
    a.update(Action::WhatIfCycle);
    assert_eq!(
        a.what_if.value,
        Some(crate::analyses::what_if::Trial::Missing)
    );
    let panel = panel_text(&render(&a));
    assert!(!panel.contains(&start), "{panel}");
    assert!(
        panel.contains("Now C0004 (Targeting) = missing."),
        "{panel}"
    );
    assert!(
        panel.contains("= missing: deliver (consent_preference_event)"),
        "{panel}"
    );
    // And back at true, the lesson's own result again.
    a.update(Action::WhatIfCycle);
    assert_eq!(a.what_if.value, Some(crate::analyses::what_if::Trial::True));
    assert!(panel_text(&render(&a)).contains(&start));
}

/// Issue 36, the tour at 120x40: the Detail pane showed 11 of 12 destinations with nothing
/// saying more were below; its bottom edge now counts the rows below, and ↓ (with the focus,
/// as lesson 15 says) brings them into view.
#[test]
fn the_tour_s_detail_says_what_is_below_and_down_scrolls_to_it() {
    let (mut a, _dir) = tour_app(120, 40);
    let screen = render(&a);
    assert!(screen.contains("✓ Optimizely Full Stack"), "{screen}");
    assert!(screen.contains("Tab then ↓ "), "{screen}");
    a.update(Action::Open);
    assert_eq!(a.pane, Pane::Detail);
    for _ in 0..20 {
        a.update(Action::Down);
    }
    let screen = render(&a);
    assert!(screen.contains("rows above · ↓ "), "{screen}");
    assert!(
        screen.contains("Snowflake"),
        "the 12th destination: {screen}"
    );
}
