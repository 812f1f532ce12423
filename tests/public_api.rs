//! `pull` and `reconcile` against a local stand-in for Segment's Public API
//! (`tests/common/public_api.rs`, answering from `tests/public-api/acme.json`): what the
//! snapshot holds, paging, rate limits, retries, refused tokens, an interrupted pull, the
//! offline copy. `tests/clients.rs` holds the same fixtures and calls to Segment's own SDK.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::public_api::{Fault, Server, recent_capture};
use serde_json::Value;

const TOKEN: &str = "sgp_test_token_0123456789";

fn run(args: &[&str], cache: &Path) -> Output {
    common::public_api::run(args, cache, TOKEN)
}

fn pull(server: &Server, out: &Path, cache: &Path, extra: &[&str]) -> Output {
    common::public_api::pull(server, out, cache, TOKEN, extra)
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The snapshot without what differs from pull to pull: when, and the servers' addresses.
fn comparable(mut v: Value) -> Value {
    v["snapshot"]["pulledAt"] = Value::Null;
    v["snapshot"]["api"] = Value::Null;
    for part in v["snapshot"]["parts"].as_array_mut().unwrap() {
        if part["from"].as_str().unwrap().starts_with("CDN") {
            part["from"] = Value::Null;
        }
    }
    v
}

fn destination<'a>(snap: &'a Value, name: &str) -> &'a Value {
    snap["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn a_pull_writes_the_sources_workspace_as_segments_servers_have_it() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("consent-settings.json");
    let o = pull(&server, &out, dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN));
    assert!(!std::fs::read_to_string(&out).unwrap().contains(TOKEN));
    let snap = read(&out);
    // Which workspace and source, and where each part came from.
    assert_eq!(snap["snapshot"]["version"], 1);
    assert_eq!(snap["snapshot"]["workspace"]["slug"], "acme");
    assert_eq!(snap["snapshot"]["source"]["id"], "src_web");
    let parts: Vec<&str> = snap["snapshot"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part"].as_str().unwrap())
        .collect();
    for p in [
        "categories",
        "protocols",
        "protocols.trackingPlan",
        "destinations",
        "destinations[Braze].filters",
        "destinations[Mixpanel (Actions)].mappings",
    ] {
        assert!(parts.contains(&p), "{p}: {parts:?}");
    }
    // The consent mapping from the CDN, under the catalog's current name.
    let ga4 = destination(&snap, "Google Analytics 4 Cloud");
    assert_eq!(ga4["categories"], serde_json::json!(["C0002"]));
    assert_eq!(ga4["id"], "dst_ga4");
    // Cloud mappings: enabled flags kept, the browser's action (WEB) left to the plugin.
    let mix = destination(&snap, "Mixpanel (Actions)");
    let names: Vec<&str> = mix["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Track purchases", "Identify", "Pages (off)"]);
    assert_eq!(mix["mappings"][2]["enabled"], false);
    assert_eq!(mix["actions"], true);
    // Filters in our shape; a disabled one kept disabled.
    assert_eq!(
        destination(&snap, "Braze")["filters"][0]["if"],
        "match(userId, \"test-*\")"
    );
    assert_eq!(
        destination(&snap, "Amplitude")["filters"][0]["enabled"],
        false
    );
    // The switch, the catalog's event types, the suppressions, the tracking plan.
    assert_eq!(destination(&snap, "Hotjar")["enabled"], false);
    assert_eq!(
        destination(&snap, "SendGrid")["methods"],
        serde_json::json!(["track", "identify"])
    );
    assert_eq!(snap["suppressed"], serde_json::json!(["u-suppressed"]));
    assert_eq!(
        snap["protocols"]["trackingPlan"]["rules"][0]["key"],
        "Order Completed"
    );
    // Functions: a destination function's handlers are unknown to the API (its routes are
    // uncertain); an enabled insert function instance is named, a disabled one is not.
    let ledger = destination(&snap, "Ledger");
    assert_eq!(ledger["kind"], "function");
    assert!(ledger.get("methods").is_none());
    assert_eq!(
        destination(&snap, "Webhooks")["insertFunction"],
        "Scrub PII"
    );
    assert!(
        destination(&snap, "Amplitude")
            .get("insertFunction")
            .is_none()
    );
    // What the CDN has and the API does not connect stays.
    assert_eq!(destination(&snap, "Engage Audiences")["kind"], "engage");
    // Every page of every list was read, each call as the Public API wants it.
    let seen = server.take();
    for paged in [
        "/sources",
        "/sources/src_web/connected-destinations",
        "/destinations/dst_mix/subscriptions",
    ] {
        let cursors: Vec<_> = seen
            .iter()
            .filter(|s| s.path == paged)
            .map(|s| s.query.iter().any(|(k, _)| k == "pagination[cursor]"))
            .collect();
        assert_eq!(cursors, [false, true], "{paged}");
    }
    for s in seen.iter().filter(|s| !s.path.starts_with("/v1/projects/")) {
        assert_eq!(s.method, "GET");
        assert_eq!(
            s.authorization.as_deref(),
            Some(&*format!("Bearer {TOKEN}")),
            "{s:?}"
        );
        assert_eq!(s.accept.as_deref(), Some("application/json"), "{s:?}");
    }
    // The bundled sample is this pull (its times and addresses aside).
    assert_eq!(
        comparable(snap),
        comparable(read(Path::new("samples/workspace/consent-settings.json")))
    );
}

