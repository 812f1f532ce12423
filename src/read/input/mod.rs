//! Reading events: JSON Lines (with Segment batch payloads expanded) and HAR captures. Every
//! record keeps where it came from; a line that cannot be parsed is still a record.

pub mod folder;
pub mod har;
pub mod jsonl;

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::read::endpoint::MAX_BATCH_EVENTS;
use crate::read::event::{Doc, ParseError, Parsed};

pub use jsonl::{AtEof, Line, LinePos, LineReader};

/// The longest line read; a longer one is reported as too large and skipped. Segment itself
/// takes at most 32 KB per event and 500 KB per batch, so this leaves room for any real payload.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    /// 1-based line in the file (for a HAR capture, the line where the entry starts).
    pub line: u64,
    /// Position within a batch payload.
    pub index: Option<u32>,
    /// Byte offset of the line in the file.
    pub offset: u64,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", crate::text::printable(&self.file), self.line)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        Ok(())
    }
}

/// Why a line or request body did not yield an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    InvalidJson(String),
    #[error("expected a JSON object, found {0}")]
    NotAnObject(&'static str),
    #[error("{bytes} bytes, over the {limit} bytes this tool reads from one line")]
    TooLarge { bytes: u64, limit: usize },
    #[error("batch payload holds no events")]
    EmptyBatch,
    /// A batch of more than `MAX_BATCH_EVENTS` events: one record stands for them all.
    #[error(
        "the batch on this line holds {events} events; Segment's HTTP API takes at most {MAX_BATCH_EVENTS} in one batch and rejects every event of a larger one, so this record stands for all {events} (they are not read one by one)"
    )]
    TooManyEvents { events: usize },
}

impl From<ParseError> for RecordError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::NotAnObject(t) => RecordError::NotAnObject(t),
            json @ ParseError::Json { .. } => RecordError::InvalidJson(json.to_string()),
        }
    }
}

/// One event as read: where it came from, its size in bytes, and the event or why there is none.
#[derive(Debug, Clone)]
pub struct Record {
    pub origin: Origin,
    pub size: usize,
    pub json: Result<Box<Doc>, RecordError>,
    /// The batch payload the event was an element of.
    pub batch: Option<Batch>,
}

impl Record {
    /// The event as written, for copying and exporting: the line it was read from (without a
    /// trailing carriage return), or for an element of a batch that element, with what it
    /// takes from the batch, so that it stands alone. None for an element that is not JSON,
    /// and for a line over `MAX_LINE_BYTES`, which is never read whole.
    pub fn text<'a>(&self, line: &'a [u8]) -> Option<std::borrow::Cow<'a, [u8]>> {
        if line.len() > MAX_LINE_BYTES {
            return None;
        }
        if self.origin.index.is_none() {
            return Some(line.strip_suffix(b"\r").unwrap_or(line).into());
        }
        let doc = self.json.as_ref().ok()?;
        serde_json::to_vec(&doc.to_value()).ok().map(Into::into)
    }
}

/// A batch payload as a whole, for Segment's per-batch limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The payload's size in bytes.
    pub bytes: usize,
    /// How many elements it holds.
    pub events: usize,
}

impl Record {
    pub fn new(origin: Origin, size: usize, json: Result<Box<Doc>, RecordError>) -> Self {
        Self {
            origin,
            size,
            json,
            batch: None,
        }
    }
}

