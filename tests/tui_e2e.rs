//! The real binary in a pseudo-terminal: it shows the file's events, picks up lines appended to
//! the file it follows, and gives the terminal back when it quits, is signalled, or panics.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, PtySize, native_pty_system};

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    child: Box<dyn Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    _dir: tempfile::TempDir,
}

impl Session {
    /// Starts the binary on a copy of the sample events, with settings beside them.
    fn start(env: &[(&str, &str)]) -> (Self, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events.jsonl");
        std::fs::copy("samples/events.jsonl", &events).unwrap();
        std::fs::copy(
            "samples/consent-settings.json",
            dir.path().join("consent-settings.json"),
        )
        .unwrap();
        let session = Self::spawn(&[events.to_str().unwrap()], env, dir);
        (session, events)
    }

    /// Starts the binary with `args` in a pseudo-terminal; `dir` lives as long as the session.
    fn spawn(args: &[&str], env: &[(&str, &str)], dir: tempfile::TempDir) -> Self {
        let (pty, mut cmd) = pty_and_command(args);
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let keys = pty.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(30).unwrap(),
            std::num::NonZero::new(100).unwrap(),
            0,
        )));
        let raw: Arc<Mutex<Vec<u8>>> = Arc::default();
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            // Keep the master side open for as long as the reader runs.
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Session {
            parser,
            raw,
            child,
            keys,
            _dir: dir,
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if text.contains(what) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                // Let the last output arrive.
                std::thread::sleep(Duration::from_millis(200));
                return s;
            }
            assert!(Instant::now() < deadline, "did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: i32) {
        let pid = self.child.process_id().expect("a pid") as i32;
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
    }

    /// The terminal is as it was: main screen, cursor shown, no mouse capture, raw output said so.
    fn assert_restored(&self) {
        let p = self.parser.lock().unwrap();
        assert!(!p.screen().alternate_screen(), "left the alternate screen");
        assert!(!p.screen().hide_cursor(), "cursor shown again");
        let raw = String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned();
        assert!(raw.contains("\x1b[?1049l"), "alternate screen left");
        assert!(raw.contains("\x1b[?1000l"), "mouse capture turned off");
    }
}

