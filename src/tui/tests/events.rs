//! The Events pane and the input it follows: rows, times, columns, HAR captures, truncation.

use super::*;

#[test]
fn following_at_80x24_shows_the_newest_events() {
    let a = app(80, 24);
    insta::assert_snapshot!("following_80x24", render(&a));
}

#[test]
fn max_events_keeps_the_newest_and_says_so() {
    let store = loaded_keeping(Path::new("samples/events.jsonl"), 10);
    // Wide enough for the whole status bar.
    let mut a = App::new(
        store.clone(),
        crate::tui::standalone_searcher(&store),
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
fn rows_of(source: crate::tui::Source) -> (String, Vec<(u64, Option<u32>, bool)>) {
    let prepared = crate::tui::prepare(source).unwrap();
    let store = loaded(&prepared.path);
    let s = store.read().unwrap();
    let rows = (s.first()..s.end())
        .map(|i| {
            let r = s.row(i).unwrap();
            (
                r.line(),
                r.index(),
                r.status != crate::tui::store::Status::NotIngested,
            )
        })
        .collect();
    (prepared.label, rows)
}

#[test]
fn a_har_capture_shows_its_events_at_their_lines_as_route_does() {
    let (label, rows) = rows_of(crate::tui::Source::File("samples/capture.har".into()));
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
    let (label, gz_rows) = rows_of(crate::tui::Source::Gzip(gz));
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
    let p = crate::tui::prepare(crate::tui::Source::File(f.clone())).unwrap();
    let store = loaded(&p.path);
    {
        let mut s = store.write().unwrap();
        s.file = p.file.clone();
        s.har = p.har.clone();
    }
    let mut a = App::new(
        store.clone(),
        crate::tui::standalone_searcher(&store),
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
    let searcher = crate::tui::standalone_searcher(&store);
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
        crate::tui::standalone_searcher(&store),
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
        crate::tui::standalone_searcher(&store),
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
    let short = crate::tui::ui::events::short_names(&ws);
    assert_eq!(short, ["Bra", "BAd", "Br2", "Br3", "5", "2J"]);
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
fn destination_columns_take_the_width_their_content_needs() {
    let pane = |w: u16| {
        let mut a = app(w, 30);
        a.update(Action::PrevPane);
        render(&a)
    };
    let wide = pane(130);
    assert!(
        wide.contains("C0003 ×8, type ×2, integrations ×2, duplicate ×1"),
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
            crate::tui::standalone_searcher(&store),
            false,
            width,
            12,
        );
        a.sync();
        let screen = render(&a);
        // Every destination's mark: delivered, or uncertain (GA4, SendGrid and Engage).
        for row in screen.lines().filter(|l| l.contains("track")) {
            assert_eq!(row.matches('✓').count(), 7, "{width}: {screen}");
            assert_eq!(row.matches(" ? ").count(), 3, "{width}: {screen}");
        }
    }
}
