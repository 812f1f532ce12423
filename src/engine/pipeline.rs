//! Every record of the inputs through the engine, on every core, in input order. One thread
//! reads lines in chunks; workers parse, validate and route each chunk on its own
//! (`engine::judge_alone`); the caller's thread takes the chunks back in order and folds them
//! through what depends on earlier records (duplicates, profiles) before handing each outcome
//! on. Queues are bounded, so memory is a few chunks per thread whatever the input's size.
//!
//! A caller may have the workers render each outcome too (`run_rendered`), which moves work
//! off the caller's thread, the one every record passes through. A worker renders a chunk
//! only while that thread is behind (chunks wait for it), so that the work balances on any
//! traffic and any number of cores; the caller's thread renders the rest. A fold that adds
//! findings (a profile warning) amends the rendered line rather than rendering it anew.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use crate::engine::{Engine, Judged, Outcome, Recalled, judge_alone};
use crate::read::input::{Chunk, Record, Records};
use crate::workspace::Workspace;

/// Lines per chunk, and the bytes that end a chunk early: large enough that handing chunks
/// between threads costs little, small enough that the first outcome comes at once.
const CHUNK_LINES: usize = 256;
const CHUNK_BYTES: usize = 1 << 20;

/// What the workers do to each outcome as judged alone, into a buffer of the chunk's.
pub trait Render: Clone + Send + Sync {
    /// Appends the rendering of `o` to `out` and returns where in `out` the findings that a
    /// fold recalls would be written in.
    fn render(&mut self, o: &Outcome, out: &mut Vec<u8>) -> usize;
    /// Writes `pre`, the rendering of `o` as judged alone, to `out` with the findings the
    /// fold recalled (`o.recalled`, none of which changed its routes) written in at `at`.
    fn amend(&mut self, o: &Outcome, pre: &[u8], at: usize, out: &mut Vec<u8>);
}

/// For runs that render nothing on the workers.
#[derive(Clone)]
struct Nothing;

impl Render for Nothing {
    fn render(&mut self, _: &Outcome, _: &mut Vec<u8>) -> usize {
        0
    }
    fn amend(&mut self, _: &Outcome, _: &[u8], _: usize, _: &mut Vec<u8>) {}
}

