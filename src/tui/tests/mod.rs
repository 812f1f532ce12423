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

mod destinations;
mod detail;
mod events;
mod keys;
mod prompt;
mod source;
mod take_out;
mod tour;
mod users;
mod what_if;
mod wire;

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

/// Types `text` after `:` and presses Enter.
fn command(a: &mut App, text: &str) {
    a.update(Action::StartCommand);
    for c in text.chars() {
        a.update(Action::PromptInput(c));
    }
    a.update(Action::PromptSubmit);
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
