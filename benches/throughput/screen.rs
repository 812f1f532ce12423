//! The terminal UI as a person meets it: the real binary in a pseudo-terminal on the bench's
//! file, timed from its start to its last row on screen, and, in a second run, how long a key
//! takes to show its effect while the file loads (`?` opens the key help, `?` closes it: each
//! press is timed until the screen shows the change, frame pacing included).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::{Value, json};

const HELP: &str = "Keys (Esc or ? closes)";
/// However slow the machine, a run ends.
const GIVE_UP: Duration = Duration::from_secs(120);

struct Ui {
    screen: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Ui {
    fn start(bin: &str, settings: &str, file: &Path) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(["--settings", settings, file.to_str().unwrap()]);
        cmd.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(cmd).expect("the UI starts");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let keys = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(40).unwrap(),
            std::num::NonZero::new(120).unwrap(),
            0,
        )));
        let s = screen.clone();
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().process(&buf[..n]);
            }
        });
        Self {
            screen,
            keys,
            child,
        }
    }

    fn shows(&self, text: &str) -> bool {
        self.screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(text)
    }

    /// Seconds from `since` until `done` holds of the screen, polled every half millisecond.
    fn until(&self, since: Instant, done: impl Fn(&Self) -> bool) -> f64 {
        while !done(self) {
            assert!(since.elapsed() < GIVE_UP, "the UI never showed it");
            std::thread::sleep(Duration::from_micros(500));
        }
        since.elapsed().as_secs_f64()
    }

    fn press(&mut self, key: &str) -> Instant {
        self.keys.write_all(key.as_bytes()).unwrap();
        self.keys.flush().unwrap();
        Instant::now()
    }

    fn quit(mut self) {
        let _ = self.press("q");
        let _ = self.child.wait();
    }
}

/// The title once every one of `events` events is in: `Events 1000000 │`.
fn all_in(events: u64) -> String {
    format!("Events {events} ")
}

/// Seconds to the last row on screen (best of `runs`, as the bench's other timings), and the
/// keys' latencies while loading (ms) in one more run.
pub fn measure(bin: &str, settings: &str, file: &Path, events: u64, runs: usize) -> Value {
    let done = all_in(events);
    let last_row = crate::best_of(runs, || {
        let start = Instant::now();
        let ui = Ui::start(bin, settings, file);
        let seconds = ui.until(start, |ui| ui.shows(&done));
        ui.quit();
        seconds
    });

    let start = Instant::now();
    let mut ui = Ui::start(bin, settings, file);
    ui.until(start, |ui| ui.shows("Events "));
    // (ms the key took, s since start it was pressed at)
    let mut latencies = Vec::new();
    let mut time = |ui: &Ui, pressed: Instant, shown: &dyn Fn(&Ui) -> bool| {
        let at = pressed.duration_since(start).as_secs_f64();
        latencies.push((ui.until(pressed, shown) * 1e3, at));
    };
    // Open and close the help until the load is over (seen with the help closed).
    while !ui.shows(&done) {
        let pressed = ui.press("?");
        time(&ui, pressed, &|ui| ui.shows(HELP));
        let pressed = ui.press("?");
        time(&ui, pressed, &|ui| !ui.shows(HELP));
        std::thread::sleep(Duration::from_millis(7));
    }
    ui.quit();
    let n = latencies.len();
    latencies.sort_by(|a, b| a.0.total_cmp(&b.0));
    json!({
        "last_row_seconds": last_row,
        "keys_during_load": n,
        "key_ms_median": latencies.get(n / 2).map(|l| l.0),
        "key_ms_p95": latencies.get(n * 95 / 100).map(|l| l.0),
        "key_ms_worst": latencies.last().map(|l| l.0),
        "key_worst_at_seconds": latencies.last().map(|l| l.1),
        "key_ms_over_50": latencies.iter().filter(|l| l.0 > 50.0).count(),
    })
}
