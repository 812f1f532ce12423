//! The shell's side of the binary: completion scripts and manual pages, `--color` with
//! `NO_COLOR` and `CLICOLOR_FORCE`, and the progress bar on a terminal's stderr.

use std::io::{Read, Write};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

mod common;

use common::needs::need;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-inspector"));
    // No config file of the machine's: a folder with none in it.
    c.env("XDG_CONFIG_HOME", "tests/golden");
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    c
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn completion_scripts_complete_every_command_and_bash_parses_its_own() {
    for (shell, marker) in [
        ("bash", "complete -F _consent__inspector"),
        ("zsh", "#compdef consent-inspector"),
        ("fish", "complete -c consent-inspector"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = run(&["completions", shell], &[]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = text(&o.stdout);
        assert!(script.contains(marker), "{shell}: {marker} missing");
        for word in ["check", "policy", "summary", "completions"] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
        // PowerShell's script completes names, not values.
        if shell != "powershell" {
            for word in ["junit", "sarif", "github"] {
                assert!(script.contains(word), "{shell}: {word} missing");
            }
        }
    }
    parses("bash", &["-n"]);
}

/// The shell parses the script written for it (`-n`: read, not run).
fn parses(shell: &str, check: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(shell);
    std::fs::write(&file, run(&["completions", shell], &[]).stdout).unwrap();
    let o = Command::new(shell).args(check).arg(&file).output().unwrap();
    assert!(o.status.success(), "{shell}: {}", text(&o.stderr));
}

#[test]
#[ignore = "needs zsh and fish: apt-get install zsh fish"]
fn zsh_and_fish_parse_their_completion_scripts() {
    for (shell, check) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        need(
            shell,
            shell,
            &["-c", "true"],
            &[],
            "apt-get install zsh fish",
        );
        parses(shell, check);
    }
}

#[test]
fn man_pages_render_for_the_tool_and_each_command() {
    let o = run(&["man"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let page = text(&o.stdout);
    assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH consent-inspector"));
    assert!(
        page.contains("Exit status"),
        "the exit codes are in the page"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["man", "--dir", dir.path().to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for page in [
        "consent-inspector.1",
        "consent-inspector-check.1",
        "consent-inspector-route.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(dir.path().join("consent-inspector-check.1")).unwrap();
    assert!(check.contains("policy"));
}

#[test]
#[ignore = "needs man: apt-get install man-db"]
fn man_formats_the_pages() {
    need("man", "man", &["--version"], &[], "apt-get install man-db");
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["man", "--dir", dir.path().to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = Command::new("man")
        .arg(dir.path().join("consent-inspector-check.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("--summary"));
}

const ANSI: &str = "\x1b[";

#[test]
fn color_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
    let table = ["route", "--format", "table", "samples/events.jsonl"];
    let check = ["check", "samples/events.jsonl"];
    for args in [&table[..], &check[..]] {
        let colored = |extra: &[&str], env: &[(&str, &str)]| {
            let mut a = extra.to_vec();
            a.extend_from_slice(args);
            text(&run(&a, env).stdout).contains(ANSI)
        };
        // stdout is a pipe here: auto means none.
        assert!(!colored(&[], &[]));
        assert!(colored(&["--color", "always"], &[]));
        assert!(
            colored(&["--color=always"], &[("NO_COLOR", "1")]),
            "the flag wins"
        );
        assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
        assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
        assert!(!colored(&[], &[("CLICOLOR_FORCE", "0")]));
        assert!(!colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
        // no-color.org: an empty NO_COLOR is as good as unset.
        assert!(colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]));
    }
    // After the command too (a global option).
    let o = run(&["check", "samples/events.jsonl", "--color", "always"], &[]);
    assert!(text(&o.stdout).contains(ANSI));
    let o = run(
        &["check", "samples/events.jsonl", "--color", "sometimes"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
}

/// `check` reading a pipe that the test fills slowly, with stdout and stderr on a terminal:
/// what the terminal showed while it waited, and once it finished.
fn check_in_a_terminal(extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("events.jsonl");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_consent-inspector"));
    cmd.args(["check", "--settings", "samples/consent-settings.json"]);
    cmd.args(extra);
    cmd.arg(&fifo);
    cmd.cwd(std::env::current_dir().unwrap());
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", "tests/golden");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let raw: Arc<Mutex<Vec<u8>>> = Arc::default();
    let r = raw.clone();
    std::thread::spawn(move || {
        let _master = pty.master;
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            r.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let events = std::fs::read("samples/events.jsonl").unwrap();
    let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    pipe.write_all(&events[..events.len() / 2]).unwrap();
    pipe.flush().unwrap();
    // Past the bar's delay, with the input still open.
    std::thread::sleep(Duration::from_millis(1200));
    let waiting = String::from_utf8_lossy(&raw.lock().unwrap()).into_owned();
    pipe.write_all(&events[events.len() / 2..]).unwrap();
    drop(pipe);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "check never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let done = String::from_utf8_lossy(&raw.lock().unwrap()).into_owned();
    (waiting, done)
}

#[test]
fn a_progress_bar_shows_on_a_terminal_and_never_with_q() {
    let (waiting, done) = check_in_a_terminal(&[]);
    assert!(
        waiting.contains(" read, "),
        "no progress while waiting: {waiting:?}"
    );
    assert!(done.contains("FAIL: some events are not ingested"));
    let (waiting, done) = check_in_a_terminal(&["-q"]);
    assert_eq!(waiting, "", "-q shows nothing while it reads");
    assert!(done.contains("FAIL: some events are not ingested"));
    // Not a terminal: nothing on stderr.
    let o = run(&["check", "samples/events.jsonl"], &[]);
    assert!(o.stderr.is_empty());
}
