//! The capture file: every accepted call appended as one line, by one writer, before the call
//! is answered. A call answered 200 is in a file the user can read, once: a line cut off by an
//! earlier run is ended before anything is appended after it, a file removed while listening
//! is noticed before (and after) each write and made anew, and a file moved away (rotated)
//! keeps what was written to it, while the path gets what comes next.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub struct Capture {
    pub path: PathBuf,
    file: Mutex<Open>,
}

/// The file as opened, and which file that was (device and inode), to tell whether the path
/// still names it.
struct Open {
    file: File,
    id: Option<(u64, u64)>,
}

/// How many times a write is tried again when the file was swapped under it.
const TRIES: usize = 3;

impl Capture {
    /// Opens `path` for appending, creating it (readable by this user only) if need be. When
    /// its last line has no newline (a run killed mid-write), the newline is added first and
    /// the returned notice says so, once.
    pub fn open(path: &Path) -> io::Result<(Self, Option<String>)> {
        let (file, id) = open_file(path)?;
        let torn = end_torn_line(&file)?;
        let notice = torn.map(|(line, bytes)| {
            format!(
                "capture's last line cut off by a stopped run: {}:{line} ({bytes} bytes, no \
                 newline) was ended, so new calls start a line of their own; it reads as \
                 invalid JSON",
                path.display()
            )
        });
        let capture = Self {
            path: path.to_path_buf(),
            file: Mutex::new(Open { file, id }),
        };
        Ok((capture, notice))
    }

    /// Appends `line` and its newline in one write, so lines never interleave; once this
    /// returns the line is the kernel's to keep, whatever happens to this process, and it is
    /// in exactly one file the user can read: the one the path names, or the one it named an
    /// instant ago, moved away (rotated) while the line was written. The notice says when the
    /// file had to be made anew.
    pub fn append(&self, line: &str) -> io::Result<Option<String>> {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        let mut open = self.lock();
        let mut notice = None;
        for _ in 0..TRIES {
            if let Some(n) = self.follow_path(&mut open)? {
                notice = Some(n);
            }
            open.file.write_all(&buf)?;
            // Removed between the check and the write: the line went nowhere the user can
            // read, so it is written again to the file the path names now. Moved away (a
            // rotation's rename): the line is in the rotated file, where a follower of the path
            // reads it before it turns to the new file; written again, it would be there twice.
            if self.names(&open) || still_linked(&open.file) {
                return Ok(notice);
            }
        }
        Err(io::Error::other(format!(
            "{} keeps being replaced while it is written",
            self.path.display()
        )))
    }

    /// Starts a new capture: the file the path names is emptied (a follower sees it
    /// truncated).
    pub fn reset(&self) -> io::Result<Option<String>> {
        let mut open = self.lock();
        let notice = self.follow_path(&mut open)?;
        open.file.set_len(0)?;
        Ok(notice)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the path still names the open file (always, where files have no identity).
    fn names(&self, open: &Open) -> bool {
        match open.id {
            Some(id) => identity_of_path(&self.path).is_some_and(|p| p == id),
            None => true,
        }
    }

    /// When the path no longer names the open file, opens (creates) what it names now.
    fn follow_path(&self, open: &mut Open) -> io::Result<Option<String>> {
        if self.names(open) {
            return Ok(None);
        }
        let gone = !self.path.exists();
        let (file, id) = open_file(&self.path)?;
        *open = Open { file, id };
        let path = self.path.display();
        Ok(Some(if gone {
            format!("capture file removed or moved away: writing to a new {path}")
        } else {
            format!("capture file replaced: writing to the new {path}")
        }))
    }
}

fn open_file(path: &Path) -> io::Result<(File, Option<(u64, u64)>)> {
    let mut options = OpenOptions::new();
    options.create(true).read(true).append(true);
    let file = crate::dirs::private(&mut options).open(path)?;
    let id = identity(&file.metadata()?);
    Ok((file, id))
}

// Optional for the systems where files have no such identity (below).
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)]
fn identity(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Whether the open file still has a name somewhere (it was renamed, not removed).
#[cfg(unix)]
fn still_linked(file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    file.metadata().is_ok_and(|m| m.nlink() > 0)
}

/// Without link counts, a file the path no longer names is taken as removed.
#[cfg(not(unix))]
fn still_linked(_: &File) -> bool {
    false
}

fn identity_of_path(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().and_then(|m| identity(&m))
}

/// When the file does not end with a newline, adds one, and says which line was cut off
/// (1-based) and how many bytes it had.
fn end_torn_line(file: &File) -> io::Result<Option<(u64, u64)>> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut reader = file;
    reader.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8];
    reader.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    // Once, at start: count the lines before it, and where the last one began.
    reader.seek(SeekFrom::Start(0))?;
    let (mut newlines, mut last_newline_end, mut at) = (0u64, 0u64, 0u64);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            newlines += 1;
            last_newline_end = at + i as u64 + 1;
        }
        at += n as u64;
    }
    (&*file).write_all(b"\n")?;
    Ok(Some((newlines + 1, len - last_newline_end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_ended_once_before_anything_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cap.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"batch\":[{\"type\":\"track\"").unwrap();
        let (c, notice) = Capture::open(&path).unwrap();
        let notice = notice.unwrap();
        assert!(
            notice.contains("cap.jsonl:2 (25 bytes, no newline) was ended"),
            "{notice}"
        );
        c.append("{\"b\":2}").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"batch\":[{\"type\":\"track\"\n{\"b\":2}\n"
        );
        drop(c);
        // Whole lines: nothing to say.
        assert!(Capture::open(&path).unwrap().1.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_for_this_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cap.jsonl");
        let _c = Capture::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_removed_or_replaced_file_is_made_anew_and_written_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cap.jsonl");
        let (c, _) = Capture::open(&path).unwrap();
        assert!(c.append("one").unwrap().is_none());
        std::fs::remove_file(&path).unwrap();
        let notice = c.append("two").unwrap().unwrap();
        assert!(notice.contains("removed or moved away"), "{notice}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        // Moved away and another file put in its place (log rotation).
        std::fs::rename(&path, dir.path().join("cap.1")).unwrap();
        std::fs::write(&path, "").unwrap();
        assert!(c.append("three").unwrap().unwrap().contains("replaced"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three\n");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("cap.1")).unwrap(),
            "two\n"
        );
        // A reset empties what the path names, after a removal too.
        std::fs::remove_file(&path).unwrap();
        assert!(c.reset().unwrap().is_some());
        assert!(path.exists());
        c.append("four").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "four\n");
    }
}
