//! The benchmark: `cargo bench --bench throughput -- [--sizes 100000,1000000] [--huge]
//! [--traffic kind|churn|both] [--runs 3] [--listen 100000] [--inspector 50000,200000]
//! [--json FILE]`. Generates synthetic traffic of two kinds (consent that mostly stays put, and
//! consent that changes on every event), then times `route` against `jq -c .`, the jq consent
//! filter and the parse floor (one thread, and two on halves of the file), the terminal UI's
//! engine (indexing, the longest wait for its lock, memory, frame time, append latency), the UI
//! itself in a pseudo-terminal (its last row on screen, keys answered while it loads), and
//! `listen` (events per second from concurrent clients against a bare server's, request to
//! screen, memory; `--listen 0` skips it), and the memory `listen` takes to stream
//! `/inspector/events` over captures of `--inspector 50000,200000` events (`--inspector 0`
//! skips it). Prints tables and writes the figures as JSON.

// The binary's allocator, so the engine's memory is measured as the UI has it, wrapped to
// count the bytes allocated and not freed when `COUNTING` says so (the memory child only).
#[global_allocator]
static ALLOCATOR: Counting = Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);

struct Counting;

fn count(delta: i64) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed on to mimalloc unchanged; only a counter is added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count(layout.size() as i64);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        count(layout.size() as i64);
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        count(-(layout.size() as i64));
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        count(new as i64 - layout.size() as i64);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new) }
    }
}

mod inspector;
mod listen;
mod screen;
mod traffic;

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use consent_inspector::tui::fair_lock::FairLock;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_consent-inspector");
const SETTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/consent-settings.json");

/// The jq program a user would write instead of `route` to ask "which destinations are
/// blocked by consent for each event" of the sample workspace: rules 3 to 7 over
/// `context.consent.categoryPreferences`, with the mapping inlined (Amazon S3 and Engage do
/// not enforce consent; Webhooks is mapped to none).
const JQ_CONSENT: &str = r#"
def mapped: [
  {d: "Amplitude", c: ["C0002"]}, {d: "Google Analytics 4", c: ["C0002"]},
  {d: "Braze", c: ["C0002", "C0004"]}, {d: "Google Ads", c: ["C0004"]},
  {d: "Facebook Conversions API", c: ["C0004", "C0005"]},
  {d: "SendGrid", c: ["C0002", "C0003", "C0004"]}, {d: "Intercom", c: ["C0003"]}
];
(if has("batch") then .batch[] else . end)
| (.context.consent.categoryPreferences? // null) as $p
| {messageId, blocked: (if ($p | type) != "object" then [] else
    [mapped[] | . as $m | [$m.c[] | select($p[.] != true)] as $off
     | select($off | length > 0) | {destination: $m.d, blockedBy: $off}]
  end)}
"#;

struct Args {
    sizes: Vec<u64>,
    json: PathBuf,
    runs: usize,
    /// Events the `listen` section sends (0: none).
    listen: usize,
    /// Capture sizes (events) the `/inspector` section answers over (empty: none).
    inspector: Vec<u64>,
    /// The workloads measured (`--traffic kind|churn|both`; both by default).
    traffic: Vec<traffic::Traffic>,
}

fn parse_args() -> Args {
    let mut args = Args {
        sizes: vec![100_000, 1_000_000],
        json: PathBuf::from("target/bench-results.json"),
        runs: 3,
        listen: 100_000,
        inspector: vec![50_000, 200_000],
        traffic: vec![traffic::Traffic::Kind, traffic::Traffic::Churn],
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                args.sizes = it
                    .next()
                    .expect("--sizes N,N")
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse().expect("a number"))
                    .collect();
            }
            "--huge" => args.sizes.push(10_000_000),
            "--json" => args.json = PathBuf::from(it.next().expect("--json FILE")),
            "--runs" => args.runs = it.next().expect("--runs N").parse().expect("a number"),
            "--listen" => {
                args.listen = it.next().expect("--listen N").parse().expect("a number");
            }
            "--inspector" => {
                args.inspector = it
                    .next()
                    .expect("--inspector N,N (0: none)")
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse().expect("a number"))
                    .filter(|&n| n > 0)
                    .collect();
            }
            "--traffic" => {
                use traffic::Traffic::{Churn, Kind};
                args.traffic = match it.next().as_deref() {
                    Some("kind") => vec![Kind],
                    Some("churn") => vec![Churn],
                    Some("both") => vec![Kind, Churn],
                    other => panic!("--traffic kind|churn|both, not {other:?}"),
                };
            }
            "--bench" => {}
            other => {
                panic!(
                    "unknown argument {other}; use --sizes, --huge, --traffic, --listen, --inspector, --json, --runs"
                )
            }
        }
    }
    args
}

