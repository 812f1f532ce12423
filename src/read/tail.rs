//! Following a file like `tail -F`: read what is there, then what is appended; survive
//! truncation, rotation (rename and recreate) and a file that does not exist yet. notify wakes
//! the follower on changes in the file's folder; a poll (at most 500 ms) covers file systems
//! where notify is silent.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::read::input::{AtEof, Line, LinePos, LineReader, MAX_LINE_BYTES};

/// How often to look at the file when notify says nothing.
pub const POLL: Duration = Duration::from_millis(250);

/// One line read from the followed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailLine {
    /// Which incarnation of the file the line came from: it changes on truncation or rotation.
    pub generation: u32,
    pub pos: LinePos,
    pub content: LineContent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineContent {
    Text(Vec<u8>),
    TooLong { bytes: u64 },
}

impl TailLine {
    pub fn as_line(&self) -> Line<'_> {
        match &self.content {
            LineContent::Text(t) => Line::Text(t),
            LineContent::TooLong { bytes } => Line::TooLong { bytes: *bytes },
        }
    }
}

/// Something the user should know about the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The file does not exist (yet); the follower waits for it.
    Waiting,
    /// The file appeared after the follower had waited for it.
    Appeared,
    /// The file got shorter than what was read: reading restarts from its beginning.
    Truncated,
    /// The path now names a new file (log rotation): the old one was read to its end.
    Rotated,
    /// The file was removed; what was read stays, and the follower waits for it to reappear.
    Removed,
    /// A removed file is back (with other content): it is read from its start.
    Reappeared,
    /// The path now names a new file that begins with everything already read (an atomic
    /// rewrite): reading goes on after it, so nothing is read twice.
    Replaced,
    /// Everything in the file has been read (sent once per catch-up).
    CaughtUp,
    /// notify could not watch the folder; changes are found by polling only.
    PollingOnly(String),
    /// Reading failed; the follower tries again.
    Error(String),
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Waiting => write!(f, "waiting for the file to appear"),
            Self::Appeared => write!(f, "file appeared"),
            Self::Truncated => write!(f, "file truncated: reading again from the start"),
            Self::Rotated => write!(f, "file rotated: following the new file"),
            Self::Removed => write!(f, "file removed: waiting for it to reappear"),
            Self::Reappeared => write!(f, "file reappeared: reading it from the start"),
            Self::Replaced => {
                write!(
                    f,
                    "file replaced by one holding what was read: going on after it"
                )
            }
            Self::CaughtUp => write!(f, "caught up"),
            Self::PollingOnly(why) => write!(f, "file events unavailable ({why}): polling"),
            Self::Error(e) => write!(f, "read error: {e}"),
        }
    }
}

#[derive(Debug)]
pub enum TailEvent {
    Lines(Vec<TailLine>),
    Notice(Notice),
}

/// The open file of each generation, so that a line can be read again by its offset (for a
/// detail view) without keeping its text. A truncated generation has no file: its bytes are gone.
#[derive(Debug, Default, Clone)]
pub struct Generations(Arc<RwLock<Vec<Option<Arc<File>>>>>);

impl Generations {
    fn push(&self, f: Option<Arc<File>>) -> u32 {
        let mut g = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.push(f);
        (g.len() - 1) as u32
    }

    fn forget(&self, generation: u32) {
        let mut g = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = g.get_mut(generation as usize) {
            *slot = None;
        }
    }

    /// The line starting at `offset` in `generation`, without its newline, up to `max` bytes.
    pub fn read_line(&self, generation: u32, offset: u64, max: usize) -> io::Result<Vec<u8>> {
        read_line_at(&*self.file(generation)?, offset, max)
    }

    /// The length of the line at `offset` of a generation, as the reader counts it.
    pub fn line_len(&self, generation: u32, offset: u64) -> io::Result<u64> {
        line_len_at(&*self.file(generation)?, offset)
    }

