//! The terminal UI in a `TestBackend`: buffer snapshots of each pane and overlay, and key
//! handling on the model.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{Action, App, FilterKey, Pane};
use super::event::Waker;
use super::fair_lock::FairLock;
use super::filter::{Filter, Term};
use super::store::{Shared, Store, spawn_reader};
use super::ui::{self, Theme};

/// The sample events read once into a store, as the UI would read them.
fn loaded(events: &Path) -> Shared {
    loaded_keeping(events, super::store::MAX_EVENTS)
}

fn loaded_keeping(events: &Path, max_events: usize) -> Shared {
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/consent-settings.json")).unwrap(),
    );
    loaded_with(ws, events, max_events)
}

fn loaded_with(ws: Arc<crate::workspace::Workspace>, events: &Path, max_events: usize) -> Shared {
    let store = Arc::new(FairLock::new(Store::new(
        ws,
        "samples/events.jsonl".into(),
        false,
        max_events,
    )));
    let stop = Arc::new(AtomicBool::new(false));
    spawn_reader(
        events.to_path_buf(),
        false,
        store.clone(),
        Waker::detached(),
        stop,
    )
    .join()
    .unwrap();
    assert!(store.read().unwrap().caught_up);
    store
}

fn app(width: u16, height: u16) -> App {
    let store = loaded(Path::new("samples/events.jsonl"));
    let searcher = super::standalone_searcher(&store);
    let mut app = App::new(store, searcher, true, width, height);
    app.sync();
    app
}

fn render(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    t.draw(|f| {
        let s = app.store.read().unwrap();
        ui::draw(f, app, &s, Theme::MONOCHROME);
    })
    .unwrap();
    t.backend().to_string()
}