/// A 100x30 pseudo-terminal, and the command that runs the binary on `file` in it.
fn pty_and_command(args: &[&str]) -> (portable_pty::PtyPair, CommandBuilder) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_consent-inspector"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", "tests/golden");
    (pty, cmd)
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn follows_appended_lines_and_restores_the_terminal_on_quit() {
    let (mut s, events) = Session::start(&[]);
    let first = s.wait_for("track Video Played");
    assert!(first.contains("Events 63"), "{first}");
    assert!(first.contains("FOLLOWING"), "{first}");
    assert!(s.parser.lock().unwrap().screen().alternate_screen());

    append(
        &events,
        "{\"type\":\"track\",\"event\":\"Appended Live\",\"userId\":\"u-zed\",\"messageId\":\"e2e-1\"}\n",
    );
    let after = s.wait_for("Appended Live");
    assert!(after.contains("Events 64"), "{after}");

    // Half a line shows nothing until its newline arrives.
    append(
        &events,
        "{\"type\":\"page\",\"userId\":\"u-zed\",\"messageId\":\"e2e-2\",",
    );
    std::thread::sleep(Duration::from_millis(700));
    assert!(s.text().contains("Events 64"));
    append(&events, "\"name\":\"Second Half\"}\n");
    s.wait_for("page Second Half");

    // Up pauses following, unmistakably.
    s.keys.write_all(b"k").unwrap();
    s.wait_for("PAUSED");
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn the_prompt_jumps_to_a_line_and_combines_filters() {
    let (mut s, _) = Session::start(&[]);
    s.wait_for("track Video Played");
    s.keys.write_all(b":31\r").unwrap();
    s.wait_for("events.jsonl:31  ingested");
    s.keys.write_all(b":user:u-bob dest:Braze\r").unwrap();
    let screen = s.wait_for("filter: user:u-bob dest:Braze (");
    assert!(screen.contains("Order Completed"), "{screen}");
    // A single-key filter writes into it: now also with warnings.
    s.keys.write_all(b"w").unwrap();
    s.wait_for("user:u-bob dest:Braze warnings (4)");
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn what_if_marks_the_routes_a_preference_changes() {
    let (mut s, _) = Session::start(&[]);
    s.wait_for("track Video Played");
    // Line 11: Alice has C0002 (Performance) false. Enter focuses the detail.
    s.keys.write_all(b":11\r\r2t").unwrap();
    s.wait_for("what if C0002 = true (T ends)");
    // Move the detail's cursor down past the destinations to the what-if section.
    s.keys.write_all(&[b'j'; 24]).unwrap();
    let screen = s.wait_for("◆ Amplitude: block not_consented → deliver consented");
    assert!(
        screen.contains("What if C0002 (Performance) were true"),
        "{screen}"
    );
    s.keys.write_all(b"T").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.text().contains("What if C0002") {
        assert!(Instant::now() < deadline, "T did not end the what-if");
        std::thread::sleep(Duration::from_millis(50));
    }
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn y_puts_the_raw_event_on_the_clipboard_by_osc52() {
    use base64::Engine as _;
    let (mut s, _) = Session::start(&[]);
    s.wait_for("track Video Played");
    s.keys.write_all(b":16\ry").unwrap();
    s.wait_for("copied line 16's event");
    let line = std::fs::read_to_string("samples/events.jsonl")
        .unwrap()
        .lines()
        .nth(15)
        .unwrap()
        .to_owned();
    let encoded = base64::engine::general_purpose::STANDARD.encode(line);
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains(&format!("\x1b]52;c;{encoded}\x07")),
        "no OSC 52 sequence with the event"
    );
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        let (mut s, _) = Session::start(&[]);
        s.wait_for("track Video Played");
        s.signal(sig);
        let status = s.wait_exit();
        assert!(status.success(), "signal {sig}: {status:?}");
        s.assert_restored();
    }
}

#[test]
fn a_panic_restores_the_terminal_and_says_what_happened() {
    let (mut s, _) = Session::start(&[("CONSENT_INSPECTOR_TEST_PANIC", "1")]);
    let status = s.wait_exit();
    assert!(!status.success());
    s.assert_restored();
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    let after = &raw[raw.find("\x1b[?1049l").unwrap()..];
    assert!(
        after.contains("CONSENT_INSPECTOR_TEST_PANIC is set"),
        "the panic message is printed on the main screen: {after:?}"
    );
}

#[test]
fn closing_the_terminal_ends_the_program() {
    let (pty, mut cmd) = pty_and_command(&["samples/events.jsonl"]);
    cmd.cwd(env!("CARGO_MANIFEST_DIR"));
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    while !String::from_utf8_lossy(&seen).contains("FOLLOWING") {
        let n = reader.read(&mut buf).unwrap();
        assert!(n > 0, "the UI never drew");
        seen.extend_from_slice(&buf[..n]);
    }
    // The window closes: both ends of the master go away.
    drop(reader);
    drop(pty.master);
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "still running after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_config_file_sets_the_ui_keys_time_zone_and_theme() {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("consent-inspector");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("config.toml"),
        "time_zone = \"Asia/Tokyo\"\ntheme = \"light\"\n\n[colors]\npaused_bg = \"#123456\"\n\n[keys]\nquit = \"Q\"\nhelp = [\"h\", \"?\"]\nout_of_timeline = \"left\"\n",
    )
    .unwrap();
    let xdg = home.path().to_str().unwrap();
    let (mut s, _) = Session::start(&[("XDG_CONFIG_HOME", xdg)]);
    let screen = s.wait_for("track Video Played");
    assert!(screen.contains("TIME TOKYO"), "{screen}");
    // The status bar's hint names the configured key.
    assert!(screen.contains("│ h help"), "{screen}");
    // Line 52, written at 2026-11-02T09:31:27Z, is 18:31 in Tokyo.
    assert!(screen.contains("11-02 18:31:27"), "{screen}");
    // q is no longer quit; h opens the help, which lists the keys as configured.
    s.keys.write_all(b"q").unwrap();
    s.keys.write_all(b"h").unwrap();
    let help = s.wait_for("Keys (Esc or h closes)");
    assert!(help.contains("        Q quit"), "{help}");
    assert!(help.contains("h/? this help"), "{help}");
    // (Not Esc: with the next key in the same read it would be Alt and that key.)
    s.keys.write_all(b"?").unwrap();
    // Pausing paints the badge with the configured colour (truecolor background).
    s.keys.write_all(b"k").unwrap();
    s.wait_for("PAUSED");
    let raw = String::from_utf8_lossy(&s.raw.lock().unwrap()).into_owned();
    assert!(
        raw.contains("48;2;18;52;86"),
        "the configured paused_bg is used"
    );
    s.keys.write_all(b"Q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn the_tour_moves_between_lessons_and_shows_what_the_action_did() {
    let mut s = Session::spawn(&["tour"], &[], tempfile::tempdir().unwrap());
    // The invitation is the lesson panel's last line: waiting for it, the frame is whole.
    let first = s.wait_for("Try it: press t");
    assert!(first.contains("Tour 1/25"), "{first}");
    assert!(
        first.contains("Braze: deliver (consent_preference_event)"),
        "{first}"
    );
    s.keys.write_all(b"t").unwrap();
    s.wait_for("next lesson");
    // → (the arrow's escape sequence) to the next lesson.
    s.keys.write_all(b"\x1b[C").unwrap();
    let second = s.wait_for("Tour 2/25");
    assert!(second.contains("Braze: deliver (no_consent)"), "{second}");
    s.keys.write_all(b"\x1b[D").unwrap();
    s.wait_for("Tour 1/25");
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}

#[test]
fn a_workspace_what_if_decides_every_event_again_follows_new_ones_and_is_saved_and_dropped() {
    let (mut s, events) = Session::start(&[]);
    s.wait_for("track Video Played");
    // W, down to C0005 (Social Media), e disables it, Enter decides every event again.
    s.keys.write_all(b"W").unwrap();
    s.wait_for("What if the workspace were");
    s.keys.write_all(b"jjjje").unwrap();
    s.wait_for("category C0005 disabled");
    s.keys.write_all(b"\r").unwrap();
    s.wait_for("WHAT-IF");
    // A new event, declined Social Media only: Facebook Conversions API now receives it.
    append(
        &events,
        "{\"type\":\"track\",\"event\":\"Pty Appended\",\"userId\":\"u-bob\",\"messageId\":\"m-pty-1\",\
         \"timestamp\":\"2026-11-02T09:40:00Z\",\"context\":{\"consent\":{\"categoryPreferences\":\
         {\"C0001\":true,\"C0002\":true,\"C0003\":true,\"C0004\":true,\"C0005\":false}}}}\n",
    );
    let screen = s.wait_for("Pty Appended");
    let row = screen
        .lines()
        .find(|l| l.contains("Pty Appended"))
        .unwrap()
        .to_owned();
    assert!(
        row.contains('Δ'),
        "the new event's changed route is marked: {screen}"
    );
    // The charts show each destination before and after.
    s.keys.write_all(b"v").unwrap();
    let screen = s.wait_for("BY REASON");
    assert!(
        screen.contains("before") && screen.contains("after"),
        "{screen}"
    );
    s.keys.write_all(b"v").unwrap();
    s.wait_for("ROUTES");
    // S: saved where asked, as settings `diff --against` reads.
    let saved = events.with_file_name("tried.json");
    s.keys.write_all(b"S").unwrap();
    s.wait_for("save settings to:");
    s.keys.write_all(&[0x7f; 40]).unwrap();
    s.keys
        .write_all(format!("{}\r", saved.display()).as_bytes())
        .unwrap();
    s.wait_for("saved ");
    let text = std::fs::read_to_string(&saved).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["categories"][4]["id"], "C0005");
    assert_eq!(v["categories"][4]["enabled"], false);
    // X: back to the settings as read.
    s.keys.write_all(b"X").unwrap();
    s.wait_for("what-if dropped");
    assert!(!s.text().contains("WHAT-IF"), "{}", s.text());
    s.keys.write_all(b"q").unwrap();
    assert!(s.wait_exit().success());
    s.assert_restored();
}
