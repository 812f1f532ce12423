//! A HAR capture's own requests in the UI (issue 41): vendor requests and wire findings as
//! rows among the events, the `o` filter, and the detail with the request, the consent in
//! force, the verdict, the findings and the page's timeline.

use super::*;

const CAPTURE: &str = "tests/wire/ga-after-withdrawal.har";

/// The capture read as `consent-inspector tests/wire/….har` reads it, with the workspace the
/// recorded pages load.
fn capture_app(capture: &str, width: u16, height: u16) -> App {
    let prepared = crate::tui::prepare(crate::tui::Source::File(capture.into())).unwrap();
    let ws = Arc::new(
        crate::workspace::Workspace::load(Path::new("tests/wire/consent-settings.json")).unwrap(),
    );
    let reload = crate::tui::app::Reload {
        path: prepared.path.clone(),
        follow: false,
        waker: Waker::detached(),
        label: prepared.label.clone(),
        file: prepared.file.clone(),
        har: prepared.har.clone(),
        wire: prepared.wire.clone(),
        demo: false,
        max_events: crate::tui::store::MAX_EVENTS,
        capture: false,
    };
    let store = Arc::new(FairLock::new(reload.store(ws)));
    spawn_reader(
        prepared.path.clone(),
        false,
        store.clone(),
        Waker::detached(),
        Arc::new(AtomicBool::new(false)),
    )
    .join()
    .unwrap();
    let searcher = crate::tui::standalone_searcher(&store);
    let mut a = App::new(store, searcher, false, width, height);
    a.reload = Some(reload);
    // The temporary file lives as long as the test process: the detail reads lines from it.
    std::mem::forget(prepared);
    a.sync();
    a
}

#[test]
fn vendor_requests_are_rows_among_the_events_in_capture_order() {
    let a = capture_app(CAPTURE, 120, 40);
    let s = a.store.read().unwrap();
    let rows: Vec<(u64, bool, String)> = (s.first()..s.end())
        .map(|i| {
            let r = s.row(i).unwrap();
            (r.line(), r.is_wire(), s.name(r.user).to_owned())
        })
        .collect();
    let wire: Vec<&str> = rows.iter().filter(|r| r.1).map(|r| r.2.as_str()).collect();
    assert_eq!(
        wire,
        [
            "with consent",
            "with consent",
            "AFTER WITHDRAWAL",
            "with consent",
            "AFTER WITHDRAWAL"
        ]
    );
    // The page call first, its two device requests, then the preference event and the rest.
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [false, true, true, false, true, true, true]
    );
    assert_eq!(s.counts.wire_requests, 5);
    assert_eq!(s.counts.wire_findings, 4);
}

#[test]
fn the_wire_filter_and_a_requests_detail_with_its_page_timeline() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = capture_app(CAPTURE, w, h);
        a.update(Action::Filter(FilterKey::Wire));
        a.sync();
        assert_eq!(a.filter.describe(&a.store.read().unwrap()), "wire");
        // The third request: gtag's hit after the withdrawal.
        a.update(Action::Down);
        a.update(Action::Down);
        a.update(Action::Open);
        a.sync();
        let screen = render(&a);
        assert!(screen.contains("after withdrawal"), "{screen}");
        insta::assert_snapshot!(format!("wire_request_{w}x{h}"), screen);
        // Open gave the detail the focus: it goes on to the page's timeline, this request
        // marked.
        assert_eq!(a.pane, Pane::Detail);
        a.update(Action::Bottom);
        a.sync();
        let screen = render(&a);
        assert!(screen.contains("▶"), "{screen}");
        insta::assert_snapshot!(format!("wire_timeline_{w}x{h}"), screen);
    }
}

#[test]
fn a_finding_not_on_a_request_is_a_row_too() {
    let mut a = capture_app("tests/wire/cookie-mismatch.har", 120, 40);
    command(&mut a, "wire");
    let s = a.store.read().unwrap();
    let names: Vec<String> = (s.first()..s.end())
        .filter_map(|i| s.row(i))
        .filter(|r| r.is_wire())
        .map(|r| s.name(r.name).to_owned())
        .collect();
    assert!(names.iter().any(|n| n == "banner_mismatch"), "{names:?}");
}

#[test]
fn every_recorded_page_shows_its_planted_fault_and_the_clean_page_none() {
    // The wire rows that carry a finding, by page: each planted fault shows, the clean page
    // has none (tests/wire.rs holds check and route to the same pages).
    for (page, with_findings) in [
        ("clean", 0),
        ("pixel-before-consent", 1),
        ("ga-after-withdrawal", 2),
        ("cookie-mismatch", 3),
        ("gpc", 1),
    ] {
        let a = capture_app(&format!("tests/wire/{page}.har"), 80, 24);
        let s = a.store.read().unwrap();
        let flagged = (s.first()..s.end())
            .filter_map(|i| s.row(i))
            .filter(|r| r.is_wire() && r.blocked > 0)
            .count();
        assert_eq!(flagged, with_findings, "{page}");
        assert_eq!(s.counts.wire_findings > 0, with_findings > 0, "{page}");
    }
}