#[test]
fn every_command_reads_the_snapshot_and_lint_says_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "route",
            "--format",
            "table",
            "samples/workspace/events.jsonl",
        ],
        dir.path(),
    );
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", text(&o));
    assert!(table.contains("✗ suppressed"), "{table}");
    assert!(table.contains("✗ disabled"), "{table}");
    let o = run(
        &[
            "lint",
            "--settings",
            "samples/workspace/consent-settings.json",
        ],
        dir.path(),
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(
            "samples/workspace/consent-settings.json (snapshot of source web of workspace acme, pulled 2026-11-03T08:00:00Z from https://api.segmentapis.com)"
        ),
        "{}",
        text(&o)
    );
}

#[test]
fn rate_limits_and_server_errors_are_waited_out() {
    let server = Server::start("acme");
    server.fault(Fault {
        path: "/sources".into(),
        status: 429,
        times: 1,
        retry_after: Some("1".into()),
    });
    server.fault(Fault {
        path: "/destination/dst_braze/filters".into(),
        status: 503,
        times: 2,
        retry_after: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let started = Instant::now();
    let o = pull(&server, &out, dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    // Retry-After: 1 was honoured; the 5xx backoff (0.5 s, then 1 s) too.
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    let seen = server.take();
    let count = |p: &str| seen.iter().filter(|s| s.path == p).count();
    assert_eq!(count("/destination/dst_braze/filters"), 3);
    assert_eq!(count("/sources"), 3, "the 429, then both pages");
    assert_eq!(
        read(&out)["destinations"][2]["filters"][0]["title"],
        "No internal testers"
    );
}

#[test]
fn a_refused_token_says_which_call_and_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let server = Server::start("acme");
    server.fault(Fault::once("/", 401));
    let o = pull(&server, &out, dir.path(), &[]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("GET / (getWorkspace): the token was refused (401): \"planned 401\": check SEGMENT_PUBLIC_API_TOKEN or --token-file"),
        "{said}"
    );
    assert!(!said.contains(TOKEN));
    assert!(!out.exists());
    // 403 on a part the snapshot needs: an error naming the scope.
    server.fault(Fault::once("/sources/src_web/connected-destinations", 403));
    let o = pull(&server, &out, dir.path(), &[]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("GET /sources/src_web/connected-destinations (listConnectedDestinationsFromSource): the token is not allowed this (403): \"planned 403\": it needs read access to the source"),
        "{said}"
    );
    // 403 on the suppressions (a Workspace Owner's): the pull goes on, and says what it lacks.
    server.fault(Fault::once("/suppressions", 403));
    let o = pull(&server, &out, dir.path(), &[]);
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert!(
        said.contains("warning: not in the snapshot: suppressed users: GET /suppressions (listSuppressions): the token is not allowed this (403)"),
        "{said}"
    );
    assert!(read(&out).get("suppressed").is_none());
    // So on the functions: their routes stay as the CDN has them, and the gap is said.
    server.fault(Fault::once("/functions", 403));
    let o = pull(&server, &out, dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("warning: not in the snapshot: functions: GET /functions (listFunctions): the token is not allowed this (403): \"planned 403\": it needs read access to functions"),
        "{}",
        text(&o)
    );
    server.fault(Fault::once("/suppressions", 403));
    let o = pull(&server, &out, dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        read(&out)["snapshot"]["gaps"][0],
        "suppressed users: GET /suppressions (listSuppressions): the token is not allowed this (403): \"planned 403\": it needs the role Workspace Owner (suppressions are the workspace's)"
    );
}

#[test]
fn the_token_comes_from_the_environment_or_a_file_never_the_command_line() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let bare = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
            .args(args)
            .env_remove("SEGMENT_PUBLIC_API_TOKEN")
            .env("XDG_CACHE_HOME", dir.path())
            .output()
            .unwrap()
    };
    let base = common::public_api::pull_args(&server, out.to_str().unwrap());
    let o = bare(&base);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains(
            "no Public API token: set SEGMENT_PUBLIC_API_TOKEN or pass --token-file FILE"
        )
    );
    assert!(server.take().is_empty(), "no call without a token");
    let o = bare(&[&base[..], &["--token", TOKEN]].concat());
    assert_eq!(o.status.code(), Some(2), "there is no --token");
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let o = bare(&[&base[..], &["--token-file", file.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        server
            .take()
            .iter()
            .filter(|s| !s.path.starts_with("/v1/"))
            .all(|s| s.authorization.as_deref() == Some(&*format!("Bearer {TOKEN}")))
    );
}

#[test]
fn a_pull_cut_short_leaves_the_previous_snapshot_as_it_was() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("consent-settings.json");
    let o = pull(&server, &out, dir.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let before = std::fs::read(&out).unwrap();
    // The server dies mid-pull, and there is no cached copy to fall back on.
    server.take();
    server.die_after(6);
    let empty_cache = tempfile::tempdir().unwrap();
    let o = pull(&server, &out, empty_cache.path(), &[]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(said.contains("cannot reach"), "{said}");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.iter()
            .all(|n| n == "consent-settings.json" || n == "consent-inspector"),
        "{left:?}"
    );
}

#[test]
fn offline_the_last_pull_is_used_with_a_warning() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    assert!(pull(&server, &first, dir.path(), &[]).status.success());
    server.die_after(0);
    let again = dir.path().join("again.json");
    let o = pull(&server, &again, dir.path(), &[]);
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("cannot reach"), "{said}");
    assert!(
        said.contains("using the snapshot of the last pull, cached at"),
        "{said}"
    );
    assert_eq!(read(&again), read(&first));
}

