//! The demo: an embedded workspace and a generator that appends a realistic, endless stream to
//! a temporary file, which the UI then follows like any other.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::read::event::CPU_EVENT;
use crate::workspace::Workspace;

/// The sample workspace, built in.
pub const SETTINGS: &str = include_str!("../../samples/consent-settings.json");

pub fn workspace() -> Arc<Workspace> {
    Arc::new(
        Workspace::from_slice("(built-in demo settings)", SETTINGS.as_bytes())
            .expect("the built-in settings are valid"),
    )
}

/// A small xorshift generator: the demo needs variety, not cryptographic randomness.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Person {
    user: String,
    devices: Vec<String>,
    prefs: [bool; 5],
    identified: bool,
    /// A second account (work), with its own consent, until an alias merges it in.
    work: String,
    work_prefs: [bool; 5],
    aliased: bool,
}

const IDS: [&str; 5] = ["C0001", "C0002", "C0003", "C0004", "C0005"];
/// Track event names, shared with the benchmark's traffic.
pub const EVENTS: [&str; 8] = [
    "Product Viewed",
    "Product Added",
    "Cart Viewed",
    "Checkout Started",
    "Order Completed",
    "Coupon Applied",
    "Video Played",
    "Search Performed",
];
const PAGES: [&str; 5] = ["Home", "Pricing", "Catalog", "Account", "Help"];

/// Writes a stream of events; each call to `next_lines` gives the next few lines.
pub struct Story {
    rng: Rng,
    people: Vec<Person>,
    seq: u64,
    second: u64,
}

fn prefs_json(p: [bool; 5]) -> Value {
    Value::Object(
        IDS.iter()
            .zip(p)
            .map(|(k, v)| ((*k).to_owned(), Value::Bool(v)))
            .collect(),
    )
}

impl Story {
    pub fn new(seed: u64) -> Self {
        let names = ["alice", "bob", "carol", "dave", "erin", "frank"];
        let people = names
            .iter()
            .enumerate()
            .map(|(i, n)| Person {
                user: format!("u-{n}"),
                devices: vec![
                    format!("a-{n}-web"),
                    format!("a-{n}-{}", ["phone", "tv", "tablet"][i % 3]),
                ],
                prefs: [true, i % 2 == 0, true, i % 3 == 0, false],
                identified: false,
                work: format!("u-{n}-work"),
                work_prefs: [true, i % 2 == 1, true, true, false],
                aliased: false,
            })
            .collect();
        Self {
            rng: Rng::new(seed),
            people,
            seq: 0,
            second: 0,
        }
    }

    fn base(&mut self, kind: &str, who: usize, device: Option<usize>) -> Value {
        self.seq += 1;
        self.second += 1 + self.rng.below(4);
        let p = &self.people[who];
        let mut v = json!({"type": kind, "messageId": format!("demo-{:06}", self.seq),
            "timestamp": format!("2026-11-23T{:02}:{:02}:{:02}.{:03}Z", 9 + self.second / 3600 % 12, self.second / 60 % 60, self.second % 60, self.rng.below(1000))});
        match device {
            Some(d) => v["anonymousId"] = json!(p.devices[d]),
            None => v["userId"] = json!(p.user),
        }
        if device.is_some() && p.identified && self.rng.chance(60) {
            v["userId"] = json!(p.user);
        }
        v
    }

    fn stamp(v: &mut Value, prefs: [bool; 5]) {
        v["context"] = json!({"library": {"name": "analytics.js", "version": "next-1.70.0"},
                              "consent": {"categoryPreferences": prefs_json(prefs)}});
    }