    fn file(&self, generation: u32) -> io::Result<Arc<File>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(generation as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| io::Error::other("the file was truncated since: this line is gone"))
    }
}

/// How many bytes the line at `offset` has before its newline (or the end), as `LineReader`
/// counts an over-long line: read in chunks, none kept.
pub fn line_len_at(file: &File, offset: u64) -> io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = offset;
    loop {
        let n = file.read_at(&mut buf, at)?;
        if n == 0 {
            return Ok(at - offset);
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(at - offset + i as u64);
        }
        at += n as u64;
    }
}

/// Reads from `offset` up to the next newline (or `max` bytes, or the end).
pub fn read_line_at(file: &File, offset: u64, max: usize) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = offset;
    while out.len() < max {
        let n = file.read_at(&mut buf, at)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            out.extend_from_slice(&buf[..i]);
            break;
        }
        out.extend_from_slice(&buf[..n]);
        at += n as u64;
    }
    out.truncate(max);
    if out.ends_with(b"\r") {
        out.pop();
    }
    if offset == 0 && out.starts_with(b"\xEF\xBB\xBF") {
        out.drain(..3);
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
pub struct FollowOptions {
    /// Keep following after the end of the file; false reads it once.
    pub follow: bool,
    pub poll: Duration,
    /// Lines sent in one `TailEvent::Lines` at most.
    pub batch: usize,
}

impl Default for FollowOptions {
    fn default() -> Self {
        Self {
            follow: true,
            poll: POLL,
            batch: 4096,
        }
    }
}

struct Open {
    reader: LineReader<BufReader<File>>,
    file: Arc<File>,
    id: (u64, u64),
    generation: u32,
    /// Offset of a partial last line already sent as complete, so it is sent only once.
    flushed_partial: Option<u64>,
    /// The last bytes read and where they are: if they change in place, the file was
    /// rewritten (truncated and written again, perhaps to the same size or more).
    fingerprint: Option<(u64, Vec<u8>)>,
}

/// Files longer than this are not compared when the path names a new file: it is taken as new.
const MAX_COMPARE: u64 = 64 << 20;

impl Open {
    /// Bytes of the file read so far, a held partial line included.
    fn consumed(&self) -> u64 {
        self.reader.position().offset + self.reader.pending_bytes()
    }

    /// Remembers the bytes just read, as the reader saw them: a rewrite that lands between
    /// reading and remembering cannot slip by.
    fn remember_fingerprint(&mut self) {
        let recent = self.reader.recent();
        let start = self.consumed() - recent.len() as u64;
        if self
            .fingerprint
            .as_ref()
            .is_none_or(|(s, b)| *s != start || b != recent)
        {
            self.fingerprint = Some((start, recent.to_vec()));
        }
    }

    /// True when the bytes last read are no longer what the file holds there.
    fn rewritten(&self) -> bool {
        let Some((start, bytes)) = &self.fingerprint else {
            return false;
        };
        let mut now = vec![0; bytes.len()];
        read_exact_at(&self.file, &mut now, *start).is_ok_and(|()| now != *bytes)
    }

    /// True when `other` begins with every byte read from this file.
    fn continues_in(&self, other: &File) -> bool {
        let end = self.consumed();
        if end > MAX_COMPARE || other.metadata().map_or(true, |m| m.len() < end) {
            return false;
        }
        let (mut a, mut b) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
        let mut at = 0u64;
        while at < end {
            let n = (end - at).min(a.len() as u64) as usize;
            let ok = read_exact_at(&self.file, &mut a[..n], at).is_ok()
                && read_exact_at(other, &mut b[..n], at).is_ok();
            if !ok || a[..n] != b[..n] {
                return false;
            }
            at += n as u64;
        }
        true
    }
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

/// Follows `path` until `stop` is set or `sink` returns false. Blocks: run it on its own thread.
pub fn follow(
    path: &Path,
    opts: FollowOptions,
    generations: &Generations,
    stop: &AtomicBool,
    mut sink: impl FnMut(TailEvent) -> bool,
) {
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let _watcher = if opts.follow {
        match watch_folder(path, wake_tx) {
            Ok(w) => Some(w),
            Err(e) => {
                if !sink(TailEvent::Notice(Notice::PollingOnly(e.to_string()))) {
                    return;
                }
                None
            }
        }
    } else {
        None
    };
    let mut f = Follower {
        path: path.to_path_buf(),
        opts,
        generations,
        current: None,
        waited: false,
        removed: false,
        caught_up: false,
    };
    while !stop.load(Ordering::Relaxed) {
        if !f.step(&mut sink) {
            return;
        }
        if !opts.follow && f.caught_up {
            return;
        }
        // Wake on a change in the folder, or poll; drain bursts of events into one wake-up.
        if wake_rx.recv_timeout(opts.poll).is_ok() {
            while wake_rx.try_recv().is_ok() {}
        }
    }
}

fn watch_folder(path: &Path, wake: mpsc::Sender<()>) -> notify::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut w = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake.send(());
    })?;
    w.watch(&folder, notify::RecursiveMode::NonRecursive)?;
    Ok(w)
}

