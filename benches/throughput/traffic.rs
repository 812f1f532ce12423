//! Synthetic traffic for the benchmark: realistic events of about 700 bytes from 10,000 users
//! of the sample workspace, with a mix of consent states, batch lines and about 1% malformed or
//! invalid events. Deterministic, so runs compare.
//!
//! Two workloads (issue 28): `Kind`, where each user's consent mostly stays put, and `Churn`,
//! where every event carries freshly drawn preferences, so that almost every event changes its
//! user's profile and raises a profile warning.

use std::fmt::Write as _;
use std::io::{self, Write};

// The demo's generator: variety, not cryptographic randomness.
use consent_inspector::tui::demo::{EVENTS, Rng};

const USERS: u64 = 10_000;
const CPU: &str = "Segment Consent Preference Updated";

/// Which traffic the benchmark reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    /// Users mostly keep their choice.
    Kind,
    /// Every event draws its preferences afresh.
    Churn,
}

impl Traffic {
    pub fn name(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Churn => "churn",
        }
    }
}

fn prefs(rng: &mut Rng, user: u64, traffic: Traffic, out: &mut String) {
    // Users mostly keep their choice and some change it now and then; or, churning, every
    // event draws anew.
    let change = if traffic == Traffic::Churn || rng.below(20) == 0 {
        rng.next_u64()
    } else {
        0
    };
    let base = user.wrapping_mul(2_654_435_761) ^ change;
    out.push_str("{\"categoryPreferences\":{");
    for (i, id) in ["C0001", "C0002", "C0003", "C0004", "C0005"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        let v = i == 0 || base >> i & 1 == 1;
        let _ = write!(out, "\"{id}\":{v}");
    }
    out.push_str("}}");
}

/// One event as JSON, about 700 bytes.
fn event(rng: &mut Rng, seq: u64, traffic: Traffic, out: &mut String) {
    let user = rng.below(USERS);
    let roll = rng.below(1000);
    let (kind, name) = match roll {
        0..=79 => ("track", CPU),
        80..=229 => ("page", "Home"),
        230..=279 => ("identify", ""),
        _ => ("track", EVENTS[rng.below(EVENTS.len() as u64) as usize]),
    };
    let _ = write!(out, "{{\"type\":\"{kind}\",");
    match (kind, name) {
        ("track", n) => {
            let _ = write!(out, "\"event\":\"{n}\",");
        }
        ("page", n) => {
            let _ = write!(out, "\"name\":\"{n}\",");
        }
        _ => {}
    }
    // About 1% invalid: no id at all.
    if roll % 200 != 7 {
        let _ = write!(out, "\"userId\":\"user-{user:05}\",");
    }
    let _ = write!(
        out,
        "\"anonymousId\":\"{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}\",\"messageId\":\"ajs-next-{seq:010}-{:08x}\",",
        user * 7919,
        user % 65536,
        user % 4096,
        // Each user has up to three devices (churning, one: two ids each).
        if traffic == Traffic::Churn {
            0
        } else {
            rng.below(3)
        },
        user * 1_000_003,
        rng.next_u64() as u32
    );
    let s = seq % 86_400;
    let _ = write!(
        out,
        "\"timestamp\":\"2026-11-23T{:02}:{:02}:{:02}.{:03}Z\",\"sentAt\":\"2026-11-23T{:02}:{:02}:{:02}.{:03}Z\",",
        s / 3600,
        s / 60 % 60,
        s % 60,
        seq % 1000,
        s / 3600,
        s / 60 % 60,
        s % 60,
        (seq + 40) % 1000
    );
    out.push_str(
        "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.70.0\"},",
    );
    let _ = write!(
        out,
        "\"page\":{{\"path\":\"/products/{}\",\"url\":\"https://shop.example.com/products/{}?utm_source=newsletter\",\"referrer\":\"https://www.google.com/\",\"title\":\"Shop\"}},",
        seq % 977,
        seq % 977
    );
    out.push_str("\"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15\",\"locale\":\"en-US\",\"ip\":\"203.0.113.7\"");
    // A fifth of the traffic carries no consent at all; churning, every event does.
    if traffic == Traffic::Churn || rng.below(5) != 0 || name == CPU {
        out.push_str(",\"consent\":");
        prefs(rng, user, traffic, out);
    }
    out.push('}');
    if rng.below(20) == 0 {
        out.push_str(",\"integrations\":{\"All\":false,\"Amplitude\":true,\"Webhooks\":true}");
    }
    let _ = write!(
        out,
        ",\"properties\":{{\"sku\":\"SKU-{:05}\",\"price\":{}.{:02},\"currency\":\"USD\",\"quantity\":{},\"category\":\"Outdoor\"}}}}",
        rng.below(50_000),
        rng.below(300),
        rng.below(100),
        1 + rng.below(4)
    );
}

/// Writes `n` events (batch lines count one per element) and returns the file's size in bytes.
pub fn write(mut w: impl Write, n: u64, seed: u64, traffic: Traffic) -> io::Result<u64> {
    let mut rng = Rng::new(seed);
    let mut line = String::with_capacity(4096);
    let mut bytes = 0u64;
    let mut seq = 0u64;
    while seq < n {
        line.clear();
        let roll = rng.below(1000);
        if roll < 5 {
            // Malformed: a line cut short, as a crashed writer leaves it.
            event(&mut rng, seq, traffic, &mut line);
            let cut = line.len() / 2;
            line.truncate(cut);
            seq += 1;
        } else if roll < 25 && n - seq >= 4 {
            // A batch of four from one device, sharing the batch's context.
            line.push_str("{\"batch\":[");
            for i in 0..4 {
                if i > 0 {
                    line.push(',');
                }
                event(&mut rng, seq, traffic, &mut line);
                seq += 1;
            }
            line.push_str("],\"sentAt\":\"2026-11-23T10:00:00.000Z\"}");
        } else {
            event(&mut rng, seq, traffic, &mut line);
            seq += 1;
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
        bytes += line.len() as u64;
    }
    Ok(bytes)
}

/// `count` batch bodies of `per_batch` events each, as clients would POST them to
/// `/v1/batch`.
pub fn batches(count: usize, per_batch: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut seq = 0u64;
    (0..count)
        .map(|_| {
            let mut body = String::from("{\"batch\":[");
            for i in 0..per_batch {
                if i > 0 {
                    body.push(',');
                }
                event(&mut rng, seq, Traffic::Kind, &mut body);
                seq += 1;
            }
            body.push_str("],\"sentAt\":\"2026-11-23T10:00:00.000Z\"}");
            body
        })
        .collect()
}