/// A chunk back from a worker: its records judged, and what `R` rendered of each, if it did
/// (record `i`'s rendering ends at `spans[i].0`; its findings would go at `spans[i].1`).
struct Judgements {
    judged: Vec<Judged>,
    rendered: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

/// Feeds every record of every source to `engine` in order and each outcome to `f`, until
/// `f` says stop (true) or fails. A read error comes after the records read before it, naming
/// its file, and ends the run.
pub fn run(
    engine: &mut Engine,
    sources: Vec<Records>,
    mut f: impl FnMut(&Engine, Outcome) -> io::Result<bool>,
) -> io::Result<()> {
    drive(workers(), engine, sources, None::<&Nothing>, |e, o, _| {
        f(e, o)
    })
}

/// `run`, with each outcome also rendered by `render`: `f` gets the outcome's rendering when
/// a worker made it (amended with what the fold recalled), else None and renders it itself.
pub fn run_rendered<R: Render>(
    engine: &mut Engine,
    sources: Vec<Records>,
    render: &R,
    f: impl FnMut(&Engine, Outcome, Option<&[u8]>) -> io::Result<bool>,
) -> io::Result<()> {
    drive(workers(), engine, sources, Some(render), f)
}

fn drive<R: Render>(
    workers: usize,
    engine: &mut Engine,
    sources: Vec<Records>,
    render: Option<&R>,
    mut f: impl FnMut(&Engine, Outcome, Option<&[u8]>) -> io::Result<bool>,
) -> io::Result<()> {
    let ws = engine.workspace().clone();
    let behind = AtomicBool::new(false);
    let mut amend = Amend {
        render: render.cloned(),
        line: Vec::new(),
    };
    ordered_on(
        workers,
        &behind,
        |send| read(sources, send),
        || {
            let ws = ws.clone();
            let behind = &behind;
            let mut judge = Judge::new(render.cloned());
            move |chunk: io::Result<Chunk>| {
                chunk.map(|c| judge.chunk(&ws, c, behind.load(Ordering::Relaxed)))
            }
        },
        |judgements| fold(engine, judgements?, &mut amend, &mut f),
    )
}

/// `run` over every record, to the end.
pub fn run_all(
    engine: &mut Engine,
    sources: Vec<Records>,
    mut f: impl FnMut(&Engine, Outcome) -> io::Result<()>,
) -> io::Result<()> {
    run(engine, sources, |e, o| f(e, o).map(|()| false))
}

/// Every record decided under two workspaces (`diff`): each side's engine folds its own
/// outcomes (duplicates and profiles are per side), and `f` gets both outcomes of a record
/// together, in input order, until it says stop.
pub fn run_pair(
    old: &mut Engine,
    new: &mut Engine,
    sources: Vec<Records>,
    f: impl FnMut(Outcome, Outcome) -> io::Result<bool>,
) -> io::Result<()> {
    run_pair_with(old, new, sources, |r| (r.clone(), r), f)
}

/// `run_pair`, each side deciding its own version of the record (`split`, on the workers):
/// the side by side decides each vendor on the event in that vendor's words.
pub fn run_pair_with(
    old: &mut Engine,
    new: &mut Engine,
    sources: Vec<Records>,
    split: impl Fn(Record) -> (Record, Record) + Sync,
    mut f: impl FnMut(Outcome, Outcome) -> io::Result<bool>,
) -> io::Result<()> {
    let (old_ws, new_ws) = (old.workspace().clone(), new.workspace().clone());
    let split = &split;
    ordered_on(
        workers(),
        &AtomicBool::new(false),
        |send| read(sources, send),
        || {
            let (old_ws, new_ws) = (old_ws.clone(), new_ws.clone());
            let mut records = Vec::new();
            move |chunk: io::Result<Chunk>| {
                chunk.map(|c| {
                    c.records(&mut records);
                    records
                        .drain(..)
                        .map(|r| {
                            let (a, b) = split(r);
                            (judge_alone(&old_ws, a), judge_alone(&new_ws, b))
                        })
                        .collect::<Vec<_>>()
                })
            }
        },
        |judged| {
            for (a, b) in judged? {
                if f(old.fold(a), new.fold(b))? {
                    return Ok(true);
                }
            }
            Ok(false)
        },
    )
}

/// Runs `work` on the items `produce` sends, on every core but one, and hands the results to
/// `consume` in the order they were produced, on the caller's thread (the one left: it needs
/// a core of its own, or the workers outrun it). `produce` gets a send that says false once
/// the run is over; `make_work` makes each worker's state; `consume` says true to stop.
/// Queues are bounded (two items per worker each way).
pub fn ordered<J: Send, D: Send, W: FnMut(J) -> D>(
    produce: impl FnOnce(&mut dyn FnMut(J) -> bool) + Send,
    make_work: impl Fn() -> W + Sync,
    consume: impl FnMut(D) -> io::Result<bool>,
) -> io::Result<()> {
    ordered_on(
        workers(),
        &AtomicBool::new(false),
        produce,
        make_work,
        consume,
    )
}

/// `ordered`, on `workers` workers, keeping in `behind` which side waited last: true when a
/// worker found the results' queue full (the caller's thread is behind), false when the
/// caller's thread found it empty (the workers are).
fn ordered_on<J: Send, D: Send, W: FnMut(J) -> D>(
    workers: usize,
    behind: &AtomicBool,
    produce: impl FnOnce(&mut dyn FnMut(J) -> bool) + Send,
    make_work: impl Fn() -> W + Sync,
    mut consume: impl FnMut(D) -> io::Result<bool>,
) -> io::Result<()> {
    thread::scope(|scope| {
        let (jobs_tx, jobs_rx) = mpsc::sync_channel::<(u64, J)>(workers * 2);
        let (done_tx, done_rx) = mpsc::sync_channel::<(u64, D)>(workers * 2);
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        thread::Builder::new()
            .name("read".into())
            .spawn_scoped(scope, move || {
                let mut seq = 0;
                produce(&mut |job| {
                    seq += 1;
                    jobs_tx.send((seq - 1, job)).is_ok()
                });
            })?;
        for _ in 0..workers {
            let (jobs, done, make_work) = (jobs_rx.clone(), done_tx.clone(), &make_work);
            thread::Builder::new()
                .name("judge".into())
                .spawn_scoped(scope, move || {
                    let mut work = make_work();
                    loop {
                        let next = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok((seq, job)) = next else { return };
                        let sent = match done.try_send((seq, work(job))) {
                            Err(mpsc::TrySendError::Full(result)) => {
                                behind.store(true, Ordering::Relaxed);
                                done.send(result).is_ok()
                            }
                            sent => sent.is_ok(),
                        };
                        if !sent {
                            return;
                        }
                    }
                })?;
        }
        drop(done_tx);
        // Results that came back before an earlier one; at most the items in flight.
        let mut early = BTreeMap::new();
        let mut next = 0u64;
        // Returning drops `done_rx`: workers and the producer then stop at their next send.
        loop {
            let done = match early.remove(&next) {
                Some(d) => d,
                None => match done_rx.try_recv().or_else(|_| {
                    behind.store(false, Ordering::Relaxed);
                    done_rx.recv()
                }) {
                    Ok((seq, d)) if seq == next => d,
                    Ok((seq, d)) => {
                        early.insert(seq, d);
                        continue;
                    }
                    Err(_) => return Ok(()),
                },
            };
            next += 1;
            if consume(done)? {
                return Ok(());
            }
        }
    })
}

/// Worker threads: every core but the caller's, at least one.
fn workers() -> usize {
    thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, 9)
        - 1
}

