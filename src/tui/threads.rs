//! The one place the UI's threads start: the terminal's input, the signals that end the
//! program, the reader that feeds the store, the search worker, and whatever fills the file
//! being followed (stdin or a gzip file copied in, the demo's story). Everything they report
//! reaches the loop as a `UiEvent` on one channel.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use ratatui::crossterm::event;
use signal_hook::iterator::{Handle, Signals};

use super::Error;
use super::event::{Change, UiEvent, Waker};
use super::search::{self, Worker};
use super::store::{Shared, spawn_reader};

/// What writes the file the UI follows, when it is not the user's own file.
pub enum Feed {
    None,
    /// A stream copied into the file: stdin, or a gzip file inflated; `what` names it.
    Copy {
        what: &'static str,
        from: Box<dyn Read + Send>,
        to: File,
    },
    /// The demo's endless story.
    Demo {
        to: File,
    },
}

/// The running threads, as the loop needs them. Dropping it stops the reader and the
/// signal thread; the input thread ends with the process.
pub struct Running {
    pub events: Receiver<UiEvent>,
    /// The wakers the loop acknowledges when it handles their events.
    pub data: Waker,
    pub search: Waker,
    stop: Arc<AtomicBool>,
    signals: Handle,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.signals.close();
    }
}

/// Starts every thread; the `Worker` is the search worker's handle, for the model.
pub fn start(
    path: PathBuf,
    follow: bool,
    feed: Feed,
    store: &Shared,
) -> Result<(Running, Worker), Error> {
    let (tx, events) = mpsc::channel();
    let mut signals = Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ])
    .map_err(Error::Signals)?;
    let handle = signals.handle();
    let terminate = tx.clone();
    thread::spawn(move || {
        for _ in signals.forever() {
            if terminate.send(UiEvent::Terminate).is_err() {
                return;
            }
        }
    });
    match feed {
        Feed::None => {}
        Feed::Copy {
            what,
            mut from,
            mut to,
        } => {
            let ended = tx.clone();
            thread::spawn(move || {
                let why = match io::copy(&mut from, &mut to) {
                    Ok(bytes) => format!("{what} ended after {bytes} bytes"),
                    Err(e) => format!("{what} broke off: {e}"),
                };
                let _ = ended.send(UiEvent::SourceEnded(why));
            });
        }
        Feed::Demo { to } => {
            thread::spawn(move || super::demo::write_story(to));
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let data = Waker::new(tx.clone(), Change::Data);
    spawn_reader(path, follow, store.clone(), data.clone(), stop.clone());
    let search = Waker::new(tx.clone(), Change::Search);
    let (searcher, work) = search::worker(store.clone(), search.clone());
    thread::spawn(work);
    spawn_input(tx);
    let running = Running {
        events,
        data,
        search,
        stop,
        signals: handle,
    };
    Ok((running, searcher))
}

/// A search worker for a model used without the loop (tests, the benchmark): nothing is told
/// of its progress; ask the model.
pub fn standalone_searcher(store: &Shared) -> Worker {
    let (searcher, work) = search::worker(store.clone(), Waker::detached());
    thread::spawn(work);
    searcher
}

/// Keys, mouse and resizes, read on a thread of their own. crossterm waits inside its read
/// without end once the terminal hangs up (it reads end-of-file forever), so the loop must not
/// wait there: it waits on the channel, with a timeout, and can always stop.
fn spawn_input(tx: Sender<UiEvent>) {
    thread::spawn(move || {
        loop {
            let sent = match event::read() {
                Ok(ev) => tx.send(UiEvent::Input(ev)),
                Err(e) => {
                    let _ = tx.send(UiEvent::InputFailed(e));
                    return;
                }
            };
            if sent.is_err() {
                return;
            }
        }
    });
}
