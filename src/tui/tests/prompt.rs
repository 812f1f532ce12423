//! The `:` and `/` prompts and the filter keys: lines, filters, searches, completion.

use super::*;

#[test]
fn filtered_and_paused_with_a_search() {
    let mut a = app(100, 30);
    a.update(Action::Filter(FilterKey::NotIngested));
    a.update(Action::StartSearch);
    for c in "Segment Consent".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.match_count(&a.store.read().unwrap()) != Some((14, true)) {
        assert!(
            Instant::now() < deadline,
            "search did not finish: {:?}",
            a.match_count(&a.store.read().unwrap())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    a.update(Action::Top);
    a.update(Action::NextMatch);
    insta::assert_snapshot!("filtered_paused_search", render(&a));
}

#[test]
fn single_key_filters_write_into_one_filter() {
    let mut a = app(100, 30);
    let store = a.store.clone();
    let count = |a: &App| a.len(&store.read().unwrap());
    let dest = |index| Term::Destination {
        index,
        delivered: false,
    };
    a.update(Action::Filter(FilterKey::NotIngested));
    assert_eq!((&a.filter, count(&a)), (&Filter::of(Term::NotIngested), 20));
    a.update(Action::Filter(FilterKey::NotIngested));
    assert!(a.filter.is_all(), "the same key again takes it away");
    a.update(Action::Filter(FilterKey::Warnings));
    assert_eq!(count(&a), 20);
    // b adds to w: events with warnings that are blocked somewhere.
    a.update(Action::Filter(FilterKey::Blocked));
    let both = {
        let s = store.read().unwrap();
        (s.first()..s.end())
            .filter(|&i| {
                let r = s.row(i).unwrap();
                r.status == crate::tui::store::Status::Warnings && r.blocked > 0
            })
            .count()
    };
    assert_eq!((a.filter.terms.len(), count(&a)), (2, both));
    a.update(Action::Filter(FilterKey::Warnings));
    assert_eq!(
        count(&a),
        store.read().unwrap().counts.blocked_events as usize
    );
    a.update(Action::Filter(FilterKey::NextDestination));
    assert_eq!(a.filter.terms, vec![Term::Blocked, dest(0)]);
    // Amplitude is blocked on lines 11, 21, 25; line 19 is a duplicate (not ingested lines
    // do not count); it takes no screen (7, 32, 44) nor alias (30), as Segment's catalog says.
    let lines: Vec<u64> = (0..count(&a))
        .map(|p| store.read().unwrap().row(a.row_at(p)).unwrap().line())
        .collect();
    // (On line 49 the browser, opt-in, keeps sending it: loaded with the page.)
    assert_eq!(lines, vec![7, 11, 19, 21, 25, 30, 32, 44]);
    a.update(Action::Filter(FilterKey::NextDestination));
    assert_eq!(a.filter.terms, vec![Term::Blocked, dest(1)]);
    a.update(Action::Filter(FilterKey::Clear));
    assert!(a.filter.is_all());
}

#[test]
fn the_user_filter_follows_linked_ids() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 1);
    a.update(Action::Filter(FilterKey::SelectedUser));
    let store = a.store.clone();
    let s = store.read().unwrap();
    let lines: Vec<u64> = (0..a.len(&s))
        .map(|p| s.row(a.row_at(p)).unwrap().line())
        .collect();
    // a-laptop-7f3 is Alice's laptop: every event of her linked ids is listed.
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 49]);
}

#[test]
fn choosing_a_user_or_destination_filters_the_events() {
    let mut a = app(100, 30);
    a.update(Action::NextPane);
    a.update(Action::NextPane);
    a.update(Action::Down);
    a.update(Action::Open);
    assert_eq!(a.pane, Pane::Events);
    assert!(matches!(a.filter.terms.as_slice(), [Term::User(_)]));
    a.update(Action::PrevPane);
    a.update(Action::Down);
    a.update(Action::Down);
    a.update(Action::Open);
    // Written into the same filter: that user's events blocked for Braze.
    assert!(matches!(
        a.filter.terms.as_slice(),
        [
            Term::User(_),
            Term::Destination {
                index: 2,
                delivered: false
            }
        ]
    ));
}

#[test]
fn problems_are_reached_by_next_and_previous() {
    let mut a = app(100, 30);
    a.update(Action::Top);
    a.update(Action::NextProblem);
    let line = |a: &App| {
        a.detail
            .as_ref()
            .unwrap()
            .outcome
            .as_ref()
            .unwrap()
            .origin
            .line
    };
    assert_eq!(line(&a), 12);
    a.update(Action::NextProblem);
    assert_eq!(line(&a), 13);
    a.update(Action::PrevProblem);
    assert_eq!(line(&a), 12);
    a.update(Action::PrevProblem);
    assert_eq!(a.flash.as_deref(), Some("no more problems"));
}