fn main() {
    // As the binary's `main` does, so the engine children measure the UI's allocator.
    consent_inspector::allocator::keep_freed_memory_a_while();
    let mut argv = std::env::args().skip(1);
    match argv.next().as_deref() {
        Some("--engine-child") => {
            let file = PathBuf::from(argv.next().expect("file"));
            let n: u64 = argv.next().expect("n").parse().expect("n");
            println!("{}", engine_child(&file, n));
            return;
        }
        Some("--memory-child") => {
            let file = PathBuf::from(argv.next().expect("file"));
            let n: u64 = argv.next().expect("n").parse().expect("n");
            println!("{}", memory_child(&file, n));
            return;
        }
        Some("--inspector-child") => {
            let file = PathBuf::from(argv.next().expect("file"));
            println!("{}", inspector::child(&file));
            return;
        }
        Some("--listen-child") => {
            let n: usize = argv.next().expect("n").parse().expect("n");
            let dir = PathBuf::from(argv.next().expect("dir"));
            println!("{}", listen::child(n, &dir));
            return;
        }
        _ => {}
    }
    let args = parse_args();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    fs::create_dir_all(&data).expect("target/bench-data");
    let jq = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !jq {
        eprintln!(
            "note: jq is not installed, so the comparison with jq is skipped (apt-get install jq)"
        );
    }
    let results: Vec<Value> = args
        .traffic
        .iter()
        .flat_map(|&t| args.sizes.iter().map(move |&n| (t, n)))
        .map(|(t, n)| measure(n, t, &data, &args, jq))
        .collect();
    print_table(&results);
    let listened = (args.listen > 0).then(|| {
        eprintln!(
            "listen: {} events from concurrent clients, then request-to-screen probes…",
            args.listen
        );
        let figures = child(&[
            "--listen-child",
            &args.listen.to_string(),
            data.to_str().unwrap(),
        ]);
        print_listen(&figures);
        figures
    });
    let inspected: Vec<Value> = args
        .inspector
        .iter()
        .map(|&n| {
            let file = data_file(&data, traffic::Traffic::Kind, n);
            ensure_data(&file, n, traffic::Traffic::Kind);
            eprintln!("/inspector/events over {n} events, once and eight at once…");
            child(&["--inspector-child", file.to_str().unwrap()])
        })
        .collect();
    if !inspected.is_empty() {
        inspector::print(&inspected);
    }
    let doc = json!({
        "generated_by": "cargo bench --bench throughput",
        "results": results,
        "listen": listened,
        "inspector": inspected,
    });
    fs::write(&args.json, serde_json::to_string_pretty(&doc).unwrap())
        .expect("write the JSON figures");
    eprintln!("figures written to {}", args.json.display());
}

