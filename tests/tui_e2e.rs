//! The real binary in a pseudo-terminal: it shows the file's events, picks up lines appended to
//! the file it follows, and gives the terminal back when it quits.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
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
}

#[test]
fn follows_appended_lines_and_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::copy("samples/events.jsonl", &events).unwrap();
    std::fs::copy(
        "samples/consent-settings.json",
        dir.path().join("consent-settings.json"),
    )
    .unwrap();

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_consent-inspector"));
    cmd.arg(events.to_str().unwrap());
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut keys = pty.master.take_writer().unwrap();
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(30).unwrap(),
            std::num::NonZero::new(100).unwrap(),
            0,
        ))),
        raw: Arc::default(),
    };
    let (parser, raw) = (screen.parser.clone(), screen.raw.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.lock().unwrap().process(&buf[..n]);
            raw.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });

    let first = screen.wait_for("Plan Changed");
    assert!(first.contains("Events 49"), "{first}");
    assert!(first.contains("FOLLOWING"), "{first}");
    assert!(screen.parser.lock().unwrap().screen().alternate_screen());

    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&events)
        .unwrap();
    writeln!(
        f,
        r#"{{"type":"track","event":"Appended Live","userId":"u-zed","messageId":"e2e-1"}}"#
    )
    .unwrap();
    let after = screen.wait_for("Appended Live");
    assert!(after.contains("Events 50"), "{after}");

    // Half a line shows nothing until its newline arrives.
    write!(
        f,
        r#"{{"type":"page","userId":"u-zed","messageId":"e2e-2","#
    )
    .unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(screen.text().contains("Events 50"));
    writeln!(f, r#""name":"Second Half"}}"#).unwrap();
    screen.wait_for("page Second Half");

    // Up pauses following, unmistakably.
    keys.write_all(b"k").unwrap();
    screen.wait_for("PAUSED");
    keys.write_all(b"q").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not quit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(200));
    let s = screen.parser.lock().unwrap();
    assert!(!s.screen().alternate_screen(), "left the alternate screen");
    assert!(!s.screen().hide_cursor(), "cursor shown again");
    let raw = String::from_utf8_lossy(&screen.raw.lock().unwrap()).into_owned();
    assert!(raw.contains("\x1b[?1000l"), "mouse capture turned off");
}