/// Reads every source in order, chunk by chunk. A read error ends the run.
fn read(sources: Vec<Records>, send: &mut dyn FnMut(io::Result<Chunk>) -> bool) {
    for mut source in sources {
        while let Some(chunk) = source.next_chunk(CHUNK_LINES, CHUNK_BYTES) {
            let failed = chunk.is_err();
            let chunk = chunk.map_err(|e| {
                let file = crate::text::printable(source.file()).into_owned();
                io::Error::new(e.kind(), format!("{file}: cannot read input: {e}"))
            });
            if !send(chunk) || failed {
                return;
            }
        }
    }
}

/// A worker's state: parses, validates and routes a chunk's records, each on its own, and
/// renders each outcome with `render` when asked.
struct Judge<R> {
    render: Option<R>,
    records: Vec<Record>,
    /// What the last chunk rendered: the next is likely as long, and growing to it copies.
    rendered: usize,
}

impl<R: Render> Judge<R> {
    fn new(render: Option<R>) -> Self {
        Self {
            render,
            records: Vec::new(),
            rendered: 0,
        }
    }

    fn chunk(&mut self, ws: &Workspace, chunk: Chunk, render: bool) -> Judgements {
        chunk.records(&mut self.records);
        let render = self.render.as_mut().filter(|_| render);
        let mut out = Judgements {
            judged: Vec::with_capacity(self.records.len()),
            rendered: Vec::with_capacity(if render.is_some() {
                self.rendered + self.rendered / 4
            } else {
                0
            }),
            spans: Vec::new(),
        };
        match render {
            Some(render) => {
                out.spans.reserve(self.records.len());
                for r in self.records.drain(..) {
                    let judged = judge_alone(ws, r);
                    let at = render.render(judged.outcome(), &mut out.rendered);
                    out.spans.push((out.rendered.len(), at));
                    out.judged.push(judged);
                }
                self.rendered = out.rendered.len();
            }
            None => out
                .judged
                .extend(self.records.drain(..).map(|r| judge_alone(ws, r))),
        }
        out
    }
}

/// The folding thread's side of rendering: amends a worker's line with what the fold recalled.
struct Amend<R> {
    render: Option<R>,
    line: Vec<u8>,
}