/// `route`, its peers and the UI's engine over `n` generated events.
fn measure(n: u64, traffic: traffic::Traffic, data: &Path, args: &Args, jq: bool) -> Value {
    let file = data_file(data, traffic, n);
    let bytes = ensure_data(&file, n, traffic);
    eprintln!(
        "{n} events of {} traffic, {:.1} MB: timing route, jq, the parse floor and the UI engine…",
        traffic.name(),
        mb(bytes)
    );
    let route = best_of(args.runs, || {
        time_command(
            BIN,
            &[
                "route",
                "--settings",
                SETTINGS,
                "--format",
                "ndjson",
                file.to_str().unwrap(),
            ],
        )
    });
    let same_as_route = |command: &str| {
        best_of(args.runs, || {
            time_command(
                BIN,
                &[command, "--settings", SETTINGS, file.to_str().unwrap()],
            )
        })
    };
    let (check, profiles) = (same_as_route("check"), same_as_route("profiles"));
    let arrow = arrow_share(&file, args.runs);
    let (route_rules, route_distinct, diff) = variants(&file, data, args.runs);
    // jq stops at the first malformed line, so it reads the same events less the broken
    // lines (about 0.5%): the same work but for those.
    let valid = data.join(format!("events-{n}-valid.jsonl"));
    ensure_valid_copy(&file, &valid);
    let jq_t = jq.then(|| {
        best_of(args.runs, || {
            time_command("jq", &["-c", ".", valid.to_str().unwrap()])
        })
    });
    let jq_consent = jq.then(|| {
        best_of(args.runs, || {
            time_command("jq", &["-c", JQ_CONSENT, valid.to_str().unwrap()])
        })
    });
    let floor_any = best_of(args.runs, || parse_floor::<serde::de::IgnoredAny>(&file, 1));
    // The issue's floor: two threads of serde_json skimming halves of the file.
    let floor_any_2 = best_of(args.runs, || parse_floor::<serde::de::IgnoredAny>(&file, 2));
    let floor_value = best_of(args.runs, || parse_floor::<Value>(&file, 1));
    let mut engine = child(&["--engine-child", file.to_str().unwrap(), &n.to_string()]);
    engine["second_half"] = child(&["--memory-child", file.to_str().unwrap(), &n.to_string()]);
    eprintln!("  the UI in a pseudo-terminal: its last row on screen, keys while it loads…");
    engine["screen"] = screen::measure(BIN, SETTINGS, &file, n, args.runs);
    json!({
        "events": n,
        "traffic": traffic.name(),
        "bytes": bytes,
        "route_seconds": route,
        "route_with_rules_seconds": route_rules,
        "route_with_rules_share": route / route_rules,
        "route_with_distinct_rules_seconds": route_distinct,
        "route_with_distinct_rules_share": route / route_distinct,
        "route_mb_per_s": mb(bytes) / route,
        "diff_seconds": diff,
        "diff_mb_per_s": mb(bytes) / diff,
        "diff_share": route / diff,
        "route_events_per_s": n as f64 / route,
        "jq_seconds": jq_t,
        "check_mb_per_s": mb(bytes) / check,
        "profiles_mb_per_s": mb(bytes) / profiles,
        "route_vs_jq": jq_t.map(|j| j / route),
        "jq_consent_seconds": jq_consent,
        "route_vs_jq_consent": jq_consent.map(|j| j / route),
        "floor_ignored_seconds": floor_any,
        "floor_value_seconds": floor_value,
        "route_share_of_floor_ignored": floor_any / route,
        "floor_ignored_two_cores_seconds": floor_any_2,
        "route_share_of_floor_ignored_two_cores": floor_any_2 / route,
        "route_share_of_floor_value": floor_value / route,
        "engine": engine,
        "arrow": arrow,
    })
}

/// Python's `route_arrow` on one core against `route` per core (CPU seconds, so the two
/// cores `route` uses count as two): MB per CPU-second of each. Null when the package and
/// pyarrow are not installed (`pip install target/wheels/*.whl pyarrow`).
fn arrow_share(file: &Path, runs: usize) -> Value {
    const SCRIPT: &str = "import sys, time, pyarrow as pa\n\
        from consent_inspector import Workspace, route_arrow\n\
        ws = Workspace.load(sys.argv[1])\n\
        arr = pa.array(open(sys.argv[2], 'rb').read().decode('utf-8', 'replace').splitlines())\n\
        best = min((lambda t: (route_arrow(ws, arr), time.process_time() - t)[1])(time.process_time()) for _ in range(int(sys.argv[3])))\n\
        print(best)";
    let out = Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            SETTINGS,
            file.to_str().unwrap(),
            &runs.to_string(),
        ])
        .output();
    let Some(arrow_cpu) = out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<f64>().ok())
    else {
        return Value::Null;
    };
    let route_cpu = best_of(runs, || {
        cpu_of_command(
            BIN,
            &["route", "--settings", SETTINGS, file.to_str().unwrap()],
        )
    });
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    json!({
        "arrow_cpu_seconds": arrow_cpu,
        "route_cpu_seconds": route_cpu,
        "arrow_mb_per_cpu_s": mb(bytes) / arrow_cpu,
        "route_mb_per_cpu_s": mb(bytes) / route_cpu,
        "share": route_cpu / arrow_cpu,
    })
}

/// The CPU seconds (user and system) a command took, all its threads together.
fn cpu_of_command(program: &str, args: &[&str]) -> f64 {
    let used = || {
        // Safety: getrusage fills the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut u) };
        let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        s(u.ru_utime) + s(u.ru_stime)
    };
    let before = used();
    time_command(program, args);
    used() - before
}

