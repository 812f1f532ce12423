//! The terminal's lifecycle and the event loop. The terminal is restored on quit, on error and
//! on panic; the loop merges keys, mouse, resizes and the reader's changes, and redraws only
//! when something changed, at most about 30 times a second.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

use crate::tui::fair_lock::FairLock;
use crate::workspace::Workspace;

use super::Error;
use super::app::{Action, App, Reload};
use super::event::UiEvent;
use super::keymap;
use super::threads::{self, Feed, Running};
use super::ui::{self, Theme};

pub struct Options {
    /// The file to follow (for stdin and the demo, a file they are copied or written to).
    pub path: PathBuf,
    /// What the status bar calls it.
    pub label: String,
    /// What a row's place names as its file.
    pub file: String,
    /// A HAR capture's calls, by line.
    pub har: Vec<crate::read::input::har::Call>,
    /// A HAR capture's requests, for the wire audit.
    pub wire: Option<Arc<crate::read::wire::Timeline>>,
    pub workspace: Arc<Workspace>,
    pub follow: bool,
    pub demo: bool,
    /// Events kept in view; older ones leave it.
    pub max_events: usize,
    /// What fills the file, when it is not the user's own.
    pub feed: Feed,
    /// The time zone times are shown in.
    pub zone: jiff::tz::TimeZone,
    pub banner: Option<super::Banner>,
    /// `Launch::capture`.
    pub capture: bool,
    /// `Launch::observed`.
    pub observed: Option<Arc<crate::workspace::public_api::overview::Observed>>,
    pub theme: Theme,
    pub keys: super::keymap::Keymap,
    pub tour: Option<super::app::TourState>,
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

/// At most this often the screen is drawn again: about 30 times a second.
const FRAME: Duration = Duration::from_millis(33);
/// How often the loop asks the terminal whether it is still there, and the banner whether it
/// has news (a refused call writes no line, so nothing else would redraw).
const HANGUP_CHECK: Duration = Duration::from_millis(500);

pub fn run(opts: Options) -> Result<(), Error> {
    if !io::stdout().is_terminal() {
        return Err(Error::NoTerminal);
    }
    let mut reload = Reload {
        path: opts.path.clone(),
        follow: opts.follow,
        waker: super::event::Waker::detached(),
        label: opts.label,
        file: opts.file,
        har: opts.har,
        wire: opts.wire,
        demo: opts.demo,
        max_events: opts.max_events,
        capture: opts.capture,
    };
    let store = Arc::new(FairLock::new(reload.store(opts.workspace.clone())));
    let _guard = enter().map_err(Error::Terminal)?;
    // Started once the terminal is in raw mode, so the input thread reads it as such.
    let (running, searcher) = threads::start(opts.path, opts.follow, opts.feed, &store)?;
    // A what-if's reader wakes the loop as the first one does.
    reload.waker = running.data.clone();
    let mut terminal =
        Terminal::new(CrosstermBackend::new(io::stdout())).map_err(Error::Terminal)?;
    let size = terminal.size().map_err(Error::Terminal)?;
    let mut app = App::new(
        store.clone(),
        searcher,
        opts.follow,
        size.width,
        size.height,
    );
    app.zone = opts.zone;
    app.banner = opts.banner;
    app.keys = opts.keys;
    app.tour = opts.tour;
    app.observed = opts.observed;
    app.reload = Some(reload);
    let result = event_loop(&mut terminal, &mut app, &running, opts.theme);
    // ratatui's own drop reports a cursor it cannot show with eprintln!, which panics when
    // the terminal has hung up; the guard shows the cursor anyway.
    let _ = terminal.show_cursor();
    std::mem::forget(terminal);
    result.map_err(Error::Terminal)
}

/// Draws when something changed (at most once a `FRAME`) and handles every `UiEvent` until
/// the user quits, a signal arrives or the terminal goes away.
fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    app: &mut App,
    running: &Running,
    theme: Theme,
) -> io::Result<()> {
    // A deliberate panic after the first frame, for the test that the terminal is given back
    // even then.
    let test_panic = std::env::var_os("CONSENT_INSPECTOR_TEST_PANIC").is_some();
    let mut redraw = true;
    // A key is answered at once: the frame pacing holds back the reader's changes only, so
    // that a key pressed while a big file loads shows within a frame's drawing.
    let mut keyed = false;
    let mut last_draw: Option<Instant> = None;
    let mut last_check = Instant::now();
    let mut last_banner = None;
    while !app.quit {
        if redraw && (keyed || last_draw.is_none_or(|t| t.elapsed() >= FRAME)) {
            app.sync();
            // The app's store: a workspace what-if replaces the one the UI started with.
            let store = app.store.clone();
            terminal.draw(|f| {
                let s = store
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                ui::draw(f, app, &s, theme);
            })?;
            (redraw, keyed) = (false, false);
            last_draw = Some(Instant::now());
            assert!(!test_panic, "CONSENT_INSPECTOR_TEST_PANIC is set");
        }
        // A terminal that hung up (its window closed without a SIGHUP reaching us) no longer
        // answers for its size: then there is no one to show anything to.
        if last_check.elapsed() >= HANGUP_CHECK {
            last_check = Instant::now();
            if ratatui::crossterm::terminal::size().is_err() {
                return Ok(());
            }
            let news = app.banner.as_ref().map(|b| b());
            if news != last_banner {
                last_banner = news;
                redraw = true;
            }
        }
        let wait = match last_draw {
            Some(t) if redraw => FRAME.saturating_sub(t.elapsed()),
            _ => FRAME,
        };
        let first = match running.events.recv_timeout(wait) {
            Ok(ev) => ev,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Take every waiting event before drawing again, so a burst costs one frame.
        for ev in std::iter::once(first).chain(running.events.try_iter()) {
            match ev {
                UiEvent::Input(input) => {
                    if let Some(action) = action_for(&input, app) {
                        app.update(action);
                        (redraw, keyed) = (true, true);
                    }
                    if let Some(bytes) = app.clipboard.take() {
                        let out = terminal.backend_mut();
                        out.write_all(&osc52(&bytes))?;
                        out.flush()?;
                    }
                }
                UiEvent::InputFailed(e) => return Err(e),
                UiEvent::DataChanged => {
                    running.data.taken();
                    redraw = true;
                }
                UiEvent::SearchProgress => {
                    running.search.taken();
                    redraw = true;
                }
                UiEvent::Terminate => return Ok(()),
                UiEvent::SourceEnded(why) => {
                    app.source_ended(why);
                    redraw = true;
                }
            }
            if app.quit {
                break;
            }
        }
    }
    Ok(())
}

/// The escape sequence that puts `bytes` on the terminal's clipboard (OSC 52). Base64 keeps
/// whatever the event holds from acting on the terminal.
fn osc52(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let mut seq = b"\x1b]52;c;".to_vec();
    seq.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .as_bytes(),
    );
    seq.push(0x07);
    seq
}

fn action_for(ev: &Event, app: &App) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            if app.prompt.is_some() {
                keymap::prompt_action_for(k)
            } else if app.editor.is_some() {
                keymap::editor_action_for(k)
            } else {
                app.keys.action_for(k)
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => Some(Action::Wheel {
                up: m.kind == MouseEventKind::ScrollUp,
                column: m.column,
                row: m.row,
            }),
            MouseEventKind::Down(_) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        &Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}
