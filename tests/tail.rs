//! Following a file: appends, partial lines, truncation, rotation and a file appearing late.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use consent_inspector::read::tail::{
    FollowOptions, Generations, LineContent, Notice, TailEvent, follow,
};

struct Tail {
    rx: mpsc::Receiver<TailEvent>,
    stop: Arc<AtomicBool>,
    generations: Generations,
    handle: Option<thread::JoinHandle<()>>,
}

impl Drop for Tail {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn start(path: &Path, follow_on: bool) -> Tail {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let generations = Generations::default();
    let (p, s, g) = (path.to_path_buf(), stop.clone(), generations.clone());
    let opts = FollowOptions {
        follow: follow_on,
        poll: Duration::from_millis(50),
        ..FollowOptions::default()
    };
    let handle = thread::spawn(move || follow(&p, opts, &g, &s, |e| tx.send(e).is_ok()));
    Tail {
        rx,
        stop,
        generations,
        handle: Some(handle),
    }
}

/// What the follower said, as text: `g:line:content` for lines, `!notice` for notices.
fn collect_until(t: &Tail, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "timed out; saw {seen:?}");
        match t.rx.recv_timeout(left) {
            Ok(TailEvent::Lines(lines)) => {
                seen.extend(lines.into_iter().map(|l| match l.content {
                    LineContent::Text(b) => format!(
                        "{}:{}:{}",
                        l.generation,
                        l.pos.number,
                        String::from_utf8_lossy(&b)
                    ),
                    LineContent::TooLong { bytes } => {
                        format!("{}:{}:<{bytes}>", l.generation, l.pos.number)
                    }
                }));
            }
            Ok(TailEvent::Notice(Notice::CaughtUp)) => {}
            Ok(TailEvent::Notice(n)) => seen.push(format!("!{n:?}")),
            Err(e) => panic!("follower ended ({e}); saw {seen:?}"),
        }
    }
    seen
}

fn lines_only(seen: &[String]) -> usize {
    seen.iter().filter(|s| !s.starts_with('!')).count()
}

fn append(path: &PathBuf, text: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn reads_existing_lines_then_appends() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "a\nb\n").unwrap();
    let t = start(&p, true);
    assert_eq!(collect_until(&t, |s| s.len() == 2), vec!["0:1:a", "0:2:b"]);
    append(&p, "c\n");
    assert_eq!(collect_until(&t, |s| s.len() == 1), vec!["0:3:c"]);
}

#[test]
fn a_partial_line_waits_for_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "one\n{\"half\":").unwrap();
    let t = start(&p, true);
    assert_eq!(collect_until(&t, |s| !s.is_empty()), vec!["0:1:one"]);
    thread::sleep(Duration::from_millis(200));
    assert!(
        t.rx.try_iter().all(|e| !matches!(e, TailEvent::Lines(_))),
        "no half line"
    );
    append(&p, "1}\n");
    assert_eq!(
        collect_until(&t, |s| !s.is_empty()),
        vec!["0:2:{\"half\":1}"]
    );
    // The line can be read again by its offset, for a detail view.
    assert_eq!(
        t.generations.read_line(0, 4, 1 << 20).unwrap(),
        b"{\"half\":1}"
    );
}

#[test]
fn truncation_restarts_from_the_beginning_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "a\nb\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 2);
    fs::write(&p, "x\n").unwrap();
    let seen = collect_until(&t, |s| lines_only(s) == 1);
    assert_eq!(seen, vec!["!Truncated", "1:1:x"]);
    assert!(
        t.generations.read_line(0, 0, 100).is_err(),
        "truncated bytes are gone"
    );
}

#[test]
fn rotation_is_followed_to_the_new_file_without_losing_the_old_tail() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "a\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 1);
    append(&p, "b\nlast-without-newline");
    fs::rename(&p, dir.path().join("e.jsonl.1")).unwrap();
    fs::write(&p, "new\n").unwrap();
    let seen = collect_until(&t, |s| lines_only(s) == 3);
    let lines: Vec<&String> = seen.iter().filter(|s| !s.starts_with('!')).collect();
    assert_eq!(lines, vec!["0:2:b", "0:3:last-without-newline", "1:1:new"]);
    // Between the rename and the new file, the follower may look and find no file: then it
    // says so, and says the file reappeared. Either way the switch is visible.
    let noticed = seen.contains(&"!Rotated".to_owned())
        || (seen.contains(&"!Removed".to_owned()) && seen.contains(&"!Reappeared".to_owned()));
    assert!(noticed, "{seen:?}");
    // The old generation stays readable through its open handle.
    assert_eq!(t.generations.read_line(0, 2, 100).unwrap(), b"b");
}

