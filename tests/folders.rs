//! Folders as inputs: an archive in Segment's S3 layout read as its files in path order, each
//! by its own bytes, every output naming the file inside it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .env("XDG_CONFIG_HOME", "tests/golden")
        .args(args)
        .output()
        .unwrap()
}

fn gz(path: &Path, text: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(text).unwrap();
    e.finish().unwrap();
}

/// `segment-logs/<source>/<day in ms>/<file>.gz` holding the sample events in two days, a HAR
/// capture in plain text beside them, the settings at the top and a hidden file.
fn archive(root: &Path) -> Vec<PathBuf> {
    let events = std::fs::read_to_string("samples/events.jsonl").unwrap();
    let lines: Vec<&str> = events.lines().collect();
    let day1 = root.join("segment-logs/src1/1764633600000/part-0001.gz");
    let day2 = root.join("segment-logs/src1/1764720000000/part-0002.gz");
    gz(&day1, (lines[..30].join("\n") + "\n").as_bytes());
    gz(&day2, (lines[30..].join("\n") + "\n").as_bytes());
    let har = root.join("segment-logs/src2/capture.har");
    std::fs::create_dir_all(har.parent().unwrap()).unwrap();
    std::fs::copy("samples/capture.har", &har).unwrap();
    std::fs::copy(
        "samples/consent-settings.json",
        root.join("consent-settings.json"),
    )
    .unwrap();
    std::fs::write(root.join("segment-logs/.DS_Store"), b"\x00\x01binary").unwrap();
    vec![day1, day2, har]
}

#[test]
fn a_folder_is_read_as_its_files_in_path_order_and_each_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let files = archive(dir.path());
    let folder = dir.path().to_str().unwrap();
    let named: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    for command in ["route", "check", "profiles"] {
        let by_folder = run(&[command, folder]);
        let mut args = vec![command, "--settings", "samples/consent-settings.json"];
        args.extend(&named);
        let by_files = run(&args);
        assert_eq!(by_folder.status.code(), by_files.status.code(), "{command}");
        assert_eq!(
            String::from_utf8_lossy(&by_folder.stdout),
            String::from_utf8_lossy(&by_files.stdout),
            "{command}"
        );
        assert!(
            !String::from_utf8_lossy(&by_folder.stdout).contains("DS_Store"),
            "{command}"
        );
    }
    // Every record names the file inside the folder it came from, with its own lines.
    let out = String::from_utf8(run(&["route", folder]).stdout).unwrap();
    let first_of_day2 = out.lines().find(|l| l.contains("part-0002.gz")).unwrap();
    assert!(first_of_day2.contains("\"line\":1,"), "{first_of_day2}");
    assert!(out.contains("segment-logs/src2/capture.har"));
    // The settings at the folder's top are found, and not read as events.
    assert!(!out.contains("consent-settings.json"));
    // Lint reads the folder as traffic too.
    let lint = run(&["lint", folder]);
    assert!(String::from_utf8_lossy(&lint.stdout).contains("part-0002.gz"));
}

#[test]
fn the_terminal_ui_says_which_commands_read_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the terminal UI follows one file (route, check, profiles"),
        "{err}"
    );
}

#[test]
fn explain_takes_one_file_since_a_line_number_is_a_line_of_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = archive(dir.path());
    let o = run(&["explain", "--line", "3", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("explain --line N takes one file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The file inside it, as route names it, is explained.
    let o = run(&[
        "explain",
        "--line",
        "3",
        "--settings",
        "samples/consent-settings.json",
        files[0].to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("part-0001.gz:3: page \"Pricing\""));
}

/// Issue 36: a FIFO, a link to a device and a link loop were skipped in silence (and `check`
/// said OK); each is now named on stderr, and the files beside them are read.
#[cfg(unix)]
#[test]
fn what_a_folder_holds_that_is_not_a_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = archive(root);
    assert!(
        Command::new("mkfifo")
            .arg(root.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
    std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
    let o = run(&[
        "check",
        "--settings",
        "samples/consent-settings.json",
        root.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    for (name, why) in [
        ("pipe", "a FIFO (named pipe), not a file"),
        ("zero", "a symbolic link to a device, not a file"),
        ("loop", "a symbolic link that cannot be followed"),
    ] {
        let note = format!("note: {}: skipped: {why}", root.join(name).display());
        assert!(said.contains(&note), "{note} not in {said}");
    }
    // The files beside them were read (check's verdict on the samples stands).
    let routed = run(&[
        "route",
        "--settings",
        "samples/consent-settings.json",
        root.to_str().unwrap(),
    ]);
    assert_eq!(routed.status.code(), Some(0));
    let out = String::from_utf8_lossy(&routed.stdout);
    for f in &files {
        assert!(out.contains(&f.display().to_string()), "{}", f.display());
    }
}

/// Issue 36: a file removed while the folder was read ended the run with exit 2, the rest
/// unread. It is named, the rest is read, and the run ends with 2 (incomplete).
#[test]
fn a_file_that_vanishes_while_its_folder_is_read_is_named_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = archive(root);
    let mut child = Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .args([
            "-q",
            "route",
            "--settings",
            "samples/consent-settings.json",
            "-",
        ])
        .arg(root)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The folder is listed when the run starts; stdin is read first, and meanwhile one of
    // the folder's files is removed.
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(br#"{"type":"page","userId":"u-stdin","messageId":"s-1"}"#)
        .unwrap();
    stdin.write_all(b"\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let gone = &files[1];
    std::fs::remove_file(gone).unwrap();
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!(
            "{}: vanished while the folder was read (removed or moved away): not read",
            gone.display()
        )),
        "{said}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("u-stdin"));
    for f in files.iter().filter(|f| *f != gone) {
        assert!(
            out.contains(&format!("\"file\":\"{}\"", f.display())),
            "{}",
            f.display()
        );
    }
}
