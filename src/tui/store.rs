//! What the reader thread builds and the UI reads: one compact row per event (offsets and a few
//! fields, never the event's JSON), the engine with its profiles, and running counts.

use foldhash::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread;

use consent_inspector::engine::{Engine, Outcome};
use consent_inspector::event::{Field, Kind};
use consent_inspector::input::{Origin, records_from_line};
use consent_inspector::profile::IdentityId;
use consent_inspector::route::{Block, Decision};
use consent_inspector::settings::Workspace;
use consent_inspector::tail::{FollowOptions, Generations, Notice, TailEvent, follow};
use consent_inspector::validate::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warnings,
    NotIngested,
}

/// One event, compactly. Everything else is read again from the file when needed.
#[derive(Debug, Clone)]
pub struct Row {
    pub generation: u32,
    pub offset: u64,
    pub line: u64,
    pub index: Option<u32>,
    /// Seconds since midnight of the event's timestamp, as written.
    pub time: Option<u32>,
    pub kind: Option<Kind>,
    /// Interned event (or page/screen) name; 0 is none. Names and users share one table.
    pub name: u32,
    pub identity: Option<IdentityId>,
    /// Interned userId (else anonymousId) as written, shown even for events not ingested.
    pub user: u32,
    pub status: Status,
    pub delivered: u16,
    pub blocked: u16,
    /// Bit per destination (the first 64) that an ingested event was blocked for.
    pub blocked_set: u64,
}

impl Row {
    pub fn is_problem(&self) -> bool {
        self.status != Status::Ok
    }
}

#[derive(Debug, Clone, Default)]
pub struct DestStats {
    pub delivered: u64,
    pub blocked: u64,
    /// Per category index: how often it blocked this destination.
    pub blocked_by: Vec<u64>,
    pub removed_by_integrations: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub events: u64,
    pub not_ingested: u64,
    pub warnings: u64,
    pub blocked_routes: u64,
    /// Events with at least one blocked destination.
    pub blocked_events: u64,
}

pub struct Store {
    pub engine: Engine,
    pub rows: Vec<Row>,
    names: Vec<Box<str>>,
    name_index: HashMap<Box<str>, u32>,
    /// Findings that depend on history, by row: they cannot be found again from the line.
    pub history_findings: HashMap<usize, Vec<Finding>>,
    pub dest: Vec<DestStats>,
    pub counts: Counts,
    pub notice: Option<String>,
    pub caught_up: bool,
    pub generations: Generations,
    /// What is being read, for the status bar.
    pub source: String,
    pub demo: bool,
}

impl Store {
    pub fn new(ws: Arc<Workspace>, source: String, demo: bool) -> Self {
        let dest = ws
            .destinations
            .iter()
            .map(|_| DestStats {
                blocked_by: vec![0; ws.categories.len()],
                ..DestStats::default()
            })
            .collect();
        Self {
            engine: Engine::new(ws),
            rows: Vec::new(),
            names: vec!["".into()],
            name_index: HashMap::default(),
            history_findings: HashMap::default(),
            dest,
            counts: Counts::default(),
            notice: None,
            caught_up: false,
            generations: Generations::default(),
            source,
            demo,
        }
    }

    pub fn workspace(&self) -> &Arc<Workspace> {
        self.engine.workspace()
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.name_index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.name_index.insert(name.into(), i);
        i
    }