#[test]
fn a_missing_file_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("later.jsonl");
    let t = start(&p, true);
    assert_eq!(collect_until(&t, |s| s.len() == 1), vec!["!Waiting"]);
    fs::write(&p, "hello\n").unwrap();
    assert_eq!(
        collect_until(&t, |s| s.len() == 2),
        vec!["!Appeared", "0:1:hello"]
    );
}

#[test]
fn without_follow_the_file_is_read_once_including_a_partial_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "a\nb").unwrap();
    let t = start(&p, false);
    let seen = collect_until(&t, |s| s.len() == 2);
    assert_eq!(seen, vec!["0:1:a", "0:2:b"]);
}

/// Nothing more is read (no line twice): waits a little, then looks.
fn assert_no_more_lines(t: &Tail) {
    thread::sleep(Duration::from_millis(200));
    let more: Vec<TailEvent> =
        t.rx.try_iter()
            .filter(|e| matches!(e, TailEvent::Lines(_)))
            .collect();
    assert!(more.is_empty(), "read again: {more:?}");
}

/// Lines only, in order, without notices.
fn lines_of(seen: &[String]) -> Vec<&str> {
    seen.iter()
        .filter(|s| !s.starts_with('!'))
        .map(String::as_str)
        .collect()
}

#[test]
fn many_small_writes_make_whole_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "").unwrap();
    let t = start(&p, true);
    let text = "{\"a\":1}\n{\"b\":22}\n{\"c\":333}\n";
    for chunk in text.as_bytes().chunks(3) {
        append(&p, std::str::from_utf8(chunk).unwrap());
        thread::sleep(Duration::from_millis(7));
    }
    let seen = collect_until(&t, |s| lines_only(s) == 3);
    assert_eq!(
        lines_of(&seen),
        vec!["0:1:{\"a\":1}", "0:2:{\"b\":22}", "0:3:{\"c\":333}"]
    );
    assert_no_more_lines(&t);
}

#[test]
fn truncated_and_rewritten_to_the_same_size_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "aaaa\nbbbb\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 2);
    // Same size, other content, written in place (same file).
    let mut f = OpenOptions::new().write(true).open(&p).unwrap();
    f.write_all(b"cccc\ndddd\n").unwrap();
    drop(f);
    let seen = collect_until(&t, |s| lines_only(s) == 2);
    assert_eq!(seen, vec!["!Truncated", "1:1:cccc", "1:2:dddd"]);
}

#[test]
fn copy_truncate_rotation_reads_only_the_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "one\ntwo\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 2);
    // logrotate copytruncate: copy, then truncate the file the writer keeps open.
    fs::copy(&p, dir.path().join("e.jsonl.1")).unwrap();
    OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&p, "three\n");
    let seen = collect_until(&t, |s| lines_only(s) == 1);
    assert_eq!(seen, vec!["!Truncated", "1:1:three"]);
    assert_no_more_lines(&t);
}

#[test]
fn a_deleted_file_that_reappears_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "old\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 1);
    fs::remove_file(&p).unwrap();
    assert_eq!(collect_until(&t, |s| s.len() == 1), vec!["!Removed"]);
    fs::write(&p, "fresh\n").unwrap();
    assert_eq!(
        collect_until(&t, |s| s.len() == 2),
        vec!["!Reappeared", "1:1:fresh"]
    );
}

#[test]
fn an_atomic_replace_that_keeps_the_old_lines_reads_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "one\ntwo\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 2);
    // Write a temporary file, then rename it over the followed one.
    let tmp = dir.path().join("e.jsonl.tmp");
    fs::write(&tmp, "one\ntwo\nthree\n").unwrap();
    fs::rename(&tmp, &p).unwrap();
    let seen = collect_until(&t, |s| lines_only(s) == 1);
    assert_eq!(seen, vec!["!Replaced", "1:3:three"]);
    assert_no_more_lines(&t);
}

#[test]
fn an_atomic_replace_with_other_content_is_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jsonl");
    fs::write(&p, "one\ntwo\n").unwrap();
    let t = start(&p, true);
    collect_until(&t, |s| s.len() == 2);
    let tmp = dir.path().join("e.jsonl.tmp");
    fs::write(&tmp, "uno\n").unwrap();
    fs::rename(&tmp, &p).unwrap();
    assert_eq!(
        collect_until(&t, |s| s.len() == 2),
        vec!["!Rotated", "1:1:uno"]
    );
}