#[test]
fn every_source_is_pulled_into_a_folder() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("workspace");
    let o = run(
        &[
            "pull",
            "--api-url",
            &server.url,
            "--cdn",
            &server.url,
            "-o",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let ios = read(&out.join("ios.json"));
    assert_eq!(ios["snapshot"]["source"]["slug"], "ios");
    assert_eq!(
        read(&out.join("web.json"))["snapshot"]["source"]["slug"],
        "web"
    );
    // The suppressions are the workspace's, read once for both.
    assert_eq!(
        server
            .take()
            .iter()
            .filter(|s| s.path == "/suppressions")
            .count(),
        1
    );
    let o = run(
        &[
            "pull",
            "--source",
            "nope",
            "--api-url",
            &server.url,
            "-o",
            "x",
        ],
        dir.path(),
    );
    assert!(
        text(&o).contains("no source \"nope\" in the workspace (its sources: web, ios)"),
        "{}",
        text(&o)
    );
}

#[test]
fn predictions_are_set_beside_delivery_overviews_own_counts() {
    let server = Server::start("acme");
    let dir = tempfile::tempdir().unwrap();
    let (capture, _) = recent_capture(dir.path());
    let o = run(
        &[
            "reconcile",
            "--format",
            "json",
            "--api-url",
            &server.url,
            capture.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    // Segment's counts, read through every page, are the sample's.
    let mut observed = doc["observed"].clone();
    let mut sample = read(Path::new("samples/workspace/delivery-overview.json"));
    for v in [&mut observed, &mut sample] {
        v["start"] = Value::Null;
        v["end"] = Value::Null;
    }
    assert_eq!(observed, sample);
    assert_eq!(doc["window"]["granularity"], "minute");
    assert_eq!(doc["scale"], 10.0);
    let row = |stage: &str, dest: Option<&str>, reason: Option<&str>| {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["stage"] == stage
                    && r["destination"].as_str() == dest
                    && r["reason"].as_str() == reason
            })
            .unwrap_or_else(|| panic!("no row {stage} {dest:?} {reason:?}"))
            .clone()
    };
    let received = row("successfully_received", None, None);
    assert_eq!(
        (
            received["predicted"].as_u64(),
            received["observed"].as_u64()
        ),
        (Some(8), Some(80))
    );
    // A row at the capture's scale is no finding; one off it says why and where to look.
    assert!(
        row(
            "filtered_at_destination",
            Some("Braze"),
            Some("FILTERED_BY_END_USER_CONSENT")
        )["finding"]
            .is_null()
    );
    let rules = row(
        "filtered_at_destination",
        Some("Braze"),
        Some("FILTERED_BY_RULES"),
    );
    assert_eq!(rules["ratio"], 25.0);
    assert!(rules["finding"]["lookAt"]
        .as_str()
        .unwrap()
        .ends_with(r#"| jq -c 'select(any(.routes[]; .destination == "Braze" and .discard == "FILTERED_BY_RULES"))'"#));
    let amplitude = row("successful_delivery", Some("Amplitude"), None);
    assert!(
        amplitude["finding"]["explains"]
            .as_str()
            .unwrap()
            .contains("failed deliveries (20 here)")
    );
    // Each call as the SDK makes it: the source, the destination, the window, the grouping.
    let seen = server.take();
    let braze: Vec<_> = seen
        .iter()
        .filter(|s| s.path == "/delivery-overview/filtered-at-destination")
        .filter(|s| {
            s.query
                .iter()
                .any(|(k, v)| k == "destinationConfigId" && v == "dst_braze")
        })
        .collect();
    assert_eq!(braze.len(), 2, "both pages");
    let keys: Vec<&str> = braze[0].query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "destinationConfigId",
            "endTime",
            "granularity",
            "groupBy[0]",
            "pagination[count]",
            "sourceId",
            "startTime"
        ]
    );
}

#[test]
fn two_snapshots_are_diffed_with_the_traffic_they_move() {
    let dir = tempfile::tempdir().unwrap();
    // Last week's pull, and today's: Hotjar switched back on, u-suppressed unsuppressed,
    // Braze's filter removed.
    let mut today = read(Path::new("samples/workspace/consent-settings.json"));
    for d in today["destinations"].as_array_mut().unwrap() {
        if d["name"] == "Hotjar" {
            d.as_object_mut().unwrap().remove("enabled");
        }
        if d["name"] == "Braze" {
            d.as_object_mut().unwrap().remove("filters");
        }
    }
    today.as_object_mut().unwrap().remove("suppressed");
    today["snapshot"]["pulledAt"] = Value::from("2026-11-10T08:00:00Z");
    let today_file = dir.path().join("today.json");
    std::fs::write(&today_file, serde_json::to_vec_pretty(&today).unwrap()).unwrap();
    let o = run(
        &[
            "diff",
            "--format",
            "json",
            "--settings",
            "samples/workspace/consent-settings.json",
            "--against",
            today_file.to_str().unwrap(),
            "samples/workspace/events.jsonl",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes: Vec<String> = doc["settingsChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} ({} routes)",
                c["describe"].as_str().unwrap(),
                c["routes"]
            )
        })
        .collect();
    // Each change explains the routes it moves: Braze's filter the QA user's identify (and
    // u-suppressed's event), Hotjar every event (now not_loaded: it runs in the browser
    // only), the suppression the user's event on every destination.
    assert_eq!(
        changes,
        [
            "Braze: destination filters changed (1 → 0) (2 routes)",
            "Hotjar: switch disabled → enabled (8 routes)",
            "user u-suppressed no longer suppressed (13 routes)",
        ],
        "{doc}"
    );
    assert_eq!(doc["unexplained"], 0);
}

#[test]
fn a_server_that_pages_for_ever_is_stopped() {
    let server = Server::start("acme");
    server.endless("/sources");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let o = pull(&server, &out, dir.path(), &[]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains(
            "GET /sources (listSources): the answer is not the Public API's: more than 1000 pages"
        ),
        "{said}"
    );
    assert!(!out.exists());
}

/// The HTML page carries every row of the JSON document, each finding marked, and the
/// document itself, with nothing from the data able to end its script.
#[test]
fn the_reconcile_page_holds_every_row_and_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let args = |format: &str| {
        run(
            &[
                "reconcile",
                "--format",
                format,
                "--observed",
                "samples/workspace/delivery-overview.json",
                "samples/workspace/events.jsonl",
            ],
            dir.path(),
        )
    };
    let json: Value = serde_json::from_slice(&args("json").stdout).unwrap();
    let html = String::from_utf8(args("html").stdout).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(html.matches("<tr data-stage=").count(), rows.len());
    let findings = rows.iter().filter(|r| !r["finding"].is_null()).count();
    assert!(findings >= 3, "{findings}");
    assert_eq!(html.matches(r#" class="finding""#).count(), findings);
    let start = html
        .find(r#"<script type="application/json" id="reconcile-json">"#)
        .unwrap();
    let body = &html[start..];
    let text = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    assert!(!text.contains('<'));
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), json);
}
