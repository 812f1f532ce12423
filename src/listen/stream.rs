//! An answer written by a blocking task (a scan of the capture) and sent as it is written. The
//! server holds a few chunks of an answer in memory; when the client reads slower than the
//! scan writes, the rest goes to a spill file beside the capture, so that the scan ends and
//! frees its place at once, and the client reads the rest from disk at its own pace. (A scan
//! used to wait for its client: two clients that never read held both places for 30 s, and
//! every other inspector answer waited for them.)

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use hyper::body::{Body, Bytes, Frame};
use tokio::sync::mpsc;

/// The size of one chunk sent.
const CHUNK: usize = 64 * 1024;
/// Chunks written but not yet sent: with `CHUNK`, what one answer holds in memory at most.
const QUEUE: usize = 4;

/// What a writer sends: bytes, or why the answer could not be finished.
type Piece = Result<Bytes, String>;

/// The part of an answer its client was too slow for: the spill file, and why the answer
/// ended early, if it did. Written by the scan only, and read by the body only after the scan
/// has ended (its channel closed).
#[derive(Default)]
struct Spill {
    file: Option<File>,
    failed: Option<String>,
    rewound: bool,
}

type Shared = Arc<Mutex<Spill>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Spill> {
    s.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `Write` end, for the blocking task.
pub struct Sink {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
    spill: Shared,
    /// Where a spill file is made: beside the capture, on the disk it is on.
    dir: PathBuf,
    spilling: bool,
}

impl Sink {
    fn send(&mut self, piece: Piece) -> io::Result<()> {
        if !self.spilling {
            match self.tx.try_send(piece) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the client went away",
                    ));
                }
                Err(mpsc::error::TrySendError::Full(piece)) => {
                    lock(&self.spill).file = Some(tempfile::tempfile_in(&self.dir)?);
                    self.spilling = true;
                    return self.send(piece);
                }
            }
        }
        let mut spill = lock(&self.spill);
        match piece {
            Ok(bytes) => spill.file.as_mut().map_or(Ok(()), |f| f.write_all(&bytes)),
            Err(why) => {
                spill.failed = Some(why);
                Ok(())
            }
        }
    }

    /// Sends what is buffered; the answer ends when the sink is dropped.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()
    }

    /// Ends the answer with an error: before any byte was sent, the client gets it as the
    /// answer (500); after, the connection is cut, so a partial answer never looks whole.
    pub fn fail(mut self, why: String) {
        let _ = self.flush();
        let _ = self.send(Err(why));
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.send(Ok(chunk))
    }
}

/// The body end, for hyper: the first piece, already taken to choose the status, then the
/// rest as it comes, then what was spilled.
pub struct Streamed {
    first: Option<Bytes>,
    rx: mpsc::Receiver<Piece>,
    spill: Shared,
}

impl Streamed {
    /// The next chunk of the spill file, once the scan has ended.
    fn spilled(&self) -> Option<Result<Frame<Bytes>, io::Error>> {
        let mut spill = lock(&self.spill);
        let Spill {
            file,
            failed,
            rewound,
        } = &mut *spill;
        let Some(f) = file.as_mut() else {
            return failed.take().map(|why| Err(io::Error::other(why)));
        };
        if !*rewound {
            *rewound = true;
            if let Err(e) = f.seek(SeekFrom::Start(0)) {
                return Some(Err(e));
            }
        }
        let mut chunk = vec![0; CHUNK];
        match f.read(&mut chunk) {
            Ok(0) => {
                *file = None;
                failed.take().map(|why| Err(io::Error::other(why)))
            }
            Ok(n) => {
                chunk.truncate(n);
                Some(Ok(Frame::data(Bytes::from(chunk))))
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl Body for Streamed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(piece)) => {
                Poll::Ready(Some(piece.map(Frame::data).map_err(io::Error::other)))
            }
            // The scan has ended: what it spilled comes last.
            Poll::Ready(None) => Poll::Ready(self.spilled()),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Runs `write` on a blocking thread and waits for its first piece: `Err` when it failed
/// before sending anything (the answer is then a refusal), else the body to send. A spill
/// file, if one is needed, is made in `dir`.
pub async fn run(
    dir: PathBuf,
    write: impl FnOnce(&mut Sink) -> io::Result<()> + Send + 'static,
) -> Result<Streamed, String> {
    let (tx, mut rx) = mpsc::channel(QUEUE);
    let spill = Shared::default();
    let theirs = spill.clone();
    tokio::task::spawn_blocking(move || {
        let mut sink = Sink {
            tx,
            buf: Vec::with_capacity(CHUNK),
            spill: theirs,
            dir,
            spilling: false,
        };
        match write(&mut sink) {
            Ok(()) => {
                let _ = sink.finish();
            }
            Err(e) => sink.fail(e.to_string()),
        }
    });
    match rx.recv().await {
        Some(Err(why)) => Err(why),
        first => Ok(Streamed {
            first: first.map(Result::unwrap_or_default),
            rx,
            spill,
        }),
    }
}