/// Turns one line into records: one event, the elements of a batch, or the parse error.
/// Blank lines yield nothing.
/// Why the start of an input does not look like text (so not like JSON Lines), if it does not:
/// NUL bytes, or many bytes that are neither UTF-8 nor printable. Said once, up front, so a
/// binary file read by mistake is not only a wall of `invalid_json`.
fn not_text(start: &[u8]) -> Option<String> {
    let start = &start[..start.len().min(4096)];
    if start.is_empty() {
        return None;
    }
    if let Some(at) = memchr::memchr(0, start) {
        return Some(format!("it holds NUL bytes, the first at byte {}", at + 1));
    }
    let text = String::from_utf8_lossy(start);
    let odd = text
        .chars()
        .filter(|&c| c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')))
        .count();
    (odd * 10 > text.chars().count()).then(|| {
        format!(
            "{odd} of its first {} characters are not text",
            text.chars().count()
        )
    })
}

pub fn records_from_line(file: &Arc<str>, pos: LinePos, line: Line<'_>, out: &mut Vec<Record>) {
    let origin = Origin {
        file: file.clone(),
        line: pos.number,
        index: None,
        offset: pos.offset,
    };
    let bytes = match line {
        Line::TooLong { bytes } => {
            let size = usize::try_from(bytes).unwrap_or(usize::MAX);
            let json = Err(RecordError::TooLarge {
                bytes,
                limit: MAX_LINE_BYTES,
            });
            out.push(Record::new(origin, size, json));
            return;
        }
        Line::Text(t) => t,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let size = bytes.len();
    match std::str::from_utf8(bytes) {
        // A byte-order mark is skipped at the start of the file only; elsewhere say what it is.
        Ok(text) if text.starts_with('\u{feff}') => out.push(Record::new(
            origin,
            size,
            Err(RecordError::InvalidJson(
                "a byte-order mark (U+FEFF) starts this line; JSON allows it only at the start of the file, at column 1".into(),
            )),
        )),
        Ok(text) => push_parsed(origin, size, Doc::parse(&Arc::from(text)), None, out),
        Err(e) => out.push(Record::new(
            origin,
            size,
            Err(RecordError::InvalidJson(format!(
                "invalid UTF-8 at column {}",
                e.valid_up_to() + 1
            ))),
        )),
    }
}

/// Pushes the records of one parsed line or request body: the event, or each element of a
/// batch (with its index), or why there is none. `implied` is the type a HAR endpoint implies.
pub(crate) fn push_parsed(
    origin: Origin,
    size: usize,
    parsed: Result<Parsed, ParseError>,
    implied: Option<crate::read::event::Kind>,
    out: &mut Vec<Record>,
) {
    let with_kind = |mut d: Box<Doc>| {
        if let Some(k) = implied {
            d.imply_kind(k);
        }
        d
    };
    match parsed {
        Err(e) => out.push(Record::new(origin, size, Err(e.into()))),
        Ok(Parsed::Event(d)) => out.push(Record::new(origin, size, Ok(with_kind(d)))),
        Ok(Parsed::TooManyEvents { events }) => out.push(Record::new(
            origin,
            size,
            Err(RecordError::TooManyEvents { events }),
        )),
        Ok(Parsed::Batch(elements)) if elements.is_empty() => {
            out.push(Record::new(origin, size, Err(RecordError::EmptyBatch)));
        }
        Ok(Parsed::Batch(elements)) => {
            let batch = Batch {
                bytes: size,
                events: elements.len(),
            };
            for (i, el) in elements.into_iter().enumerate() {
                let origin = Origin {
                    index: Some(u32::try_from(i).unwrap_or(u32::MAX)),
                    ..origin.clone()
                };
                let (size, json) = match el {
                    Ok(d) => (d.size(), Ok(Box::new(d))),
                    Err(e) => (0, Err(e.into())),
                };
                out.push(Record {
                    batch: Some(batch),
                    ..Record::new(origin, size, json)
                });
            }
        }
    }
}

/// The records of one input, in order. HAR captures and gzip compression are recognised by
/// content.
pub struct Records {
    file: Arc<str>,
    lines: Option<LineReader<Box<dyn BufRead + Send>>>,
    /// A HAR capture's records, parsed when it was opened.
    pending: VecDeque<Record>,
    /// Records parsed and not yet returned by the iterator.
    parsed: VecDeque<Record>,
    /// A read error that ended the input after the last chunk's lines.
    failed: Option<io::Error>,
    scratch: Vec<Record>,
    gzip: bool,
    /// Why the input does not look like JSON Lines, when it does not.
    binary: Option<String>,
    /// The last line read, to say where broken compressed data ends.
    last_line: u64,
    /// The last chunk's bytes: the next one is likely as large, and growing to it copies.
    chunk_bytes: usize,
    /// A file of a folder, opened when it is first read (`Records::deferred`).
    deferred: Option<Deferred>,
}

/// What opening a file of a folder needs: its path, and the counts a progress display reads
/// (bytes read, files opened).
struct Deferred {
    path: String,
    read: Option<Arc<AtomicU64>>,
    opened: Option<Arc<AtomicU64>>,
    unread: folder::Unread,
    wire: Option<crate::read::wire::Sink>,
}

/// Whether the start of an input is gzip data, as Segment's S3 and warehouse archives are:
/// RFC 1952's magic bytes, the deflate method and no reserved flag, so that a text file that
/// happens to start with the two magic bytes is still read as text.
pub fn is_gzip(start: &[u8]) -> bool {
    matches!(start, [0x1f, 0x8b, 0x08, flags, ..] if flags & 0xe0 == 0)
}

/// A reader that adds the bytes it reads to a shared count, for a progress display that
/// runs on another thread.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Records {
    /// Opens a file, or stdin for `-`.
    pub fn open(path: &str) -> io::Result<Self> {
        Self::open_counted(path, None, None)
    }

    /// `open`, adding the bytes read from the file (compressed bytes, for gzip) to `read`.
    /// Why the input does not look like text (so not like JSON Lines), when it does not.
    pub fn not_text(&self) -> Option<&str> {
        self.binary.as_deref()
    }

    /// `wire`, when given, receives the timeline of requests of a HAR capture (built only
    /// then).
    pub fn open_counted(
        path: &str,
        read: Option<Arc<AtomicU64>>,
        wire: Option<&crate::read::wire::Sink>,
    ) -> io::Result<Self> {
        let source: Box<dyn Read + Send> = if path == "-" {
            Box::new(io::stdin())
        } else {
            let f = File::open(Path::new(path))?;
            if f.metadata()?.is_dir() {
                return Err(io::Error::other("is a folder, not a file"));
            }
            Box::new(f)
        };
        let source = match read {
            Some(read) => Box::new(Counted {
                inner: source,
                read,
            }),
            None => source,
        };
        let reader = Box::new(BufReader::with_capacity(1 << 16, source));
        let name = if path == "-" { "<stdin>" } else { path };
        Self::read_from(name, reader, wire)
    }

    /// A file opened only when it is first read, so that a folder of many files holds one
    /// open at a time; opening it adds one to `opened`. A file that cannot be opened then
    /// (removed while the folder was read) is added to `unread` and read as empty, so that
    /// the rest of the folder is still read.
    pub fn deferred(
        path: &str,
        read: Option<Arc<AtomicU64>>,
        opened: Option<Arc<AtomicU64>>,
        unread: folder::Unread,
        wire: Option<crate::read::wire::Sink>,
    ) -> Self {
        Self {
            file: Arc::from(path),
            lines: None,
            pending: VecDeque::new(),
            parsed: VecDeque::new(),
            failed: None,
            scratch: Vec::new(),
            gzip: false,
            binary: None,
            last_line: 0,
            chunk_bytes: 0,
            deferred: Some(Deferred {
                path: path.to_owned(),
                read,
                opened,
                unread,
                wire,
            }),
        }
    }

    pub fn from_reader(name: &str, reader: Box<dyn BufRead + Send>) -> io::Result<Self> {
        Self::read_from(name, reader, None)
    }

    fn read_from(
        name: &str,
        mut reader: Box<dyn BufRead + Send>,
        wire: Option<&crate::read::wire::Sink>,
    ) -> io::Result<Self> {
        let file: Arc<str> = Arc::from(name);
        let gzip = is_gzip(reader.fill_buf()?);
        if gzip {
            // Concatenated members are one stream, as gzip(1) reads them.
            let inflated = flate2::bufread::MultiGzDecoder::new(reader);
            reader = Box::new(BufReader::with_capacity(1 << 16, inflated));
        }
        let binary = not_text(reader.fill_buf()?);
        let mut pending = VecDeque::new();
        let lines = if har::looks_like_har(reader.fill_buf()?) {
            let text = crate::read::limits::read_at_most(
                reader,
                crate::read::limits::HAR_BYTES,
                "a HAR capture",
            )?;
            let (records, timeline) = har::read(&file, &text, wire.is_some());
            pending.extend(records);
            if let (Some(sink), Some(t)) = (wire, timeline) {
                crate::read::wire::send(sink, t);
            }
            None
        } else {
            Some(LineReader::new(reader, MAX_LINE_BYTES, AtEof::Emit))
        };
        Ok(Self {
            file,
            lines,
            pending,
            parsed: VecDeque::new(),
            failed: None,
            scratch: Vec::new(),
            gzip,
            binary,
            last_line: 0,
            chunk_bytes: 0,
            deferred: None,
        })
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }
}

/// Lines read but not parsed yet (so that parsing can happen on other threads), or records a
/// HAR capture already gave.
pub enum Chunk {
    Lines {
        file: Arc<str>,
        /// The lines' bytes, one after the other.
        bytes: Vec<u8>,
        lines: Vec<(LinePos, Span)>,
    },
    Parsed(Vec<Record>),
}

/// Where one line of a `Chunk` is in its bytes, or how long a line too long to keep was.
#[derive(Debug, Clone, Copy)]
pub enum Span {
    Text { start: usize, end: usize },
    TooLong { bytes: u64 },
}

impl Chunk {
    /// The chunk's records, in order, appended to `out`.
    pub fn records(self, out: &mut Vec<Record>) {
        match self {
            Chunk::Parsed(records) => out.extend(records),
            Chunk::Lines { file, bytes, lines } => {
                for (pos, span) in lines {
                    let line = match span {
                        Span::Text { start, end } => Line::Text(&bytes[start..end]),
                        Span::TooLong { bytes } => Line::TooLong { bytes },
                    };
                    records_from_line(&file, pos, line, out);
                }
            }
        }
    }
}

impl Records {
    /// Up to `max_lines` lines (or up to `max_bytes` of them), unparsed; None at the end.
    /// A read error ends the input: it comes after the lines read before it.
    pub fn next_chunk(&mut self, max_lines: usize, max_bytes: usize) -> Option<io::Result<Chunk>> {
        if let Some(d) = self.deferred.take() {
            match Self::open_counted(&d.path, d.read, d.wire.as_ref()) {
                Ok(opened) => *self = opened,
                Err(e) => {
                    d.unread.add(&d.path, &e);
                    return None;
                }
            }
            if let Some(n) = d.opened {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !self.pending.is_empty() {
            return Some(Ok(Chunk::Parsed(self.pending.drain(..).collect())));
        }
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        let reader = self.lines.as_mut()?;
        let mut bytes = Vec::with_capacity(self.chunk_bytes + self.chunk_bytes / 4);
        let mut lines = Vec::with_capacity(max_lines);
        while lines.len() < max_lines && bytes.len() < max_bytes {
            match reader.next_line() {
                Err(e) => {
                    let e = if self.gzip {
                        let msg = format!(
                            "gzip data is broken or cut short after line {}: {e}",
                            self.last_line
                        );
                        io::Error::new(e.kind(), msg)
                    } else {
                        e
                    };
                    self.lines = None;
                    if lines.is_empty() {
                        return Some(Err(e));
                    }
                    self.failed = Some(e);
                    break;
                }
                Ok(None) => {
                    self.lines = None;
                    break;
                }
                Ok(Some((pos, line))) => {
                    self.last_line = pos.number;
                    let span = match line {
                        Line::TooLong { bytes } => Span::TooLong { bytes },
                        Line::Text(t) => {
                            let start = bytes.len();
                            bytes.extend_from_slice(t);
                            Span::Text {
                                start,
                                end: bytes.len(),
                            }
                        }
                    };
                    lines.push((pos, span));
                }
            }
        }
        if lines.is_empty() {
            return None;
        }
        self.chunk_bytes = bytes.len();
        Some(Ok(Chunk::Lines {
            file: self.file.clone(),
            bytes,
            lines,
        }))
    }
}

impl Iterator for Records {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.parsed.pop_front() {
                return Some(Ok(r));
            }
            match self.next_chunk(1, usize::MAX)? {
                Ok(chunk) => {
                    chunk.records(&mut self.scratch);
                    self.parsed.extend(self.scratch.drain(..));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Record> {
        Records::from_reader(
            "t.jsonl",
            Box::new(io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    #[test]
    fn blank_lines_are_skipped_and_numbers_kept() {
        let recs = read("{\"a\":1}\n\n  \n{\"b\":2}\n");
        let lines: Vec<u64> = recs.iter().map(|r| r.origin.line).collect();
        assert_eq!(lines, vec![1, 4]);
        assert_eq!(recs[1].origin.offset, 12);
    }

    #[test]
    fn gzip_is_recognised_by_its_header_not_two_bytes() {
        assert!(is_gzip(&[0x1f, 0x8b, 0x08, 0x00, 0, 0]));
        assert!(!is_gzip(&[0x1f, 0x8b, b'{', b'"']));
        assert!(!is_gzip(&[0x1f, 0x8b, 0x08, 0xff]));
        assert!(!is_gzip(b"{\"type\":\"page\"}"));
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, b"{\"a\":1}\n\n{\"b\":2}").unwrap();
        let gz = enc.finish().unwrap();
        let recs: Vec<Record> = Records::from_reader("t.gz", Box::new(io::Cursor::new(gz)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let lines: Vec<u64> = recs.iter().map(|r| r.origin.line).collect();
        assert_eq!(lines, vec![1, 3]);
    }

    #[test]
    fn parse_errors_say_where() {
        let recs = read("{\"a\": 1,,}\n");
        assert_eq!(
            recs[0].json,
            Err(RecordError::InvalidJson(
                "key must be a string at column 9".into()
            ))
        );
    }
}
