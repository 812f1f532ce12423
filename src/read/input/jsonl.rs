//! A line reader for JSON Lines that never holds more than one capped line in memory.

use std::io::{self, BufRead};

/// Where a line starts: its 1-based number and byte offset in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePos {
    pub number: u64,
    pub offset: u64,
}

/// A line's content, or only its length when it was longer than the reader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a [u8]),
    TooLong { bytes: u64 },
}

/// What to do with a last line that has no newline yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtEof {
    /// The input is complete: the partial line is a line.
    Emit,
    /// The input is growing (tailing): keep the partial line until its newline arrives.
    Hold,
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max: usize,
    at_eof: AtEof,
    next: LinePos,
    /// Length of the line being read so far, including bytes not kept because it is too long.
    partial: u64,
    /// The last bytes consumed (at most `RECENT`), as they were in the input.
    recent: Vec<u8>,
}

/// How many of the last bytes consumed the reader remembers.
pub const RECENT: usize = 64;

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max: usize, at_eof: AtEof) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            max,
            at_eof,
            next: LinePos {
                number: 1,
                offset: 0,
            },
            partial: 0,
            recent: Vec::with_capacity(RECENT * 2),
        }
    }

    /// The last bytes consumed from the input (at most `RECENT`), a held partial line included.
    pub fn recent(&self) -> &[u8] {
        &self.recent
    }

    /// Starts numbering at `pos`, for a reader opened part-way into a file.
    pub fn starting_at(mut self, pos: LinePos) -> Self {
        self.next = pos;
        self
    }

    /// Where the next line will start.
    pub fn position(&self) -> LinePos {
        self.next
    }

    /// Bytes of a held partial line.
    pub fn pending_bytes(&self) -> u64 {
        self.partial
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The next line, without its `\n` or `\r\n`, and without a UTF-8 byte-order mark on the
    /// first line. None at the end of input (or, with `AtEof::Hold`, at a partial last line).
    pub fn next_line(&mut self) -> io::Result<Option<(LinePos, Line<'_>)>> {
        if self.partial == 0 {
            self.buf.clear();
        }
        let complete = loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                break false;
            }
            let (chunk_len, found) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            let kept = self.buf.len() as u64 == self.partial;
            if kept && self.buf.len() + chunk_len <= self.max {
                self.buf.extend_from_slice(&avail[..chunk_len]);
            } else if kept {
                // Too long: stop keeping it, and give the memory back.
                self.buf = Vec::new();
            }
            self.partial += chunk_len as u64;
            let used = chunk_len + usize::from(found);
            let tail = &avail[used.saturating_sub(RECENT)..used];
            self.recent.extend_from_slice(tail);
            if self.recent.len() > RECENT {
                self.recent.drain(..self.recent.len() - RECENT);
            }
            self.inner.consume(used);
            if found {
                break true;
            }
        };
        if !complete && (self.partial == 0 || self.at_eof == AtEof::Hold) {
            return Ok(None);
        }
        let pos = self.next;
        let bytes = self.partial;
        self.next = LinePos {
            number: pos.number + 1,
            offset: pos.offset + bytes + u64::from(complete),
        };
        self.partial = 0;
        if self.buf.len() as u64 != bytes {
            return Ok(Some((pos, Line::TooLong { bytes })));
        }
        let mut text = &self.buf[..];
        if pos.offset == 0 {
            text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        }
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        Ok(Some((pos, Line::Text(text))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(u64, u64, String)> {
        let mut r = LineReader::new(input, max, AtEof::Emit);
        let mut out = Vec::new();
        while let Some((pos, line)) = r.next_line().unwrap() {
            let shown = match line {
                Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Line::TooLong { bytes } => format!("<{bytes} bytes>"),
            };
            out.push((pos.number, pos.offset, shown));
        }
        out
    }

    #[test]
    fn splits_lines_with_offsets() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFa\r\n\nbc\nlast", 100),
            vec![
                (1, 0, "a".into()),
                (2, 6, String::new()),
                (3, 7, "bc".into()),
                (4, 10, "last".into())
            ]
        );
    }

    #[test]
    fn long_lines_are_measured_not_kept() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nok\n");
        let got = lines(&input, 10);
        assert_eq!(got, vec![(1, 0, "<50 bytes>".into()), (2, 51, "ok".into())]);
    }

    #[test]
    fn held_partial_line_completes_later() {
        let mut r = LineReader::new(io::Cursor::new(b"one\ntw".to_vec()), 100, AtEof::Hold);
        assert_eq!(r.next_line().unwrap().unwrap().1, Line::Text(b"one"));
        assert!(r.next_line().unwrap().is_none());
        assert_eq!(r.pending_bytes(), 2);
        r.get_mut().get_mut().extend_from_slice(b"o\n");
        let (pos, line) = r.next_line().unwrap().unwrap();
        assert_eq!((pos.number, pos.offset), (2, 4));
        assert_eq!(line, Line::Text(b"two"));
    }
}
