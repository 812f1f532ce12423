//! A `listen` server for a test, and the HTTP a test sends it: with an HTTP client (ureq)
//! where a client would, over raw sockets where the bytes themselves are the point.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use consent_inspector::listen::{self, Server, Timeouts};
use consent_inspector::workspace::Workspace;

pub struct Running {
    pub server: Server,
    pub out: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.out)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

pub fn start(write_key: Option<&str>) -> Running {
    start_with(write_key, None)
}

pub fn start_with(write_key: Option<&str>, forward: Option<listen::Forward>) -> Running {
    start_configured(|c| {
        c.write_key = write_key.map(str::to_owned);
        c.forward = forward;
    })
}

/// A server on a free loopback port capturing to a new folder's `capture.jsonl`, with short
/// deadlines, configured further by `configure`.
pub fn start_configured(configure: impl FnOnce(&mut listen::Config)) -> Running {
    start_in(tempfile::tempdir().unwrap(), configure)
}

/// `start_configured` in `dir`, whose `capture.jsonl` may already hold something.
pub fn start_in(dir: tempfile::TempDir, configure: impl FnOnce(&mut listen::Config)) -> Running {
    let out = dir.path().join("capture.jsonl");
    let ws =
        Arc::new(Workspace::load(std::path::Path::new("samples/consent-settings.json")).unwrap());
    let mut config = listen::Config {
        timeouts: Timeouts {
            headers: Duration::from_millis(500),
            body: Duration::from_millis(500),
        },
        ..listen::Config::new(
            "127.0.0.1:0".parse().unwrap(),
            out.to_str().unwrap().to_owned(),
            ws,
        )
    };
    configure(&mut config);
    let server = listen::start(config).unwrap();
    Running { server, out, dir }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and body of a POST.
pub fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut req = agent().post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.send(body).unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

pub fn get(url: &str) -> (u16, String) {
    let mut resp = agent().get(url).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap())
}

/// Sends raw bytes and reads what comes back until the server closes or `wait` passes.
pub fn raw(addr: SocketAddr, bytes: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A request's head, as a client on this machine addressed to `addr` writes it.
pub fn head(method: &str, path: &str, addr: SocketAddr, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}")
}

pub const TRACK: &str = r#"{"event":"Order Completed","userId":"u1","context":{"consent":{"categoryPreferences":{"C0001":true,"C0002":false}}}}"#;