#[test]
fn search_typing_escape_and_quit() {
    let mut a = app(100, 30);
    a.update(Action::StartSearch);
    a.update(Action::PromptInput('x'));
    a.update(Action::PromptBackspace);
    a.update(Action::PromptInput('y'));
    assert_eq!(a.prompt.as_ref().map(|p| p.text.as_str()), Some("y"));
    a.update(Action::PromptCancel);
    assert!(a.prompt.is_none() && a.search.is_none());
    a.update(Action::NextMatch);
    assert!(a.flash.as_deref().unwrap().contains("press /"));
    a.update(Action::Quit);
    assert!(a.quit);
}

#[test]
fn enter_on_a_search_selects_the_first_match_and_the_bar_says_which() {
    let mut a = app(100, 30);
    a.update(Action::Top);
    a.update(Action::StartSearch);
    for c in "u-dave".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    let deadline = Instant::now() + Duration::from_secs(5);
    while a
        .selected_row(&a.store.read().unwrap())
        .map(|r| a.store.read().unwrap().row(r).unwrap().line())
        != Some(37)
    {
        assert!(Instant::now() < deadline, "never jumped to the first match");
        std::thread::sleep(Duration::from_millis(20));
        a.sync();
    }
    let screen = render(&a);
    assert!(screen.contains("/u-dave match 1/"), "{screen}");
    a.update(Action::NextMatch);
    assert!(render(&a).contains("/u-dave match 2/"), "{}", render(&a));
}

fn listed_lines(a: &App) -> Vec<u64> {
    let s = a.store.read().unwrap();
    (0..a.len(&s))
        .map(|p| s.row(a.row_at(p)).unwrap().line())
        .collect()
}

#[test]
fn the_prompt_goes_to_a_line_and_filters_with_terms_combined() {
    let mut a = app(100, 30);
    command(&mut a, "31");
    assert_eq!(
        a.selected_row(&a.store.read().unwrap()).map(|r| a
            .store
            .read()
            .unwrap()
            .row(r)
            .unwrap()
            .line()),
        Some(31)
    );
    assert!(!a.follow);
    // "Why did Braze not get u-bob's Order Completed?": two terms and the event's name.
    command(&mut a, "user:u-bob dest:Braze event:\"Order Completed\"");
    assert_eq!(listed_lines(&a), vec![16, 50]);
    let screen = render(&a);
    assert!(
        screen.contains("user:u-bob dest:Braze event:\"Order Completed\" (2)"),
        "{screen}"
    );
    insta::assert_snapshot!("prompt_filter_combined", screen);
    // The other side: delivered to Braze.
    command(&mut a, "user:u-bob dest:Braze delivered type:track");
    assert!(listed_lines(&a).contains(&18), "{:?}", listed_lines(&a));
    // A single-key filter writes into the same filter; clear takes everything away.
    a.update(Action::Filter(FilterKey::Warnings));
    assert_eq!(a.filter.terms.len(), 4);
    command(&mut a, "clear");
    assert!(a.filter.is_all());
    // Times, in the zone shown.
    command(&mut a, "since:2026-11-02T09:30 until:2026-11-02T09:33");
    assert_eq!(listed_lines(&a), vec![50, 51, 52, 53, 54]);
    // Mistakes say what is wrong and change nothing.
    command(&mut a, "dest:Nope");
    assert!(
        render(&a).contains("no destination \"Nope\""),
        "{}",
        render(&a)
    );
    assert_eq!(listed_lines(&a), vec![50, 51, 52, 53, 54]);
}

#[test]
fn the_prompt_completes_names_and_recalls_earlier_commands() {
    let mut a = app(100, 30);
    a.update(Action::StartCommand);
    for c in "dest:br".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptComplete);
    assert_eq!(a.prompt.as_ref().unwrap().text, "dest:Braze");
    a.update(Action::PromptInput(' '));
    for c in "dest:Goo".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptComplete);
    assert_eq!(
        a.prompt.as_ref().unwrap().text,
        "dest:Braze dest:\"Google A"
    );
    insta::assert_snapshot!("prompt_completing", render(&a));
    a.update(Action::PromptCancel);
    command(&mut a, "warnings");
    command(&mut a, "blocked");
    a.update(Action::StartCommand);
    a.update(Action::PromptHistory { older: true });
    assert_eq!(a.prompt.as_ref().unwrap().text, "blocked");
    a.update(Action::PromptHistory { older: true });
    assert_eq!(a.prompt.as_ref().unwrap().text, "warnings");
    a.update(Action::PromptHistory { older: false });
    assert_eq!(a.prompt.as_ref().unwrap().text, "blocked");
}