/// `route` with the rules workspace (shared and distinct conditions) and `diff` against a
/// changed workspace, on `file`: their seconds.
fn variants(file: &Path, data: &Path, runs: usize) -> (f64, f64, f64) {
    // The same route with a workspace that has 20 destination filters and 40 Actions mappings:
    // as written (conditions repeat across destinations, as default mappings do, and are
    // decided once per event), and with every destination's conditions made distinct.
    let route_with = |settings: &Path| {
        best_of(runs, || {
            time_command(
                BIN,
                &[
                    "route",
                    "--settings",
                    settings.to_str().unwrap(),
                    "--format",
                    "ndjson",
                    file.to_str().unwrap(),
                ],
            )
        })
    };
    let (shared, distinct) = (
        data.join("rules-settings.json"),
        data.join("rules-distinct-settings.json"),
    );
    write_rules_settings(&shared, false);
    write_rules_settings(&distinct, true);
    let (route_rules, route_distinct) = (route_with(&shared), route_with(&distinct));
    // diff: the same file decided under the workspace and under it with one destination
    // remapped and a category disabled, its changed events as NDJSON.
    let against = data.join("diff-against-settings.json");
    write_diff_settings(&against);
    let diff = best_of(runs, || {
        time_command(
            BIN,
            &[
                "diff",
                "--settings",
                SETTINGS,
                "--against",
                against.to_str().unwrap(),
                "--format",
                "ndjson",
                file.to_str().unwrap(),
            ],
        )
    });
    (route_rules, route_distinct, diff)
}

/// This benchmark run again with `args`, in a process of its own so that its memory is its
/// own; the figures it prints.
fn child(args: &[&str]) -> Value {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .output()
        .expect("a benchmark child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the child's figures")
}