    /// The next line or lines of the story.
    pub fn next_lines(&mut self) -> Vec<String> {
        let who = self.rng.below(self.people.len() as u64) as usize;
        let device = Some(self.rng.below(2) as usize);
        let roll = self.rng.below(100);
        let line = match roll {
            // Consent granted, changed or withdrawn.
            0..=7 => {
                let flip = 1 + self.rng.below(4) as usize;
                self.people[who].prefs[flip] = !self.people[who].prefs[flip];
                let prefs = self.people[who].prefs;
                let mut v = self.base("track", who, device);
                v["event"] = json!(CPU_EVENT);
                Self::stamp(&mut v, prefs);
                v
            }
            // Signing in links a device to the user.
            8..=12 => {
                self.people[who].identified = true;
                let prefs = self.people[who].prefs;
                let mut v = self.base("identify", who, device);
                v["userId"] = json!(self.people[who].user);
                v["traits"] =
                    json!({"email": format!("{}@example.com", &self.people[who].user[2..])});
                Self::stamp(&mut v, prefs);
                v
            }
            // A stale cookie: stamped preferences that differ from what the user last said.
            13..=15 => {
                let mut stale = self.people[who].prefs;
                stale[3] = !stale[3];
                let mut v = self.base("track", who, None);
                v["event"] = json!("Cart Viewed");
                Self::stamp(&mut v, stale);
                v
            }
            // A server-side call without consent.
            16..=18 => {
                let mut v = self.base("track", who, None);
                v["event"] = json!("Order Refunded");
                v["properties"] = json!({"orderId": format!("o-{}", self.seq)});
                v
            }
            // Marketing opt-out through the integrations object.
            19..=21 => {
                let prefs = self.people[who].prefs;
                let mut v = self.base("track", who, None);
                v["event"] = json!("Order Completed");
                v["integrations"] = json!({"All": false, "Amplitude": true, "Webhooks": true});
                Self::stamp(&mut v, prefs);
                v
            }
            // Now and then, something broken.
            22 => {
                return vec![format!(
                    "{{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"{}\",\"properties\":{{\"total\": 12.5,}}",
                    self.people[who].user
                )];
            }
            23 => {
                let mut v = self.base("track", who, device);
                v.as_object_mut().map(|o| o.remove("anonymousId"));
                v.as_object_mut().map(|o| o.remove("userId"));
                v["event"] = json!("Page Scrolled");
                v
            }
            24 => {
                let mut v = self.base("track", who, None);
                v["event"] = json!(CPU_EVENT);
                v["context"] = json!({"consent": {"categoryPreferences": {"C0002": "yes"}}});
                v
            }
            // The work account, used until it is merged.
            25..=28 if !self.people[who].aliased => {
                let prefs = self.people[who].work_prefs;
                let mut v = self.base("track", who, None);
                v["userId"] = json!(self.people[who].work);
                v["event"] = json!("Report Exported");
                Self::stamp(&mut v, prefs);
                v
            }
            // An alias merges the two accounts, which disagree: a conflict.
            29 if self.seq > 30 && !self.people[who].aliased => {
                self.people[who].aliased = true;
                let mut v = self.base("alias", who, None);
                v["previousId"] = json!(self.people[who].work);
                v
            }
            _ => {
                let prefs = self.people[who].prefs;
                let page = self.rng.chance(35);
                let mut v = self.base(if page { "page" } else { "track" }, who, device);
                if page {
                    v["name"] = json!(PAGES[self.rng.below(PAGES.len() as u64) as usize]);
                } else {
                    v["event"] = json!(EVENTS[self.rng.below(EVENTS.len() as u64) as usize]);
                }
                Self::stamp(&mut v, prefs);
                // On the web, analytics.js loads Amplitude itself (device mode).
                if device == Some(0) {
                    v["_metadata"] =
                        json!({"bundled": ["Segment.io", "Amplitude"], "unbundled": []});
                }
                // A client that retries sends the same messageId again: a duplicate.
                if roll == 30 {
                    return vec![v.to_string(), v.to_string()];
                }
                v
            }
        };
        vec![line.to_string()]
    }
}

/// Appends the story to `file` every few hundred milliseconds, until a write fails. Run on a
/// thread of its own (`threads::start`).
pub fn write_story(mut file: File) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    let mut story = Story::new(seed);
    // A head start, so the screen is not empty.
    let mut burst = 40;
    loop {
        for line in story.next_lines() {
            if writeln!(file, "{line}").is_err() {
                return;
            }
        }
        if burst > 0 {
            burst -= 1;
        } else {
            thread::sleep(Duration::from_millis(150 + story.rng.below(450)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::read::input::{Line, LinePos, records_from_line};

    #[test]
    fn the_story_is_mostly_valid_with_some_problems_and_varied_reasons() {
        let mut story = Story::new(42);
        let mut engine = Engine::new(workspace());
        let file: Arc<str> = Arc::from("demo");
        let (mut ingested, mut rejected) = (0, 0);
        let mut reasons = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        let mut device_mode = false;
        for n in 0..2000u64 {
            for l in story.next_lines() {
                let mut recs = Vec::new();
                records_from_line(
                    &file,
                    LinePos {
                        number: n + 1,
                        offset: 0,
                    },
                    Line::Text(l.as_bytes()),
                    &mut recs,
                );
                for r in recs {
                    let o = engine.ingest(r);
                    if o.ingested() {
                        ingested += 1;
                    } else {
                        rejected += 1;
                    }
                    reasons.extend(o.routes.iter().map(|r| r.decision.reason()));
                    device_mode |= o
                        .routes
                        .iter()
                        .any(|r| r.mode == crate::rules::verdict::Mode::Device);
                    codes.extend(o.findings.iter().map(|f| f.code.as_str()));
                }
            }
        }
        assert!(
            ingested > 1800 && rejected > 10,
            "{ingested} ingested, {rejected} not"
        );
        for r in [
            "consent_preference_event",
            "no_consent",
            "consented",
            "not_consented",
            "integrations_object",
            "not_enforced",
            "unmapped",
            "not_ingested",
            "duplicate",
        ] {
            assert!(reasons.contains(r), "demo never shows {r}");
        }
        assert!(device_mode, "demo never shows a device-mode route");
        for c in [
            "consent_missing",
            "consent_changed_without_preference_event",
            "invalid_json",
            "no_user_anon_id",
            "duplicate_message_id",
        ] {
            assert!(codes.contains(c), "demo never shows {c}");
        }
        let conflicts = engine.profiles().iter().any(|(_, p)| {
            p.history.iter().any(|h| {
                h.consent()
                    .contains(&crate::engine::profile::ConsentState::Conflict)
            })
        });
        let merged = engine.profiles().iter().any(|(_, p)| {
            p.history
                .iter()
                .any(|h| matches!(h.change, crate::engine::profile::Change::Merge { .. }))
        });
        assert!(merged, "the alias merges accounts");
        assert!(conflicts, "merged accounts disagree somewhere");
    }
}
