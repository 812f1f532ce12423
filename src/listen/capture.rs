//! The capture file: every accepted call appended as one line, by one writer, before the call
//! is answered.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub struct Capture {
    pub path: PathBuf,
    file: Mutex<File>,
}

impl Capture {
    /// Opens `path` for appending, creating it if need be.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends `line` and its newline in one write, so lines never interleave; once this
    /// returns the line is the kernel's to keep, whatever happens to this process.
    pub fn append(&self, line: &str) -> io::Result<()> {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all(&buf)
    }

    /// Starts a new capture: the file is emptied (a follower sees it truncated).
    pub fn reset(&self) -> io::Result<()> {
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .set_len(0)
    }
}