fn print_listen(r: &Value) {
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    println!();
    println!(
        "listen: {} events in calls of {}, {} clients over loopback, {:.1} MB",
        r["events"],
        r["events_per_call"],
        r["clients"],
        f("wire_mb")
    );
    let rows = [
        (
            "bare hyper server (events/s)",
            format!("{:.0}", f("floor_events_per_s")),
        ),
        (
            "listen, UI following (events/s)",
            format!("{:.0}", f("accepted_events_per_s")),
        ),
        (
            "listen / bare server (events/s)",
            format!("{:.0}%", 100.0 * f("accepted_share_of_floor")),
        ),
        (
            "engine caught up (events/s)",
            format!("{:.0}", f("followed_events_per_s")),
        ),
        (
            "request → row on screen, median (ms)",
            format!("{:.1}", f("request_to_screen_median_ms")),
        ),
        (
            "request → row on screen, p95 (ms)",
            format!("{:.1}", f("request_to_screen_p95_ms")),
        ),
        (
            "RSS before listen (MB, clients' bodies)",
            format!("{:.1}", f("baseline_rss_bytes") / 1e6),
        ),
        (
            "RSS after following (MB)",
            format!("{:.1}", f("rss_bytes") / 1e6),
        ),
        (
            "RSS growth per event followed (bytes)",
            format!(
                "{:.0}",
                (f("rss_bytes") - f("baseline_rss_bytes")) / f("events")
            ),
        ),
        ("peak RSS (MB)", format!("{:.1}", f("peak_rss_bytes") / 1e6)),
    ];
    for (label, value) in rows {
        println!("{label:<40}{value:>14}");
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Where the generated file of `n` events of `traffic` is kept (the kind traffic's name is the
/// one earlier runs used).
fn data_file(data: &Path, traffic: traffic::Traffic, n: u64) -> PathBuf {
    match traffic {
        traffic::Traffic::Kind => data.join(format!("events-{n}.jsonl")),
        traffic::Traffic::Churn => data.join(format!("churn-{n}.jsonl")),
    }
}

fn ensure_data(file: &Path, n: u64, traffic: traffic::Traffic) -> u64 {
    if let Ok(m) = fs::metadata(file) {
        return m.len();
    }
    let tmp = file.with_extension("tmp");
    let out = BufWriter::new(File::create(&tmp).unwrap());
    let bytes = traffic::write(out, n, 0x5eed, traffic).unwrap();
    fs::rename(&tmp, file).unwrap();
    bytes
}

fn ensure_valid_copy(file: &Path, valid: &Path) {
    if valid.exists() {
        return;
    }
    let mut out = BufWriter::new(File::create(valid).unwrap());
    for line in BufReader::new(File::open(file).unwrap()).split(b'\n') {
        let line = line.unwrap();
        if serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok() {
            out.write_all(&line).unwrap();
            out.write_all(b"\n").unwrap();
        }
    }
    out.flush().unwrap();
}

fn best_of(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..runs.max(1)).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn time_command(program: &str, args: &[&str]) -> f64 {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect(program);
    let t = start.elapsed().as_secs_f64();
    // `check` exits 1 when it finds what it reports; 2 and more are failures.
    assert!(
        status.code().is_some_and(|c| c <= 1),
        "{program} {args:?} failed"
    );
    t
}

/// Every line read and parsed with `serde_json` into `T`, the result ignored, by `threads`
/// threads each skimming its share of the file (split at line starts).
fn parse_floor<T: serde::de::DeserializeOwned>(file: &Path, threads: u64) -> f64 {
    let start = Instant::now();
    let len = fs::metadata(file).unwrap().len();
    // Each share starts after the newline at or past its nominal offset.
    let line_start = |at: u64| -> u64 {
        if at == 0 {
            return 0;
        }
        let mut f = File::open(file).unwrap();
        f.seek(SeekFrom::Start(at - 1)).unwrap();
        let mut skipped = Vec::new();
        let n = BufReader::new(f).read_until(b'\n', &mut skipped).unwrap();
        at - 1 + n as u64
    };
    let bounds: Vec<u64> = (0..=threads)
        .map(|i| line_start(len * i / threads).min(len))
        .collect();
    let ok: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                s.spawn(move || {
                    let mut f = File::open(file).unwrap();
                    f.seek(SeekFrom::Start(from)).unwrap();
                    let mut r = BufReader::with_capacity(1 << 16, f.take(to - from));
                    let mut line = Vec::new();
                    let mut ok = 0u64;
                    while r.read_until(b'\n', &mut line).unwrap() > 0 {
                        ok += u64::from(serde_json::from_slice::<T>(&line).is_ok());
                        line.clear();
                    }
                    ok
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    std::hint::black_box(ok);
    start.elapsed().as_secs_f64()
}

fn proc_status(field: &str) -> u64 {
    let s = fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median and worst of 100 frames drawn at `width` x `height`, moving about between them
/// so that frames draw different rows and details.
fn frames(
    app: &mut consent_inspector::tui::app::App,
    store: &consent_inspector::tui::store::Shared,
    theme: consent_inspector::tui::ui::Theme,
    width: u16,
    height: u16,
) -> (f64, f64) {
    use consent_inspector::tui::app::Action;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    app.update(Action::Resize { width, height });
    let mut term = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut frames: Vec<f64> = (0..100)
        .map(|i| {
            if i % 10 == 0 {
                app.update(Action::PageUp);
            }
            let t = Instant::now();
            term.draw(|f| consent_inspector::tui::ui::draw(f, app, &store.read().unwrap(), theme))
                .unwrap();
            t.elapsed().as_secs_f64()
        })
        .collect();
    let worst = frames.iter().copied().fold(0.0, f64::max);
    (median(&mut frames), worst)
}

/// The UI's state as the UI has it when following, on a 120x40 screen.
fn following_app(
    store: &consent_inspector::tui::store::Shared,
) -> consent_inspector::tui::app::App {
    use consent_inspector::tui;
    tui::app::App::new(
        store.clone(),
        tui::standalone_searcher(store),
        true,
        120,
        40,
    )
}

/// The UI's store, its reader started on `file` (following it).
fn start_indexing(file: &Path) -> consent_inspector::tui::store::Shared {
    use consent_inspector::tui::{self, store::Store, store::spawn_reader};

    let ws = Arc::new(consent_inspector::workspace::Workspace::load(Path::new(SETTINGS)).unwrap());
    let store = Arc::new(FairLock::new(Store::new(
        ws,
        file.display().to_string(),
        false,
        tui::store::MAX_EVENTS,
    )));
    spawn_reader(
        file.to_path_buf(),
        true,
        store.clone(),
        tui::event::Waker::detached(),
        Arc::new(AtomicBool::new(false)),
    );
    store
}

/// What each event indexed costs in the second half of `file`, in a process of its own: the
/// slope of heap bytes (allocated and not freed) and of resident memory against rows, each
/// a least-squares line through samples taken every 2 ms while indexing (a slope, not the
/// total over a guessed base; one sample taken as a buffer doubles cannot decide it).
fn memory_child(file: &Path, n: u64) -> Value {
    COUNTING.store(true, Ordering::Relaxed);
    let store = start_indexing(file);
    let (mut heap, mut rss) = (Vec::new(), Vec::new());
    loop {
        let (rows, caught_up) = {
            let s = store.read().unwrap();
            (s.len() as f64, s.caught_up)
        };
        if rows >= (n / 2) as f64 {
            heap.push((rows, LIVE.load(Ordering::Relaxed) as f64));
            rss.push((rows, proc_status("VmRSS:") as f64));
        }
        if caught_up {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let two_points = |v: &[(f64, f64)]| {
        let ((x0, y0), (x1, y1)) = (v[0], v[v.len() - 1]);
        (y1 - y0) / (x1 - x0).max(1.0)
    };
    json!({
        "heap_bytes_per_event": least_squares_slope(&heap),
        "heap_bytes_per_event_two_points": two_points(&heap),
        "rss_bytes_per_event": least_squares_slope(&rss),
        "rss_bytes_per_event_two_points": two_points(&rss),
        "heap_bytes": LIVE.load(Ordering::Relaxed),
    })
}

/// The UI's engine over `file`, in a process of its own so its memory is its own.
fn engine_child(file: &Path, n: u64) -> Value {
    use consent_inspector::tui::{self, app::Action};

    let base_rss = proc_status("VmRSS:");
    let start = Instant::now();
    let store = start_indexing(file);
    // How long the UI would wait for the store while it loads: the longest wait for its lock
    // (the reader holds it to fold each batch), and when.
    let (mut lock_worst, mut lock_worst_at) = (0f64, 0f64);
    loop {
        let asked = Instant::now();
        let caught_up = store.read().unwrap().caught_up;
        let waited = asked.elapsed().as_secs_f64();
        if waited > lock_worst {
            (lock_worst, lock_worst_at) = (waited, asked.duration_since(start).as_secs_f64());
        }
        if caught_up {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let index_seconds = start.elapsed().as_secs_f64();
    let rows = store.read().unwrap().len() as u64;
    let rss = proc_status("VmRSS:");
    let peak = proc_status("VmHWM:");

    let mut app = following_app(&store);
    app.sync();
    // As the budget is stated: a filter and a search active, the search's scan complete.
    app.update(Action::Filter(tui::app::FilterKey::Blocked));
    app.update(Action::StartSearch);
    for c in "user-1".chars() {
        app.update(Action::PromptInput(c));
    }
    app.update(Action::PromptSubmit);
    while app
        .match_count(&store.read().unwrap())
        .is_none_or(|(_, done)| !done)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    app.sync();
    let theme = tui::ui::Theme::DARK;
    let (frame_median, frame_worst) = frames(&mut app, &store, theme, 120, 40);
    // A wide screen: a column per destination, and the detail below with its JSON wrapped.
    let (wide_median, wide_worst) = frames(&mut app, &store, theme, 200, 50);

    let mut appends: Vec<f64> = Vec::new();
    let mut out = fs::OpenOptions::new().append(true).open(file).unwrap();
    for i in 0..100 {
        let before = store.read().unwrap().end();
        let t = Instant::now();
        writeln!(out, "{{\"type\":\"track\",\"event\":\"Appended\",\"userId\":\"user-{i}\",\"messageId\":\"append-{i}\"}}").unwrap();
        out.flush().unwrap();
        while store.read().unwrap().end() == before {
            std::thread::sleep(Duration::from_micros(200));
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "append never reached the model"
            );
        }
        appends.push(t.elapsed().as_secs_f64());
    }
    // Leave the data file as it was generated.
    let len = fs::metadata(file).unwrap().len();
    out.set_len(len - appended_bytes(appends.len())).unwrap();
    json!({
        "events_indexed": rows,
        "events_expected": n,
        "index_seconds": index_seconds,
        "lock_wait_worst_ms": lock_worst * 1e3,
        "lock_wait_worst_at_seconds": lock_worst_at,
        "rss_bytes": rss,
        "peak_rss_bytes": peak,
        "baseline_rss_bytes": base_rss,
        "bytes_per_event": (rss.saturating_sub(base_rss)) as f64 / rows.max(1) as f64,
        "peak_bytes_per_event_beyond_64mb": (peak.saturating_sub(64 << 20)) as f64 / rows.max(1) as f64,
        "frame_median_ms": frame_median * 1e3,
        "frame_worst_ms": frame_worst * 1e3,
        "frame_wide_median_ms": wide_median * 1e3,
        "frame_wide_worst_ms": wide_worst * 1e3,
        "append_median_ms": median(&mut appends) * 1e3,
    })
}

/// The slope of the least-squares line through `points`; None for fewer than two x values.
fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Bytes the append test adds, so they can be cut off again.
fn appended_bytes(count: usize) -> u64 {
    (0..count)
        .map(|i| format!("{{\"type\":\"track\",\"event\":\"Appended\",\"userId\":\"user-{i}\",\"messageId\":\"append-{i}\"}}\n").len() as u64)
        .sum()
}

fn print_table(results: &[Value]) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    println!();
    println!(
        "{:<28}{}",
        "",
        results
            .iter()
            .map(|r| {
                let head = format!("{} {}", r["traffic"].as_str().unwrap_or(""), r["events"]);
                format!("{head:>18}")
            })
            .collect::<String>()
    );
    let row = |label: &str, get: &dyn Fn(&Value) -> String| row(results, label, get);
    row("file size (MB)", &|r| {
        format!("{:.1}", f(&r["bytes"]) / 1e6)
    });
    row("route (MB/s)", &|r| {
        format!("{:.1}", f(&r["route_mb_per_s"]))
    });
    row("route, 20 filters + 40 mappings (share)", &|r| {
        format!("{:.0}%", f(&r["route_with_rules_share"]) * 100.0)
    });
    row("  the same, no condition shared (share)", &|r| {
        format!("{:.0}%", f(&r["route_with_distinct_rules_share"]) * 100.0)
    });
    row("diff (MB/s, share of route)", &|r| {
        format!(
            "{:.1} ({:.0}%)",
            f(&r["diff_mb_per_s"]),
            f(&r["diff_share"]) * 100.0
        )
    });
    row("route_arrow, 1 core (share)", &|r| {
        if r["arrow"].is_null() {
            return "no wheel".into();
        }
        format!(
            "{:.1} ({:.0}%)",
            f(&r["arrow"]["arrow_mb_per_cpu_s"]),
            f(&r["arrow"]["share"]) * 100.0
        )
    });
    row("route per core (MB/cpu-s)", &|r| {
        if r["arrow"].is_null() {
            return "no wheel".into();
        }
        format!("{:.1}", f(&r["arrow"]["route_mb_per_cpu_s"]))
    });
    row("route (events/s)", &|r| {
        format!("{:.0}", f(&r["route_events_per_s"]))
    });
    row("check (MB/s)", &|r| {
        format!("{:.1}", f(&r["check_mb_per_s"]))
    });
    row("profiles (MB/s)", &|r| {
        format!("{:.1}", f(&r["profiles_mb_per_s"]))
    });
    row("route / jq throughput", &|r| {
        r["route_vs_jq"]
            .as_f64()
            .map_or("no jq".into(), |x| format!("{x:.2}x"))
    });
    row("route / jq consent filter", &|r| {
        r["route_vs_jq_consent"]
            .as_f64()
            .map_or("no jq".into(), |x| format!("{x:.1}x"))
    });
    row("route / floor (ignored, 1 core)", &|r| {
        format!("{:.0}%", 100.0 * f(&r["route_share_of_floor_ignored"]))
    });
    row("route / floor (ignored, 2 cores)", &|r| {
        format!(
            "{:.0}%",
            100.0 * f(&r["route_share_of_floor_ignored_two_cores"])
        )
    });
    row("route / floor (Value, 1 core)", &|r| {
        format!("{:.0}%", 100.0 * f(&r["route_share_of_floor_value"]))
    });
    print_ui_rows(results);
}

/// The terminal UI's rows of the table: its engine's time, memory and frames.
fn print_ui_rows(results: &[Value]) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let row = |label: &str, get: &dyn Fn(&Value) -> String| row(results, label, get);
    row("UI: index all (s)", &|r| {
        format!("{:.2}", f(&r["engine"]["index_seconds"]))
    });
    row("UI: store lock wait while loading, worst (ms)", &|r| {
        format!("{:.1}", f(&r["engine"]["lock_wait_worst_ms"]))
    });
    row("UI: last row on screen (s)", &|r| {
        format!("{:.2}", f(&r["engine"]["screen"]["last_row_seconds"]))
    });
    row("UI: key while loading, median (ms)", &|r| {
        format!("{:.1}", f(&r["engine"]["screen"]["key_ms_median"]))
    });
    row("UI: key while loading, p95 (ms)", &|r| {
        format!("{:.1}", f(&r["engine"]["screen"]["key_ms_p95"]))
    });
    row("UI: key while loading, worst (ms)", &|r| {
        format!(
            "{:.1} of {}",
            f(&r["engine"]["screen"]["key_ms_worst"]),
            r["engine"]["screen"]["keys_during_load"]
        )
    });
    row("UI: RSS (MB)", &|r| {
        format!("{:.1}", f(&r["engine"]["rss_bytes"]) / 1e6)
    });
    row("UI: peak RSS (MB)", &|r| {
        format!("{:.1}", f(&r["engine"]["peak_rss_bytes"]) / 1e6)
    });
    row("UI: bytes/event", &|r| {
        format!("{:.0}", f(&r["engine"]["bytes_per_event"]))
    });
    row("UI: heap B/event, 2nd half", &|r| {
        format!(
            "{:.0}",
            f(&r["engine"]["second_half"]["heap_bytes_per_event"])
        )
    });
    row("UI: RSS B/event, 2nd half", &|r| {
        format!(
            "{:.0}",
            f(&r["engine"]["second_half"]["rss_bytes_per_event"])
        )
    });
    row("UI: peak B/event over 64MB", &|r| {
        format!("{:.0}", f(&r["engine"]["peak_bytes_per_event_beyond_64mb"]))
    });
    row("UI: frame median (ms)", &|r| {
        format!("{:.3}", f(&r["engine"]["frame_median_ms"]))
    });
    row("UI: frame worst (ms)", &|r| {
        format!("{:.3}", f(&r["engine"]["frame_worst_ms"]))
    });
    row("UI: frame median 200x50 (ms)", &|r| {
        format!("{:.3}", f(&r["engine"]["frame_wide_median_ms"]))
    });
    row("UI: frame worst 200x50 (ms)", &|r| {
        format!("{:.3}", f(&r["engine"]["frame_wide_worst_ms"]))
    });
    row("UI: append→model (ms)", &|r| {
        format!("{:.2}", f(&r["engine"]["append_median_ms"]))
    });
}

/// One row of the table: a label, and a figure per size.
fn row(results: &[Value], label: &str, get: &dyn Fn(&Value) -> String) {
    println!(
        "{label:<28}{}",
        results
            .iter()
            .map(|r| format!("{:>18}", get(r)))
            .collect::<String>()
    );
}

/// The samples' workspace with Braze mapped to Functional as well and Social Media disabled:
/// what `diff` compares the bench's traffic with.
fn write_diff_settings(path: &Path) {
    let mut ws: Value = serde_json::from_str(&fs::read_to_string(SETTINGS).unwrap()).unwrap();
    for d in ws["destinations"].as_array_mut().unwrap() {
        if d["name"] == "Braze" {
            d["categories"] = json!(["C0002", "C0003", "C0004"]);
        }
    }
    for c in ws["categories"].as_array_mut().unwrap() {
        if c["id"] == "C0005" {
            c["enabled"] = json!(false);
        }
    }
    fs::write(path, serde_json::to_vec_pretty(&ws).unwrap()).unwrap();
}

/// The samples' workspace with 20 destination filters (drops and PII rules on conditions
/// most events do not meet) and 40 Actions mappings over five destinations; with `distinct`,
/// each destination's conditions differ from every other's (one more `or` that never holds).
fn write_rules_settings(path: &Path, distinct: bool) {
    let mut ws: Value = serde_json::from_str(&fs::read_to_string(SETTINGS).unwrap()).unwrap();
    let conditions = [
        "event = 'Video Heartbeat'",
        "type = 'identify'",
        "match(context.traits.email, '*@example-corp.com')",
        "contains(event, 'Test')",
        "properties.price > 1000",
    ];
    let (mut filters, mut mappings) = (0, 0);
    for (n, d) in ws["destinations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        if d["kind"].is_string() {
            continue;
        }
        let own = |condition: String| {
            if distinct {
                format!("{condition} or event = \"never {n}\"")
            } else {
                condition
            }
        };
        let mut list = Vec::new();
        while list.len() < 3 && filters < 20 {
            let action = if filters % 2 == 0 {
                json!({"type": "DROP"})
            } else {
                json!({"type": "DROP_PROPERTIES", "fields": {"traits": ["email"]}})
            };
            list.push(json!({"title": format!("f{filters}"),
                             "if": own(conditions[filters % conditions.len()].to_owned()),
                             "actions": [action]}));
            filters += 1;
        }
        d["filters"] = Value::Array(list);
        if mappings < 40 {
            d["mappings"] = Value::Array(
                (0..8)
                    .map(|j| {
                        let subscribe = if j < 7 {
                            format!("type = \"track\" and event = \"E{j}\"")
                        } else {
                            "type = \"identify\" or type = \"track\" or type = \"page\"".to_owned()
                        };
                        json!({"name": format!("m{j}"), "subscribe": own(subscribe)})
                    })
                    .collect(),
            );
            mappings += 8;
        }
    }
    assert!(
        filters == 20 && mappings == 40,
        "{filters} filters, {mappings} mappings"
    );
    fs::write(path, ws.to_string()).unwrap();
}