/// Runs a `:` command and waits for a filter that needs the routing decision to be listed.
fn command_and_wait(a: &mut App, text: &str) -> Vec<u64> {
    command(a, text);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.filter_done(&a.store.read().unwrap()) {
        assert!(Instant::now() < deadline, "the scan never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    a.sync();
    listed_lines(a)
}

#[test]
fn terms_about_the_routing_decision_are_listed_by_the_scan() {
    let mut a = app(100, 30);
    assert_eq!(command_and_wait(&mut a, "reason:duplicate"), vec![19]);
    assert_eq!(command_and_wait(&mut a, "mode:device"), vec![49]);
    assert_eq!(
        command_and_wait(&mut a, "code:message_id_too_long"),
        vec![61]
    );
    // Combined with terms the rows answer: u-bob's events that Social Media blocked
    // somewhere, among his tracks.
    let lines = command_and_wait(&mut a, "user:u-bob cat:C0005 type:track");
    // Not line 19: a duplicate is dropped before consent is asked.
    assert!(lines.contains(&16) && !lines.contains(&19), "{lines:?}");
    let screen = render(&a);
    assert!(
        screen.contains("user:u-bob cat:C0005 type:track ("),
        "{screen}"
    );
    // A destination past the ones rows keep is still a filter (here, within them).
    assert_eq!(
        command_and_wait(&mut a, "dest:Braze reason:integrations_object"),
        vec![16, 17, 50]
    );
    // A mistake says so and leaves the filter as it was.
    assert_eq!(command_and_wait(&mut a, "reason:none"), vec![16, 17, 50]);
    assert!(
        a.flash
            .as_deref()
            .is_some_and(|f| f.contains("unknown reason \"none\"; known: not_ingested")),
        "{:?}",
        a.flash
    );
}

#[test]
fn the_prompt_checks_every_word_as_the_api_and_policy_do() {
    let mut a = app(100, 30);
    let braze_blocked = command_and_wait(&mut a, "dest:Braze");
    // `decision:` as the inspector API has it: of the destination named before it.
    assert_eq!(
        command_and_wait(&mut a, "dest:Braze decision:block"),
        braze_blocked
    );
    let delivered = command_and_wait(&mut a, "dest:Braze decision:deliver");
    assert_eq!(delivered, command_and_wait(&mut a, "dest:Braze delivered"));
    assert!(!delivered.is_empty() && delivered != braze_blocked);
    // Alone, of any destination.
    assert_eq!(
        command_and_wait(&mut a, "decision:block"),
        command_and_wait(&mut a, "blocked")
    );
    assert!(!command_and_wait(&mut a, "decision:deliver").is_empty());
    // A mistyped key is an error naming the keys, not a messageId search.
    let before = command_and_wait(&mut a, "type:track");
    assert_eq!(command_and_wait(&mut a, "foo:bar"), before);
    let said = |a: &mut App, command_line: &str, expected: &str| {
        command(a, command_line);
        let flash = a.flash.clone().unwrap_or_default();
        assert!(flash.contains(expected), "{command_line}: {flash}");
    };
    said(
        &mut a,
        "foo:bar",
        "unknown filter key \"foo\"; known: user, dest, type, event, since, until, decision, reason",
    );
    said(&mut a, "reasn:duplicate", "(did you mean \"reason\"?)");
    said(
        &mut a,
        "reason:not_consentd",
        "(did you mean \"not_consented\"",
    );
    said(
        &mut a,
        "decision:maybe",
        "unknown decision \"maybe\"; known: deliver, block",
    );
    said(
        &mut a,
        "dest:Braz",
        "no destination \"Braz\" in the settings (did you mean \"Braze\"?)",
    );
}

#[test]
fn a_long_filter_keeps_its_count_in_the_title_and_the_status_bar_at_any_width() {
    for (w, h) in [(80, 24), (100, 30), (120, 40), (60, 20)] {
        let mut a = app(w, h);
        let n = command_and_wait(
            &mut a,
            r#"dest:"Facebook Conversions API" user:u-alice type:track"#,
        )
        .len();
        let screen = render(&a);
        let lines: Vec<&str> = screen.lines().collect();
        let count = format!("({n})");
        let title = lines[0];
        assert!(
            title.contains("filter: dest:") && title.contains(&count),
            "{w}x{h} title: {title}"
        );
        let bar = lines.last().unwrap();
        assert!(
            bar.contains("filter") && bar.contains(&count),
            "{w}x{h} bar: {bar}"
        );
        assert!(bar.contains("? help"), "{w}x{h} bar: {bar}");
    }
}

/// Issue 36: `:11` Enter with the Destinations pane focused left the focus there, so the next
/// Enter filtered by a destination instead of opening line 11.
#[test]
fn a_line_jump_gives_the_focus_to_the_events() {
    let mut a = app(80, 24);
    for _ in 0..3 {
        a.update(Action::NextPane);
    }
    assert_eq!(a.pane, Pane::Destinations);
    a.update(Action::StartCommand);
    for c in "11".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    assert_eq!(a.pane, Pane::Events);
    a.update(Action::Open);
    let d = a.detail.as_ref().unwrap();
    assert_eq!(d.outcome.as_ref().unwrap().origin.line, 11);
    assert!(a.filter.is_all(), "Enter filtered instead of opening");
}