    /// Adds one outcome as a row and counts it.
    pub fn push(&mut self, generation: u32, o: Outcome) {
        let ev = o.event();
        let label = ev.and_then(|e| e.event_name().or_else(|| e.text(Field::Name)));
        let name = label.map_or(0, |n| self.intern(&n));
        let user = ev.and_then(|e| e.identity()).map_or(0, |u| self.intern(&u));
        let time = ev.and_then(|e| {
            Field::TIMESTAMPS
                .iter()
                .find_map(|f| e.get(*f).and_then(|v| v.as_str().and_then(seconds_of_day)))
        });
        let kind = ev.and_then(|e| e.kind());
        let status = if !o.ingested() {
            Status::NotIngested
        } else if o.has_warnings() {
            Status::Warnings
        } else {
            Status::Ok
        };
        let mut blocked_set = 0u64;
        for r in &o.routes {
            let stats = &mut self.dest[r.destination];
            match &r.decision {
                Decision::Deliver(_) => stats.delivered += 1,
                // Not ingested is no decision about this destination: counted once, per event.
                Decision::Block(Block::NotIngested) => {}
                Decision::Block(b) => {
                    stats.blocked += 1;
                    if r.destination < 64 {
                        blocked_set |= 1 << r.destination;
                    }
                    match b {
                        Block::NotConsented { blocked_by } => {
                            for bl in blocked_by {
                                stats.blocked_by[bl.category as usize] += 1;
                            }
                        }
                        Block::IntegrationsObject { .. } => stats.removed_by_integrations += 1,
                        Block::NotIngested => {}
                    }
                }
            }
        }
        let (delivered, blocked) = (o.delivered(), o.blocked());
        self.counts.events += 1;
        self.counts.blocked_routes += blocked as u64;
        match status {
            Status::NotIngested => self.counts.not_ingested += 1,
            Status::Warnings => self.counts.warnings += 1,
            Status::Ok => {}
        }
        if status != Status::NotIngested && blocked > 0 {
            self.counts.blocked_events += 1;
        }
        let history: Vec<Finding> = o
            .findings
            .iter()
            .filter(|f| f.code.needs_history())
            .cloned()
            .collect();
        if !history.is_empty() {
            self.history_findings.insert(self.rows.len(), history);
        }
        let Origin {
            line,
            index,
            offset,
            ..
        } = o.origin;
        self.rows.push(Row {
            generation,
            offset,
            line,
            index,
            time,
            kind,
            name,
            identity: o.identity,
            user,
            status,
            delivered: delivered as u16,
            blocked: blocked as u16,
            blocked_set,
        });
    }
}

/// `HH:MM:SS` of an RFC 3339 timestamp, as seconds since midnight.
fn seconds_of_day(ts: &str) -> Option<u32> {
    let b = ts.as_bytes();
    if b.len() < 19 || b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let num = |i: usize| -> Option<u32> {
        let s = ts.get(i..i + 2)?;
        s.parse().ok()
    };
    Some(num(11)? * 3600 + num(14)? * 60 + num(17)?)
}

pub type Shared = Arc<RwLock<Store>>;

/// Reads `path` on a thread of its own and feeds the store; sets `dirty` after each change.
pub fn spawn_reader(
    path: PathBuf,
    follow_on: bool,
    store: Shared,
    dirty: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let generations = store
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .generations
            .clone();
        let file: Arc<str> = Arc::from(path.display().to_string());
        let opts = FollowOptions {
            follow: follow_on,
            ..FollowOptions::default()
        };
        let mut records = Vec::new();
        follow(&path, opts, &generations, &stop, |event| {
            match event {
                TailEvent::Lines(lines) => {
                    // Parse outside the lock; the lock is held only to route and record.
                    let mut parsed = Vec::with_capacity(lines.len());
                    for l in &lines {
                        records.clear();
                        records_from_line(&file, l.pos, l.as_line(), &mut records);
                        parsed.extend(records.drain(..).map(|r| (l.generation, r)));
                    }
                    let mut s = store.write().unwrap_or_else(|e| e.into_inner());
                    for (generation, r) in parsed {
                        let o = s.engine.ingest(r);
                        s.push(generation, o);
                    }
                }
                TailEvent::Notice(Notice::CaughtUp) => {
                    store.write().unwrap_or_else(|e| e.into_inner()).caught_up = true;
                }
                TailEvent::Notice(n) => {
                    store.write().unwrap_or_else(|e| e.into_inner()).notice = Some(n.to_string());
                }
            }
            dirty.store(true, Ordering::Release);
            !stop.load(Ordering::Relaxed)
        });
    })
}
