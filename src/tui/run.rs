//! The terminal's lifecycle and the event loop. The terminal is restored on quit, on error and
//! on panic; the loop merges keys, mouse, resizes and the reader's changes, and redraws only
//! when something changed, at most about 30 times a second.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, mpsc};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::settings::Workspace;

use super::Error;
use super::app::{Action, App};
use super::keymap;
use super::store::{Store, spawn_reader};
use super::ui::{self, Theme};

pub struct Options {
    /// The file to follow (for stdin and the demo, a file they are copied or written to).
    pub path: PathBuf,
    /// What the status bar calls it.
    pub label: String,
    pub workspace: Arc<Workspace>,
    pub follow: bool,
    pub demo: bool,
    /// Events kept in view; older ones leave it.
    pub max_events: usize,
}

/// Puts the terminal back the way it was. Safe to call more than once.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = io::stdout().flush();
}

/// Restores the terminal when dropped: on quit, on error (`?`) and while unwinding.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn enter() -> io::Result<TerminalGuard> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        hook(info);
    }));
    enable_raw_mode()?;
    let guard = TerminalGuard;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )?;
    Ok(guard)
}

pub fn run(opts: Options) -> Result<(), Error> {
    if !io::stdout().is_terminal() {
        return Err(Error::NoTerminal);
    }
    let store = Arc::new(RwLock::new(Store::new(
        opts.workspace.clone(),
        opts.label.clone(),
        opts.demo,
        opts.max_events,
    )));
    let dirty = Arc::new(AtomicBool::new(true));
    let stop = Arc::new(AtomicBool::new(false));
    spawn_reader(
        opts.path.clone(),
        opts.follow,
        store.clone(),
        dirty.clone(),
        stop.clone(),
    );
    // SIGTERM, SIGHUP and SIGINT end the loop like `q`, so the terminal is restored.
    let terminate = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, terminate.clone()).map_err(Error::Signals)?;
    }
    let result = (|| -> io::Result<()> {
        let _guard = enter()?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        let size = terminal.size()?;
        let theme = Theme {
            color: std::env::var_os("NO_COLOR").is_none(),
        };
        let mut app = App::new(
            store.clone(),
            dirty.clone(),
            opts.follow,
            size.width,
            size.height,
        );
        let mut redraw = true;
        // A deliberate panic after the first frame, for the test that the terminal is given
        // back even then.
        let test_panic = std::env::var_os("CONSENT_INSPECTOR_TEST_PANIC").is_some();
        let mut last_check = std::time::Instant::now();
        let input = spawn_input();
        while !app.quit {
            if dirty.swap(false, Ordering::AcqRel) || redraw {
                app.sync();
                terminal.draw(|f| {
                    let s = store.read().unwrap_or_else(|e| e.into_inner());
                    ui::draw(f, &app, &s, theme);
                })?;
                redraw = false;
                assert!(!test_panic, "CONSENT_INSPECTOR_TEST_PANIC is set");
            }
            if terminate.load(Ordering::Relaxed) {
                break;
            }
            // A terminal that hung up (its window closed without a SIGHUP reaching us) no longer
            // answers for its size: then there is no one to show anything to.
            if last_check.elapsed() >= Duration::from_millis(500) {
                last_check = std::time::Instant::now();
                if ratatui::crossterm::terminal::size().is_err() {
                    break;
                }
            }
            let first = match input.recv_timeout(Duration::from_millis(33)) {
                Ok(ev) => ev,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            // Take every waiting input before drawing again, so a burst costs one frame.
            for ev in std::iter::once(first).chain(input.try_iter()) {
                if let Some(action) = action_for(ev?, &app) {
                    app.update(action);
                    redraw = true;
                }
                if app.quit {
                    break;
                }
            }
        }
        // ratatui's own drop reports a cursor it cannot show with eprintln!, which panics when
        // the terminal has hung up; the guard shows the cursor anyway.
        let _ = terminal.show_cursor();
        std::mem::forget(terminal);
        Ok(())
    })();
    stop.store(true, Ordering::Relaxed);
    result.map_err(Error::Terminal)
}

/// Keys, mouse and resizes, read on a thread of their own. crossterm waits inside its read
/// without end once the terminal hangs up (it reads end-of-file forever), so the loop must not
/// wait there: it waits on this channel, with a timeout, and can always stop.
fn spawn_input() -> mpsc::Receiver<io::Result<Event>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        loop {
            let ev = event::read();
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                return;
            }
        }
    });
    rx
}

fn action_for(ev: Event, app: &App) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            if app.typing.is_some() {
                keymap::search_action_for(&k)
            } else {
                keymap::action_for(&k)
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::Down(_) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}
