//! An answer written by a blocking task (a scan of the capture) and sent as it is written, so
//! the server holds a few chunks of it at a time, never the whole answer. A client that stops
//! reading stops the scan once `STALL` passes.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

/// The size of one chunk sent.
const CHUNK: usize = 64 * 1024;
/// Chunks written but not yet sent: with `CHUNK`, what one answer holds at most.
const QUEUE: usize = 4;
/// How long a chunk waits for a client that does not read before the scan gives up.
const STALL: Duration = Duration::from_secs(30);

/// What a writer sends: bytes, or why the answer could not be finished.
type Piece = Result<Bytes, String>;

/// The `Write` end, for the blocking task.
pub struct Sink {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
    runtime: Handle,
}

impl Sink {
    fn send(&mut self, piece: Piece) -> io::Result<()> {
        self.runtime
            .block_on(self.tx.send_timeout(piece, STALL))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client stopped reading"))
    }

    /// Sends what is buffered; the answer ends when the sink is dropped.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush()
    }

    /// Ends the answer with an error: before any byte was sent, the client gets it as the
    /// answer (500); after, the connection is cut, so a partial answer never looks whole.
    pub fn fail(mut self, why: String) {
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
/// rest as it comes.
pub struct Streamed {
    first: Option<Bytes>,
    rx: mpsc::Receiver<Piece>,
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
        self.rx
            .poll_recv(cx)
            .map(|piece| piece.map(|p| p.map(Frame::data).map_err(io::Error::other)))
    }
}

/// Runs `write` on a blocking thread and waits for its first piece: `Err` when it failed
/// before sending anything (the answer is then a refusal), else the body to send.
pub async fn run(
    write: impl FnOnce(&mut Sink) -> io::Result<()> + Send + 'static,
) -> Result<Streamed, String> {
    let (tx, mut rx) = mpsc::channel(QUEUE);
    let runtime = Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut sink = Sink {
            tx,
            buf: Vec::with_capacity(CHUNK),
            runtime,
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
        }),
    }
}
