//! Segment's destination catalog, as far as routing needs it: the event types each destination
//! accepts, the names Segment also knows it by, and how it can be connected. `catalog.json` is
//! generated from segment-docs' `src/_data/catalog/destinations.yml` (Segment's own export of
//! its Public API catalog) by `tests/catalog/generate.py`, which says the commit it was made
//! from; `tests/catalog.rs` holds the committed table to that catalog.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::read::event::Kind;

const TABLE: &str = include_str!("catalog.json");

/// What the catalog says of one destination.
#[derive(Debug, Deserialize)]
pub struct Entry {
    pub name: String,
    /// The other names Segment knows it by (`previous_names`), in the integrations object too.
    pub previous: Vec<String>,
    /// The event types it accepts (`methods`).
    pub methods: Vec<String>,
    /// Where it has a device-mode component: `web`, `mobile`, `server`.
    pub device: Vec<String>,
    /// Where it can be connected in cloud mode.
    pub cloud: Vec<String>,
    /// Whether it is an Actions destination.
    pub actions: bool,
}

impl Entry {
    /// Whether it takes events of type `kind`.
    pub fn accepts(&self, kind: Kind) -> bool {
        self.methods.iter().any(|m| m == kind.as_str())
    }
}

#[derive(Deserialize)]
struct Table {
    source: String,
    destinations: Vec<Entry>,
}

struct Catalog {
    source: String,
    entries: Vec<Entry>,
    /// Every name and previous name, to its entry.
    by_name: HashMap<String, usize>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let table: Table = serde_json::from_str(TABLE).expect("catalog.json is the generator's");
        let mut by_name = HashMap::new();
        for (i, e) in table.destinations.iter().enumerate() {
            by_name.entry(e.name.clone()).or_insert(i);
        }
        // A destination's own name goes over another's previous one.
        for (i, e) in table.destinations.iter().enumerate() {
            for p in &e.previous {
                by_name.entry(p.clone()).or_insert(i);
            }
        }
        Catalog {
            source: table.source,
            entries: table.destinations,
            by_name,
        }
    })
}

/// The catalog's entry for a destination named `name`, by its name or a previous one (exactly,
/// as Segment matches them).
pub fn lookup(name: &str) -> Option<&'static Entry> {
    let c = catalog();
    c.by_name.get(name).map(|&i| &c.entries[i])
}

/// The names other than `name` that Segment knows the destination named `name` by: its
/// catalog name, then its previous names, in the catalog's order (at most 255).
pub fn other_names(name: &str) -> Vec<&'static str> {
    let Some(e) = lookup(name) else {
        return Vec::new();
    };
    std::iter::once(e.name.as_str())
        .chain(e.previous.iter().map(String::as_str))
        .filter(|n| *n != name)
        .take(usize::from(u8::MAX))
        .collect()
}

/// The destination of `ws` that Segment also knows as `key` (another name of its, by the
/// catalog), if `key` is none of the destinations' own names.
pub fn known_as(ws: &super::Workspace, key: &str) -> Option<usize> {
    if ws.destination(key).is_some() {
        return None;
    }
    ws.destinations
        .iter()
        .position(|d| other_names(&d.name).contains(&key))
}

/// Every destination the catalog has.
pub fn entries() -> &'static [Entry] {
    &catalog().entries
}

/// Where the table comes from, as the generator wrote it.
pub fn source() -> &'static str {
    &catalog().source
}