fn go_to_line(app: &mut App, line: u64) {
    app.update(Action::Top);
    let mut steps = 0;
    while app
        .detail
        .as_ref()
        .and_then(|d| Some(d.outcome.as_ref().ok()?.origin.line))
        != Some(line)
    {
        steps += 1;
        assert!(steps < 10_000, "no event at line {line}");
        app.update(Action::Down);
    }
}

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
fn following_at_80x24_shows_the_newest_events() {
    let a = app(80, 24);
    insta::assert_snapshot!("following_80x24", render(&a));
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
fn destinations_pane_counts() {
    let mut a = app(100, 30);
    a.update(Action::PrevPane);
    assert_eq!(a.pane, Pane::Destinations);
    insta::assert_snapshot!("destinations_pane", render(&a));
}

#[test]
fn help_overlay_fits_80x24() {
    let mut a = app(80, 24);
    a.update(Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", render(&a));
}

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
                r.status == super::store::Status::Warnings && r.blocked > 0
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
    // Amplitude is blocked on lines 11, 21, 25; line 19 is a
    // duplicate (not ingested lines do not count).
    let lines: Vec<u64> = (0..count(&a))
        .map(|p| store.read().unwrap().row(a.row_at(p)).unwrap().line())
        .collect();
    // (On line 49 the browser, opt-in, keeps sending it: loaded with the page.)
    assert_eq!(lines, vec![11, 19, 21, 25]);
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
    let keys = super::keymap::Keymap::default();
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
fn hostile_strings_are_escaped_in_every_pane() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("evil.jsonl");
    std::fs::write(
        &f,
        "{\"type\":\"track\",\"event\":\"\\u001b]52;c;SGk=\\u0007\\u009b2J\\u202eevil\\udb40\\udc41\",\"userId\":\"u\\u200b\\u001b[1m\\udb40\\udc67\",\"messageId\":\"m\",\"context\":{\"consent\":{\"categoryPreferences\":{\"\\u001b[5mX\":true}}}}\n",
    )
    .unwrap();
    let store = loaded(&f);
    let searcher = super::standalone_searcher(&store);
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
fn max_events_keeps_the_newest_and_says_so() {
    let store = loaded_keeping(Path::new("samples/events.jsonl"), 10);
    // Wide enough for the whole status bar.
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        true,
        220,
        30,
    );
    a.sync();
    let s = store.read().unwrap();
    assert_eq!((s.len(), s.evicted(), s.counts.events), (10, 53, 63));
    let lines: Vec<u64> = (0..a.len(&s))
        .map(|p| s.row(a.row_at(p)).unwrap().line())
        .collect();
    assert_eq!(lines, vec![52, 53, 54, 55, 56, 57, 58, 59, 60, 61]);
    // Users still cover every event seen.
    assert_eq!(s.engine.profiles().len(), 5);
    drop(s);
    let screen = render(&a);
    assert!(
        screen.contains("53 older events left the view (--max-events 10)"),
        "{screen}"
    );
}

/// The rows the UI shows for a source, as `start` prepares it: (line, index, ingested).
fn rows_of(source: super::Source) -> (String, Vec<(u64, Option<u32>, bool)>) {
    let prepared = super::prepare(source).unwrap();
    let store = loaded(&prepared.path);
    let s = store.read().unwrap();
    let rows = (s.first()..s.end())
        .map(|i| {
            let r = s.row(i).unwrap();
            (
                r.line(),
                r.index(),
                r.status != super::store::Status::NotIngested,
            )
        })
        .collect();
    (prepared.label, rows)
}

#[test]
fn a_har_capture_shows_its_events_at_their_lines_as_route_does() {
    let (label, rows) = rows_of(super::Source::File("samples/capture.har".into()));
    assert_eq!(label, "samples/capture.har (HAR, 6 Segment calls)");
    let file: Arc<str> = Arc::from("samples/capture.har");
    let text = std::fs::read("samples/capture.har").unwrap();
    let expected: Vec<(u64, Option<u32>, bool)> = crate::read::input::har::records(&file, &text)
        .into_iter()
        .map(|r| (r.origin.line, r.origin.index, r.json.is_ok()))
        .collect();
    assert_eq!(rows, expected);
    assert!(rows.iter().filter(|r| r.2).count() >= 6, "{rows:?}");
    // Gzipped, the same.
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("capture.har.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let (label, gz_rows) = rows_of(super::Source::Gzip(gz));
    assert!(label.ends_with("(gzip, HAR, 6 Segment calls)"), "{label}");
    assert_eq!(gz_rows, rows);
}

#[test]
fn a_har_entry_that_gives_no_event_is_named_with_its_url_as_check_names_it() {
    let har = r#"{
  "log": {
    "entries": [
      {"request": {"url": "https://api.segment.io/v1/t",
                   "postData": {"text": "{\"event\":\"A\",\"userId\":\"u\"}"}}},
      {"request": {"url": "https://api.segment.io/v1/p"}},
      {"request": {"url": "https://api.segment.io/v1/t?x=\u001b[2J", "postData": {"text": "{\"event\": nope"}}}
    ]
  }
}"#;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.har");
    std::fs::write(&f, har).unwrap();
    let p = super::prepare(super::Source::File(f.clone())).unwrap();
    let store = loaded(&p.path);
    {
        let mut s = store.write().unwrap();
        s.file = p.file.clone();
        s.har = p.har.clone();
    }
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        false,
        200,
        60,
    );
    a.sync();
    let detail = |a: &mut App, line: u64| {
        go_to_line(a, line);
        a.sync();
        render(a)
    };
    let shown = f.display().to_string();
    let first = detail(&mut a, 4);
    assert!(first.contains(&format!("{shown}:4  ingested")), "{first}");
    assert!(
        first.contains("HAR entry 1 (https://api.segment.io/v1/t)"),
        "{first}"
    );
    // Every entry has its row: one without a body is not left out, as check does not.
    let second = detail(&mut a, 6);
    assert!(
        second.contains(
            "invalid_json  HAR entry 2 (https://api.segment.io/v1/p) has no request body"
        ),
        "{second}"
    );
    let third = detail(&mut a, 7);
    assert!(
        third.contains("HAR entry 3 (https://api.segment.io/v1/t?x=\\e[2J): request body is not JSON: expected ident at column 12"),
        "{third}"
    );
    assert!(third.contains(r#"{"event": n⏵ope"#), "{third}");
    assert!(!third.contains('\u{1b}'));
    // check says the same of the same entries.
    let file: Arc<str> = Arc::from(shown.as_str());
    let messages: Vec<String> = crate::read::input::har::records(&file, har.as_bytes())
        .into_iter()
        .filter_map(|r| match r.json {
            Err(crate::read::input::RecordError::InvalidJson(m)) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(messages.len(), 2);
    for m in messages {
        assert!(second.contains(&m) || third.contains(&m), "{m}");
    }
}

#[test]
fn read_once_says_so_and_f_explains_why_it_cannot_follow() {
    let store = loaded(Path::new("samples/events.jsonl"));
    let searcher = super::standalone_searcher(&store);
    // As `--no-follow` starts it.
    let mut a = App::new(store, searcher, false, 100, 30);
    a.sync();
    let screen = render(&a);
    assert!(screen.contains("■ READ ONCE"), "{screen}");
    assert!(!screen.contains("PAUSED"), "{screen}");
    a.update(Action::ToggleFollow);
    assert!(!a.follow);
    assert!(
        render(&a).contains("read once: to follow, start without --no-follow"),
        "{}",
        render(&a)
    );
    a.update(Action::Bottom);
    assert!(!a.follow, "the end of a file read once is not following");
}

#[test]
fn a_source_that_ends_says_so() {
    let mut a = app(100, 30);
    assert!(render(&a).contains("FOLLOWING"));
    a.source_ended("stdin ended after 12 bytes".into());
    let screen = render(&a);
    assert!(screen.contains("■ stdin ended after 12 bytes"), "{screen}");
    a.update(Action::ToggleFollow);
    assert!(
        render(&a).contains("stdin ended after 12 bytes: nothing more will arrive"),
        "{}",
        render(&a)
    );
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

#[test]
fn at_80_columns_with_a_filter_and_a_search_help_and_the_file_still_show() {
    let mut a = app(80, 24);
    a.update(Action::Filter(FilterKey::Warnings));
    a.update(Action::StartSearch);
    for c in "Order".chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    let screen = render(&a);
    let status = screen.lines().last().unwrap();
    assert!(status.contains("? help"), "{status}");
    assert!(status.contains("events.jsonl"), "{status}");
    assert!(status.contains("PAUSED"), "{status}");
    assert!(status.contains("warnings (20)"), "{status}");
    assert!(status.contains("/Order 7 matches"), "{status}");
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
    assert_eq!(a.detail_view, super::scroll::Scroll::default());
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

/// A followed file of two events, truncated and rewritten with one: the app once the store
/// has the new event (and `reset` says whether the file is `listen`'s capture).
fn truncated_while_followed(reset: bool) -> App {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let ev = |id: &str, prefs: &str| {
        format!(
            "{{\"type\":\"track\",\"event\":\"E\",\"userId\":\"u\",\"messageId\":\"{id}\",\"context\":{{\"consent\":{{\"categoryPreferences\":{prefs}}}}}}}\n"
        )
    };
    std::fs::write(
        &path,
        ev("old-1", r#"{"C0002":true,"C0004":false}"#) + &ev("old-2", "{}"),
    )
    .unwrap();
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/consent-settings.json")).unwrap(),
    );
    let mut store = Store::new(ws, "live.jsonl".into(), false, 100);
    store.reset_on_truncate = reset;
    let store = Arc::new(FairLock::new(store));
    let stop = Arc::new(AtomicBool::new(false));
    spawn_reader(
        path.clone(),
        true,
        store.clone(),
        Waker::detached(),
        stop.clone(),
    );
    let wait_for = |seen: &dyn Fn(&Store) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !seen(&store.read().unwrap()) {
            assert!(Instant::now() < deadline, "never saw it");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(&|s| s.len() == 2);
    std::fs::write(&path, ev("new-1", "{}")).unwrap();
    wait_for(&|s| s.end() == 4);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        false,
        120,
        30,
    );
    a.sync();
    a
}

#[test]
fn a_reset_capture_starts_the_view_afresh_and_says_so() {
    let mut a = truncated_while_followed(true);
    let screen = render(&a);
    assert!(
        screen.contains("capture reset by /inspector/reset: starting afresh ("),
        "{screen}"
    );
    assert!(
        screen.contains("┌ Events 1 │"),
        "the counts start again: {screen}"
    );
    a.update(Action::Top);
    a.update(Action::Down);
    let o = a.detail.as_ref().unwrap().outcome.as_ref().unwrap();
    assert_eq!(o.origin.to_string(), "live.jsonl:1");
    let s = a.store.read().unwrap();
    assert_eq!(s.len(), 2, "the separator and the new event");
    assert_eq!(s.engine.profiles().len(), 1, "profiles start again");
}

#[test]
fn a_truncated_file_gets_a_separator_and_its_old_rows_keep_their_routing() {
    let mut a = truncated_while_followed(false);
    let screen = render(&a);
    // The notice spans the table: its time is whole at 120 columns.
    let notice = screen
        .lines()
        .find(|l| l.contains("file truncated"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        notice.contains("──── file truncated: reading again from the start (")
            && notice.contains(" UTC) ────"),
        "{notice}"
    );
    // The old first row: its bytes are gone, what was decided is not.
    a.update(Action::Top);
    let detail = a.detail.as_ref().unwrap();
    assert!(detail.outcome.is_err());
    let kept = detail.kept.join("\n");
    assert!(kept.contains("live.jsonl (previous file):1"), "{kept}");
    assert!(kept.contains("blocked for: Braze, Google Ads"), "{kept}");
    // The new row is the file as it is now.
    a.update(Action::Bottom);
    let o = a.detail.as_ref().unwrap().outcome.as_ref().unwrap();
    assert_eq!(o.origin.to_string(), "live.jsonl:1");
}

#[test]
fn times_show_in_one_zone_with_the_date_where_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("zones.jsonl");
    let ev = |id: &str, ts: &str| {
        format!(
            "{{\"type\":\"page\",\"userId\":\"u\",\"messageId\":\"{id}\",\"timestamp\":\"{ts}\"}}\n"
        )
    };
    // Written in three offsets; in UTC they are 23:30 on the 1st, then 00:15 and 00:45 on
    // the 2nd.
    std::fs::write(
        &f,
        ev("a", "2026-11-01T23:30:00Z")
            + &ev("b", "2026-11-02T01:15:00+01:00")
            + &ev("c", "2026-11-01T19:45:00-05:00"),
    )
    .unwrap();
    let store = loaded(&f);
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        false,
        100,
        20,
    );
    a.sync();
    let screen = render(&a);
    assert!(screen.contains("TIME UTC"), "{screen}");
    assert!(screen.contains("│ 1       11-01 23:30:00 page"), "{screen}");
    assert!(screen.contains("│ 2       11-02 00:15:00 page"), "{screen}");
    assert!(screen.contains("│ 3       00:45:00       page"), "{screen}");
    // The detail has the whole timestamp, as written and in the zone shown.
    a.update(Action::Top);
    a.update(Action::Down);
    let screen = render(&a);
    assert!(
        screen.contains("timestamp: 2026-11-02T01:15:00+01:00 = 2026-11-02 00:15:00 UTC"),
        "{screen}"
    );
}

/// Types `text` after `:` and presses Enter.
fn command(a: &mut App, text: &str) {
    a.update(Action::StartCommand);
    for c in text.chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
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

#[test]
fn wide_screens_show_a_column_per_destination_and_m_toggles_it() {
    let mut a = app(200, 50);
    go_to_line(&mut a, 16);
    let screen = render(&a);
    assert!(
        screen.contains("Amp GA4 Bra GAd FCA Sen Int Web AS3 EAu"),
        "{screen}"
    );
    // Line 16, u-bob's Order Completed: only Amplitude, Webhooks and Amazon S3 receive it.
    let row = screen.lines().find(|l| l.contains("│ 16 ")).unwrap();
    assert!(
        row.contains("●  ✓   ✗   ✗   ✗   ✗   ✗   ✗   ✓   ✓   ✗"),
        "{row}"
    );
    // Not ingested: · under every destination.
    go_to_line(&mut a, 52);
    let screen = render(&a);
    let row = screen.lines().find(|l| l.contains("│ 52 ")).unwrap();
    assert_eq!(row.matches('·').count(), 10, "{row}");
    insta::assert_snapshot!("per_destination_200x50", screen);
    a.update(Action::ToggleColumns);
    assert!(!a.per_destination());
    assert!(render(&a).contains("ROUTES"));
    assert!(!render(&a).contains("Amp GA4"));
    // Narrow, m asks for the columns anyway: as many as fit, with the summary for the rest.
    let mut narrow = app(80, 24);
    assert!(!narrow.per_destination());
    narrow.update(Action::ToggleColumns);
    let screen = render(&narrow);
    assert!(screen.contains("Amp GA4 Bra ROUTES"), "{screen}");
    assert!(!screen.contains("GAd"), "{screen}");
}

#[test]
fn short_names_are_distinct_and_at_most_three_letters() {
    let settings = r#"{"categories": [], "destinations": [
        {"name": "Braze", "categories": []}, {"name": "Brazil Ads", "categories": []},
        {"name": "Bravo", "categories": []}, {"name": "Bra", "categories": []},
        {"name": "日本", "categories": []}, {"name": "\u001b[2J", "categories": []}]}"#;
    let ws = crate::workspace::Workspace::from_slice("s.json", settings.as_bytes()).unwrap();
    let short = super::ui::events::short_names(&ws);
    assert_eq!(short, ["Bra", "BAd", "Br2", "Br3", "5", "2J"]);
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

/// Line `n` of the sample events, as written.
fn sample_line(n: usize) -> String {
    std::fs::read_to_string("samples/events.jsonl")
        .unwrap()
        .lines()
        .nth(n - 1)
        .unwrap()
        .to_owned()
}

#[test]
fn y_copies_the_event_as_written_and_a_batch_element_alone() {
    let mut a = app(100, 30);
    go_to_line(&mut a, 16);
    a.update(Action::Copy);
    assert_eq!(
        String::from_utf8(a.clipboard.take().unwrap()).unwrap(),
        sample_line(16)
    );
    assert!(
        a.flash
            .as_deref()
            .unwrap()
            .contains("copied line 16's event"),
        "{:?}",
        a.flash
    );
    insta::assert_snapshot!("copied", render(&a));
    // The second element of line 32's batch: that element, with the batch's context.
    go_to_line(&mut a, 32);
    a.update(Action::Down);
    a.update(Action::Copy);
    let copied: serde_json::Value = serde_json::from_slice(&a.clipboard.take().unwrap()).unwrap();
    let batch: serde_json::Value = serde_json::from_str(&sample_line(32)).unwrap();
    let element = &batch["batch"][1];
    for (k, v) in element.as_object().unwrap() {
        if k != "context" {
            assert_eq!(&copied[k], v, "{k}");
        }
    }
    // Its own context, merged with the batch's (which holds the consent), as Segment reads it.
    assert_eq!(copied["context"]["device"], element["context"]["device"]);
    assert_eq!(copied["context"]["consent"], batch["context"]["consent"]);
}

/// Runs `x` with `name` typed, and waits for the export to end.
fn export_to(a: &mut App, name: &str) -> Result<super::export::Summary, String> {
    a.update(Action::StartExport);
    for c in name.chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
    let e = a.export.clone().expect("an export started");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(r) = e.result() {
            return r;
        }
        assert!(Instant::now() < deadline, "the export never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn x_exports_the_listed_events_and_their_routing_as_route_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(100, 30);
    command(&mut a, "user:u-bob dest:Braze event:\"Order Completed\"");
    let out = dir.path().join("bob.jsonl");
    a.update(Action::StartExport);
    for c in "bob.jsonl".chars() {
        a.update(Action::PromptInput(c));
    }
    insta::assert_snapshot!("export_prompt", render(&a));
    a.update(Action::PromptCancel);
    let summary = export_to(&mut a, out.to_str().unwrap()).unwrap();
    assert_eq!(summary.written, 2);
    assert!(
        render(&a).contains("exported 2 events to"),
        "{}",
        render(&a)
    );
    let events = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        events,
        format!("{}\n{}\n", sample_line(16), sample_line(50))
    );
    // Personal data: readable by this user only.
    #[cfg(unix)]
    for f in [out.clone(), dir.path().join("bob.routes.ndjson")] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
    // The routing lines are route's own for those events.
    let routes = std::fs::read_to_string(dir.path().join("bob.routes.ndjson")).unwrap();
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/consent-settings.json")).unwrap(),
    );
    let mut engine = crate::engine::Engine::new(ws.clone());
    let mut ndjson = crate::analyses::ndjson::Ndjson::new(&ws);
    let mut expected = Vec::new();
    for r in crate::read::input::Records::open("samples/events.jsonl").unwrap() {
        let o = engine.ingest(r.unwrap());
        if [16, 50].contains(&o.origin.line) {
            ndjson.write(&mut expected, &o).unwrap();
        }
    }
    assert_eq!(routes, String::from_utf8(expected).unwrap());
    // The message goes with the next key; an existing file is never written over.
    a.update(Action::Down);
    assert!(a.export.is_none());
    let again = export_to(&mut a, out.to_str().unwrap()).unwrap_err();
    assert!(again.contains("bob.jsonl"), "{again}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), events);
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
fn a_long_message_is_cut_at_its_end_not_dropped_at_80_columns() {
    let mut a = app(80, 24);
    command(&mut a, "user:u-bob dsB");
    let screen = render(&a);
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains("\"dsB\" is no filter: use"), "{bar}");
    assert!(bar.contains('…') && bar.contains("? help"), "{bar}");
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
fn a_line_over_1_mib_is_neither_copied_nor_exported_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("e.jsonl");
    let huge = format!(
        "{{\"type\":\"track\",\"event\":\"Huge\",\"userId\":\"u\",\"messageId\":\"h\",\"properties\":{{\"x\":\"{}\"}}}}",
        "x".repeat(crate::read::input::MAX_LINE_BYTES)
    );
    let small = r#"{"type":"track","event":"Small","userId":"u","messageId":"s"}"#;
    std::fs::write(&events, format!("{small}\n{huge}\n")).unwrap();
    let store = loaded(&events);
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        false,
        100,
        80,
    );
    a.sync();
    a.update(Action::Bottom);
    a.update(Action::Copy);
    assert!(a.clipboard.is_none());
    assert!(
        a.flash.as_deref().unwrap().contains("over 1 MiB"),
        "{:?}",
        a.flash
    );
    let out = dir.path().join("out.jsonl");
    let summary = export_to(&mut a, out.to_str().unwrap()).unwrap();
    assert_eq!((summary.written, summary.skipped), (1, 1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{small}\n"));
    assert!(
        render(&a).contains("1 not written (over 1 MiB"),
        "{}",
        render(&a)
    );
    // The detail measures the line whole, as route and check do.
    a.update(Action::Open);
    a.sync();
    let screen = render(&a);
    let whole = format!("{} bytes", huge.len());
    assert!(screen.contains(&whole), "{whole}: {screen}");
    let route = bin_route(&events);
    assert!(route.contains(&format!("\"{whole}, over")), "{route}");
}

/// `route --format ndjson` over a file, with the samples' settings.
fn bin_route(file: &Path) -> String {
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("samples/consent-settings.json")).unwrap(),
    );
    let mut engine = crate::engine::Engine::new(ws.clone());
    let mut out = Vec::new();
    let mut nd = crate::analyses::ndjson::Ndjson::new(&ws);
    crate::engine::pipeline::run_all(
        &mut engine,
        vec![crate::read::input::Records::open(file.to_str().unwrap()).unwrap()],
        |_, o| nd.write(&mut out, &o),
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn configured_keys_act_and_the_help_overlay_shows_them() {
    use super::keymap::{Keymap, parse_key};
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
    use super::keymap::{Keymap, parse_key};
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
    let tour = super::tour::Tour::load().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tour.jsonl");
    std::fs::write(&file, &tour.text).unwrap();
    let store = loaded_with(tour.workspace.clone(), &file, super::store::MAX_EVENTS);
    let searcher = super::standalone_searcher(&store);
    let mut a = App::new(store, searcher, false, width, height);
    a.tour = Some(super::app::TourState::new(&tour));
    // Read again, as the tour's own file is, for the lesson that compares vendors.
    a.reload = Some(super::app::Reload {
        path: file.clone(),
        follow: false,
        waker: Waker::detached(),
        label: "the tour".into(),
        file: file.display().to_string(),
        har: Vec::new(),
        demo: false,
        max_events: super::store::MAX_EVENTS,
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
fn take_lesson_action(a: &mut App, lesson: &super::tour::Lesson, screen: &str) {
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
    let Some(super::app::Overlay::Rule { text, .. }) = a.overlay else {
        panic!("no rule shown");
    };
    // Scrolling stops at the end of the text.
    for _ in 0..500 {
        a.update(Action::Down);
    }
    let Some(super::app::Overlay::Rule { offset, .. }) = a.overlay else {
        panic!()
    };
    let inner = ratatui::widgets::Block::bordered().inner(super::layout::rule_popup(
        ratatui::layout::Rect::new(0, 0, 80, 24),
    ));
    let rows = super::ui::rule::rows(text, inner.width).len();
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
fn a_zone_is_named_never_just_local() {
    use crate::tui::app::zone_label;
    assert_eq!(zone_label(&jiff::tz::TimeZone::UTC), "UTC");
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    assert_eq!(zone_label(&paris), "Paris");
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    assert_eq!(zone_label(&ny), "New York");
    // A zone known only by its rules (a TZ string) is named by its abbreviation.
    let posix = jiff::tz::TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
    assert!(
        ["EST", "EDT"].contains(&zone_label(&posix).as_str()),
        "{}",
        zone_label(&posix)
    );
    assert_ne!(zone_label(&jiff::tz::TimeZone::system()), "local");
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
fn destination_columns_take_the_width_their_content_needs() {
    let pane = |w: u16| {
        let mut a = app(w, 30);
        a.update(Action::PrevPane);
        render(&a)
    };
    let wide = pane(130);
    assert!(
        wide.contains("C0004 ×12, C0003 ×8, C0002 ×4, integrations ×2, duplicate ×1"),
        "{wide}"
    );
    assert!(wide.contains("Facebook Conversions API FCA"), "{wide}");
    // Narrower: nothing is cut without a mark.
    for narrow in [pane(120), pane(100), pane(80)] {
        let sendgrid = narrow.lines().find(|l| l.contains("SendGrid")).unwrap();
        assert!(sendgrid.contains(" more"), "{narrow}");
        let fca = narrow.lines().find(|l| l.contains("Facebook")).unwrap();
        assert!(
            fca.contains("Facebook Conversions API") || fca.contains('…'),
            "{narrow}"
        );
    }
}

#[test]
fn a_row_of_wide_characters_keeps_its_destination_columns() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cjk.jsonl");
    std::fs::write(
        &f,
        "{\"type\":\"track\",\"event\":\"注文完了しました注文完了しました注文完了しました\",\"userId\":\"ユーザー太郎ユーザー太郎ユーザー\",\"messageId\":\"c1\"}\n{\"type\":\"track\",\"event\":\"Order 🎉🎉🎉 done\",\"userId\":\"u-🎉\",\"messageId\":\"c2\"}\n",
    )
    .unwrap();
    for width in [160, 200] {
        let store = loaded(&f);
        let mut a = App::new(
            store.clone(),
            super::standalone_searcher(&store),
            false,
            width,
            12,
        );
        a.sync();
        let screen = render(&a);
        for row in screen.lines().filter(|l| l.contains("track")) {
            assert_eq!(row.matches('✓').count(), 10, "{width}: {screen}");
        }
    }
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

/// An app over a file holding `text`, the first event's detail open.
fn opened(text: &str, width: u16, height: u16) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("events.jsonl");
    std::fs::write(&f, text).unwrap();
    let store = loaded(&f);
    let mut a = App::new(
        store.clone(),
        super::standalone_searcher(&store),
        false,
        width,
        height,
    );
    a.sync();
    a.update(Action::Open);
    a.sync();
    (a, dir)
}

/// `a`, able to read the samples again as the UI does for a workspace what-if.
fn reloadable(mut a: App) -> App {
    a.reload = Some(super::app::Reload {
        path: "samples/events.jsonl".into(),
        follow: false,
        waker: Waker::detached(),
        label: "samples/events.jsonl".into(),
        file: "samples/events.jsonl".into(),
        har: Vec::new(),
        demo: false,
        max_events: super::store::MAX_EVENTS,
        capture: false,
    });
    a
}

/// Waits for the store a what-if started to read every line, then syncs the model.
fn decided_again(a: &mut App) {
    let start = Instant::now();
    while !a.store.read().unwrap().caught_up {
        assert!(start.elapsed() < Duration::from_secs(20), "never caught up");
        std::thread::sleep(Duration::from_millis(5));
    }
    a.sync();
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
    use super::app::EditKey;
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
        a.update(Action::Edit(super::app::EditKey::Apply));
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
    a.update(Action::Edit(super::app::EditKey::Apply));
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
        a.update(Action::Edit(super::app::EditKey::Apply));
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
        assert_eq!(a.screen, super::app::View::Panes);
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
                    && r.status != super::store::Status::NotIngested
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

/// Issue 36, the tour at 120x40: the Detail pane showed 11 of 12 destinations with nothing
/// saying more were below; its bottom edge now counts the rows below, and ↓ (with the focus,
/// as lesson 15 says) brings them into view.
#[test]
fn the_tour_s_detail_says_what_is_below_and_down_scrolls_to_it() {
    let (mut a, _dir) = tour_app(120, 40);
    let screen = render(&a);
    assert!(screen.contains("✓ Optimizely"), "{screen}");
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