/// Folds a chunk's records through the engine in order; true when `f` says stop.
fn fold<R: Render>(
    engine: &mut Engine,
    chunk: Judgements,
    amend: &mut Amend<R>,
    f: &mut impl FnMut(&Engine, Outcome, Option<&[u8]>) -> io::Result<bool>,
) -> io::Result<bool> {
    let Judgements {
        judged,
        rendered,
        spans,
    } = chunk;
    let mut start = 0;
    for (i, judged) in judged.into_iter().enumerate() {
        let outcome = engine.fold(judged);
        let pre = spans.get(i).map(|&(end, at)| {
            let r = (&rendered[start..end], at - start);
            start = end;
            r
        });
        let line = match (pre, &mut amend.render) {
            (Some((line, _)), _) if outcome.recalled.is_empty() => Some(line),
            // A duplicate's routes change: it is rendered anew.
            (Some((line, at)), Some(render))
                if !outcome.recalled.iter().any(Recalled::changes_routes) =>
            {
                amend.line.clear();
                render.amend(&outcome, line, at, &mut amend.line);
                Some(&amend.line[..])
            }
            _ => None,
        };
        if f(engine, outcome, line)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// 1,500 lines over several chunks: duplicates across chunk boundaries, consent changes
    /// and broken lines, so that order matters to the outcomes.
    fn input() -> String {
        let mut s = String::new();
        for i in 0..1500 {
            let granted = i % 3 != 0;
            let _ = writeln!(
                s,
                r#"{{"type":"track","event":"e","userId":"u{}","messageId":"m{}","context":{{"consent":{{"categoryPreferences":{{"C0001":true,"C0002":{granted}}}}}}}}}"#,
                i % 7,
                i % 400
            );
            if i % 250 == 0 {
                s.push_str("{broken\n");
            }
        }
        s
    }

    fn records(text: &str) -> Records {
        Records::from_reader(
            "t.jsonl",
            Box::new(io::Cursor::new(text.as_bytes().to_vec())),
        )
        .unwrap()
    }

    fn summary(o: &Outcome) -> String {
        format!("{:?} {:?} {:?}", o.origin, o.findings, o.routes)
    }

    #[test]
    fn outcomes_come_in_input_order_as_one_thread_gives_them() {
        let ws = Arc::new(
            Workspace::load(std::path::Path::new("samples/consent-settings.json")).unwrap(),
        );
        let text = input();
        let mut one = Engine::new(ws.clone());
        let expected: Vec<String> = records(&text)
            .map(|r| summary(&one.ingest(r.unwrap())))
            .collect();
        let mut engine = Engine::new(ws.clone());
        let mut got = Vec::new();
        run(&mut engine, vec![records(&text), records(&text)], |_, o| {
            got.push(summary(&o));
            Ok(false)
        })
        .unwrap();
        assert_eq!(got.len(), expected.len() * 2);
        assert_eq!(got[..expected.len()], expected[..]);
        // The second copy: every messageId is now a duplicate.
        assert!(
            got[expected.len()..]
                .iter()
                .any(|s| s.contains("Duplicate"))
        );
        // Rendered on the workers: the same lines, redone here only for what the fold changed.
        let mut nd = crate::analyses::ndjson::Ndjson::new(&ws);
        let mut one = Engine::new(ws.clone());
        let mut expected = Vec::new();
        for r in records(&text).chain(records(&text)) {
            nd.write(&mut expected, &one.ingest(r.unwrap())).unwrap();
        }
        // Every chunk rendered by a worker: a line the fold warned about comes amended,
        // and only duplicates are rendered anew.
        let mut judge = Judge::new(Some(nd.clone()));
        let mut amend = Amend {
            render: Some(nd.clone()),
            line: Vec::new(),
        };
        let (mut engine, mut got) = (Engine::new(ws.clone()), Vec::new());
        let (mut amended, mut redone) = (0, 0);
        for mut source in [records(&text), records(&text)] {
            while let Some(chunk) = source.next_chunk(100, CHUNK_BYTES) {
                let judgements = judge.chunk(&ws, chunk.unwrap(), true);
                fold(&mut engine, judgements, &mut amend, &mut |_, o, line| {
                    let duplicate = o.recalled.iter().any(Recalled::changes_routes);
                    if let Some(line) = line {
                        assert!(!duplicate);
                        amended += usize::from(!o.recalled.is_empty());
                        got.extend_from_slice(line);
                    } else {
                        assert!(duplicate, "rendered anew: {}", summary(&o));
                        redone += 1;
                        nd.write(&mut got, &o)?;
                    }
                    Ok(false)
                })
                .unwrap();
            }
        }
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected)
        );
        assert!(amended > 100, "amended {amended}");
        assert!(redone >= 1500, "every duplicate is redone: {redone}");
        // Whoever renders, as the balance between the threads has it, the lines are the same.
        for workers in [1, 2] {
            let mut got = Vec::new();
            let mut engine = Engine::new(ws.clone());
            drive(
                workers,
                &mut engine,
                vec![records(&text), records(&text)],
                Some(&nd.clone()),
                |_, o, line| {
                    match line {
                        Some(line) => got.extend_from_slice(line),
                        None => nd.write(&mut got, &o)?,
                    }
                    Ok(false)
                },
            )
            .unwrap();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8_lossy(&expected)
            );
        }
        // Stopping early stops the threads too (the scope would hang otherwise).
        let mut seen = 0;
        run(&mut Engine::new(ws), vec![records(&text)], |_, _| {
            seen += 1;
            Ok(seen == 10)
        })
        .unwrap();
        assert_eq!(seen, 10);
    }
}
