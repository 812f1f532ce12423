//! Output that ends on a record boundary however the run ends. Ctrl-C (SIGINT) or SIGTERM
//! used to end `route` by the default action, mid-`write`: the kernel stops a write to a file
//! at a page when the signal is fatal, which left half a record (`…"discard":"DUPLIC`) that
//! `jq` then fails on. Here the signals are caught, every record is written under one lock,
//! and a watcher thread takes that lock (so no record is half written), flushes the records
//! buffered, and ends the process with 128 + the signal's number, as a shell reports it.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// `W` behind the lock the watcher takes; `record` writes one record under it.
pub struct Guarded<W: Write + Send + 'static> {
    inner: Arc<Mutex<W>>,
}

impl<W: Write + Send + 'static> Guarded<W> {
    /// Guards `out`, and starts the watcher (without signal handling, where it cannot be
    /// installed, the default action still ends the process).
    pub fn new(out: W) -> Self {
        let inner = Arc::new(Mutex::new(out));
        let watched = inner.clone();
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
        ]) {
            let _ = std::thread::Builder::new()
                .name("interrupt".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        let mut out = watched.lock().unwrap_or_else(PoisonError::into_inner);
                        let _ = out.flush();
                        std::process::exit(128 + signal);
                    }
                });
        }
        Self { inner }
    }

    fn lock(&self) -> MutexGuard<'_, W> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one whole record (what `f` writes) before an interruption can end the run.
    pub fn record<T>(&self, f: impl FnOnce(&mut W) -> io::Result<T>) -> io::Result<T> {
        f(&mut self.lock())
    }

    pub fn flush(&self) -> io::Result<()> {
        self.lock().flush()
    }
}

/// What was written reaches the output when a run ends early with an error too (a gzip file
/// cut short prints what came before it); the watcher's handle keeps `W` itself alive.
impl<W: Write + Send + 'static> Drop for Guarded<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