struct Follower<'a> {
    path: PathBuf,
    opts: FollowOptions,
    generations: &'a Generations,
    current: Option<Open>,
    waited: bool,
    removed: bool,
    caught_up: bool,
}

impl Follower<'_> {
    /// One round: open or reopen as needed, read what is new. False when the sink is gone.
    fn step(&mut self, sink: &mut impl FnMut(TailEvent) -> bool) -> bool {
        let meta = std::fs::metadata(&self.path);
        match (&self.current, meta) {
            (None, Err(e)) if e.kind() == io::ErrorKind::NotFound => {
                if !self.opts.follow {
                    self.caught_up = true;
                    return sink(TailEvent::Notice(Notice::Error(format!(
                        "{}: {e}",
                        self.path.display()
                    ))));
                }
                if !self.waited {
                    self.waited = true;
                    return sink(TailEvent::Notice(Notice::Waiting));
                }
                true
            }
            (None, Ok(_)) => {
                let notice = self.waited.then_some(Notice::Appeared);
                self.open(sink, notice)
            }
            (Some(_), Err(e)) if e.kind() == io::ErrorKind::NotFound => {
                // Removed or renamed away: finish what the old file holds, then wait. A partial
                // last line waits too: the file may come back holding its end.
                if !self.read_available(sink, false) {
                    return false;
                }
                if !self.removed {
                    self.removed = true;
                    return sink(TailEvent::Notice(Notice::Removed));
                }
                true
            }
            // Any other error, with or without a file open: say so and keep trying.
            (_, Err(e)) => sink(TailEvent::Notice(Notice::Error(e.to_string()))),
            (Some(open), Ok(meta)) => {
                if file_id(&meta) != open.id {
                    return self.switch_file(sink);
                }
                self.removed = false;
                if meta.len() < open.consumed() || open.rewritten() {
                    self.generations.forget(open.generation);
                    return self.open(sink, Some(Notice::Truncated));
                }
                self.read_available(sink, false)
            }
        }
    }

    /// The path names another file than the one open: rotated, replaced, or back after
    /// removal. The old file is read to its end first.
    fn switch_file(&mut self, sink: &mut impl FnMut(TailEvent) -> bool) -> bool {
        if !self.read_available(sink, false) {
            return false;
        }
        let Some(old) = self.current.as_ref() else {
            return true;
        };
        if let Ok(new) = File::open(&self.path) {
            if old.continues_in(&new) {
                return self.continue_in(new, sink);
            }
        }
        // A different file: the old one's unfinished last line is all it will ever hold.
        if !self.read_available(sink, true) {
            return false;
        }
        let notice = if self.removed {
            Notice::Reappeared
        } else {
            Notice::Rotated
        };
        self.open(sink, Some(notice))
    }

    /// Goes on in `new`, which holds everything read so far, from where reading stopped.
    fn continue_in(&mut self, new: File, sink: &mut impl FnMut(TailEvent) -> bool) -> bool {
        let Some(old) = self.current.take() else {
            return true;
        };
        if let Err(e) = self.start_reading(new, old.reader.position()) {
            return sink(TailEvent::Notice(Notice::Error(e.to_string())));
        }
        sink(TailEvent::Notice(Notice::Replaced)) && self.read_available(sink, false)
    }

    fn open(&mut self, sink: &mut impl FnMut(TailEvent) -> bool, notice: Option<Notice>) -> bool {
        let start = LinePos {
            number: 1,
            offset: 0,
        };
        match File::open(&self.path).and_then(|f| self.start_reading(f, start)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => sink(TailEvent::Notice(Notice::Error(format!(
                "{}: {e}",
                self.path.display()
            )))),
            Ok(()) => {
                if let Some(n) = notice {
                    if !sink(TailEvent::Notice(n)) {
                        return false;
                    }
                }
                self.read_available(sink, false)
            }
        }
    }

    /// Makes `file` the current one, as a new generation, read from `pos` on.
    fn start_reading(&mut self, file: File, pos: LinePos) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let id = file_id(&file.metadata()?);
        let mut reader_file = file.try_clone()?;
        reader_file.seek(SeekFrom::Start(pos.offset))?;
        let file = Arc::new(file);
        let generation = self.generations.push(Some(file.clone()));
        let at_eof = if self.opts.follow {
            AtEof::Hold
        } else {
            AtEof::Emit
        };
        let reader = BufReader::with_capacity(1 << 16, reader_file);
        self.current = Some(Open {
            reader: LineReader::new(reader, MAX_LINE_BYTES, at_eof).starting_at(pos),
            file,
            id,
            generation,
            flushed_partial: None,
            fingerprint: None,
        });
        self.removed = false;
        self.caught_up = false;
        Ok(())
    }

    /// Sends every complete line now in the file. `final_read`: the file will not grow (it was
    /// rotated away), so a partial last line is a line.
    fn read_available(
        &mut self,
        sink: &mut impl FnMut(TailEvent) -> bool,
        final_read: bool,
    ) -> bool {
        let Some(open) = self.current.as_mut() else {
            return true;
        };
        let mut batch = Vec::new();
        loop {
            let next = match open.reader.next_line() {
                Ok(n) => n,
                Err(e) => return sink(TailEvent::Notice(Notice::Error(e.to_string()))),
            };
            let Some((pos, line)) = next else { break };
            batch.push(TailLine {
                generation: open.generation,
                pos,
                content: match line {
                    Line::Text(t) => LineContent::Text(t.to_vec()),
                    Line::TooLong { bytes } => LineContent::TooLong { bytes },
                },
            });
            if batch.len() >= self.opts.batch && !sink(TailEvent::Lines(std::mem::take(&mut batch)))
            {
                return false;
            }
        }
        let pos = open.reader.position();
        if final_read && open.reader.pending_bytes() > 0 && open.flushed_partial != Some(pos.offset)
        {
            // The rest of a line that will never be finished: read it once more as complete.
            open.flushed_partial = Some(pos.offset);
            if let Ok(bytes) = read_line_at(&open.file, pos.offset, MAX_LINE_BYTES) {
                batch.push(TailLine {
                    generation: open.generation,
                    pos,
                    content: LineContent::Text(bytes),
                });
            }
        }
        open.remember_fingerprint();
        if !batch.is_empty() && !sink(TailEvent::Lines(batch)) {
            return false;
        }
        if !self.caught_up {
            self.caught_up = true;
            return sink(TailEvent::Notice(Notice::CaughtUp));
        }
        true
    }
}
