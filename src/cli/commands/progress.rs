//! The progress bar on stderr for commands that read whole inputs: shown only when stderr is
//! a terminal, `-q` is not given and the run lasts long enough to need one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this never show a bar: it would only flicker.
const DELAY: Duration = Duration::from_millis(300);
const TICK: Duration = Duration::from_millis(100);

/// Bytes read so far, shared with the inputs; the bar (if any) ends when this is dropped.
pub struct Progress {
    pub read: Arc<AtomicU64>,
    /// Files of folders opened so far (of `files` found).
    pub files: Arc<AtomicU64>,
    stop: Option<mpsc::Sender<()>>,
    drawer: Option<thread::JoinHandle<()>>,
}

impl Progress {
    /// `total`: the inputs' sizes, when all are files (stdin has none); `files`: how many
    /// files the folders among them hold.
    pub fn start(show: bool, total: Option<u64>, files: u64) -> Self {
        let read = Arc::new(AtomicU64::new(0));
        let opened = Arc::new(AtomicU64::new(0));
        if !show {
            return Self {
                read,
                files: opened,
                stop: None,
                drawer: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let (counted, counted_files) = (read.clone(), opened.clone());
        let drawer = thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw(&counted, total, (&counted_files, files), &stopped))
            .ok();
        Self {
            read,
            files: opened,
            stop: Some(stop),
            drawer,
        }
    }
}

fn draw(
    read: &AtomicU64,
    total: Option<u64>,
    (opened, files): (&AtomicU64, u64),
    stopped: &mpsc::Receiver<()>,
) {
    if stopped.recv_timeout(DELAY) != Err(mpsc::RecvTimeoutError::Timeout) {
        return;
    }
    let bar = match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(
            ProgressStyle::with_template(
                "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}, {eta} left{msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {binary_bytes} read, {binary_bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    loop {
        bar.set_position(read.load(Ordering::Relaxed));
        if files > 0 {
            bar.set_message(format!(
                ", file {} of {files}",
                opened.load(Ordering::Relaxed).min(files)
            ));
        }
        if stopped.recv_timeout(TICK) != Err(mpsc::RecvTimeoutError::Timeout) {
            break;
        }
    }
    // The output the bar sat beside stays; the bar leaves no trace.
    bar.finish_and_clear();
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(d) = self.drawer.take() {
            let _ = d.join();
        }
    }
}
