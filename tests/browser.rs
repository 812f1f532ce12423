//! `listen` against a real browser: Debian's Chromium, driven by playwright-core, opens a page
//! from another site (another local port, under a name of its own) whose script tries to read
//! the capture, wipe it, and write into it through a rebound name, while the same page's
//! analytics.js (from npm) sends its calls. The browser's own CORS rules and our answers
//! decide what the script sees; the capture file says what happened.
//!
//! Ignored by a plain `cargo test` (it needs Chromium and Node): `.ci/run` installs both and
//! runs it with the other ignored tests (`cargo test -- --ignored`), where a missing piece fails it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::listen::*;

const NEEDS: &str = "needs Chromium (apt-get install chromium) and playwright-core \
                     (npm ci --prefix tests/clients)";

/// The page another site serves: its script's attempts, each recorded as what it saw.
fn page(api: &str, rebound: &str) -> String {
    format!(
        r#"<!doctype html><html><head>
<script>/* analytics.js loads its chunks from here rather than Segment's CDN */ window.analytics = {{ _cdn: location.origin }};</script>
<script src="/analytics-next/bundles/index.js"></script></head><body><script>
const api = '{api}';
window.results = {{}};
const attempt = async (name, f) => {{
  try {{
    const r = await f();
    results[name] = 'answered ' + r.status + ': ' + (r.type === 'opaque' ? '' : (await r.text()).slice(0, 300));
  }} catch (e) {{
    results[name] = 'failed: ' + e.name + ': ' + e.message;
  }}
}};
(async () => {{
  await attempt('read_events', () => fetch(api + '/inspector/events'));
  await attempt('read_profiles', () => fetch(api + '/inspector/profiles'));
  await attempt('simple_reset', () => fetch(api + '/inspector/reset',
    {{ method: 'POST', headers: {{ 'Content-Type': 'text/plain' }}, body: '{{}}' }}));
  await attempt('json_reset', () => fetch(api + '/inspector/reset',
    {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }}, body: '{{}}' }}));
  await attempt('no_cors_reset', () => fetch(api + '/inspector/reset',
    {{ method: 'POST', mode: 'no-cors', body: '{{}}' }}));
  // As a page whose name was rebound to this machine would: the only thing that refuses
  // this is the Host check (tracking calls are open to any page).
  await attempt('rebound_write', () => fetch('{rebound}/v1/t',
    {{ method: 'POST', mode: 'no-cors', body: JSON.stringify({{ event: 'Rebound', userId: 'u-rebound' }}) }}));
  const [analytics] = await AnalyticsNext.AnalyticsBrowser.load({{ writeKey: 'wk_page', cdnURL: api }});
  await analytics.identify('u-page', {{ plan: 'pro' }});
  await analytics.track('Order Completed', {{ total: 5 }},
    {{ context: {{ consent: {{ categoryPreferences: {{ C0001: true, C0002: true, C0004: false }} }} }} }});
  await new Promise((r) => setTimeout(r, 500));
  results.analytics = 'sent';
}})().catch((e) => {{ results.error = String(e); }}).finally(() => {{ results.done = true; }});
</script></body></html>"#
    )
}

/// Serves `html` at `/` and analytics.js's browser build (its entry and the chunks it loads)
/// at `/analytics-next/bundles/…` until the test ends.
fn serve_page(html: String) -> u16 {
    let umd = std::fs::canonicalize("tests/clients/node_modules/@segment/analytics-next/dist/umd")
        .expect(NEEDS);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let _ = BufReader::new(&stream).read_line(&mut request);
            let path = request.split(' ').nth(1).unwrap_or("/").to_owned();
            let (kind, body) = match path.strip_prefix("/analytics-next/bundles/") {
                Some(file) if !file.contains("..") => (
                    "application/javascript",
                    std::fs::read(umd.join(file)).unwrap_or_default(),
                ),
                _ => ("text/html", html.clone().into_bytes()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    port
}

fn node_path() -> String {
    std::fs::canonicalize("tests/clients/node_modules")
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
#[ignore = "needs Chromium (apt-get install chromium) and playwright-core (npm ci --prefix tests/clients); .ci/run installs both and runs it"]
fn a_page_from_another_site_cannot_read_or_wipe_the_capture_but_its_analytics_calls_arrive() {
    assert!(Path::new("/usr/bin/chromium").exists(), "{NEEDS}");
    let r = start(None);
    // Something captured before the page opens, which it must neither read nor wipe.
    assert_eq!(
        post(
            &r.url("/v1/track"),
            &[],
            br#"{"event":"Before","userId":"u-before","traits":{"email":"before@example.com"}}"#
        )
        .0,
        200
    );
    let before = r.lines();
    let api = format!("http://{}", r.server.addr);
    let rebound = format!("http://evil.test:{}", r.server.addr.port());
    let page_port = serve_page(page(&api, &rebound));
    let o = Command::new("node")
        .args([
            "tests/clients/page.js",
            &format!("http://evil.test:{page_port}/"),
        ])
        .env("NODE_PATH", node_path())
        .output()
        .expect(NEEDS);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{NEEDS}\n{stderr}");
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let said = |k: &str| seen[k].as_str().unwrap_or_default().to_owned();
    // The browser refused the script every answer about the capture (a CORS failure is a
    // TypeError, whatever the status was)...
    for k in ["read_events", "read_profiles", "simple_reset", "json_reset"] {
        assert!(
            said(k).starts_with("failed: TypeError"),
            "{k}: {seen}\n{stderr}"
        );
    }
    // ...and what it sent blind (no-cors) got an opaque answer, which tells it nothing.
    for k in ["no_cors_reset", "rebound_write"] {
        assert_eq!(said(k), "answered 0: ", "{k}: {seen}");
    }
    assert_eq!(said("analytics"), "sent", "{seen}\n{stderr}");
    // The page's analytics.js calls arrive.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !r.lines().iter().any(|l| l.contains("Order Completed")) {
        assert!(
            Instant::now() < deadline,
            "analytics.js's calls never arrived: {:?}",
            r.lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let lines = r.lines();
    // The capture is as it was, plus the page's own calls: nothing wiped, nothing rebound.
    assert_eq!(lines[0], before[0]);
    assert!(!lines.iter().any(|l| l.contains("u-rebound")), "{lines:?}");
    let page_calls: Vec<serde_json::Value> = lines[1..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        page_calls
            .iter()
            .all(|v| v["userId"] == "u-page" && v["writeKey"] == "wk_page"),
        "{lines:?}"
    );
    let kinds: Vec<&str> = page_calls
        .iter()
        .filter_map(|v| v["type"].as_str())
        .collect();
    assert_eq!(kinds, ["identify", "track"], "{lines:?}");
}
