//! `y` copy and `x` export.

use super::*;

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
fn export_to(a: &mut App, name: &str) -> Result<crate::tui::export::Summary, String> {
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
        crate::tui::standalone_searcher(&store),
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
