//! Which events the Events pane lists: terms combined with AND, written by the single-key
//! filters and by the `:` prompt alike, and what the prompt's other commands mean.

use crate::engine::Outcome;
use crate::engine::profile::IdentityId;
use crate::read::event::Kind;
use crate::rules::finding::Code;
use crate::rules::verdict::{Mode, REASONS};
use crate::rules::vocab;
use crate::workspace::CatIdx;

use super::store::{FILTERABLE_DESTINATIONS, Row, Status, Store};

/// One condition on an event. Most are answered from the event's row; those about the
/// routing decision (`on_outcome`) need the event decided again from its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    NotIngested,
    Warnings,
    /// Blocked for at least one destination (ingested events only).
    Blocked,
    /// Delivered to at least one destination.
    Delivered,
    /// An uncertain route (for this destination, or for any): a step the settings do not
    /// describe decides.
    Uncertain(Option<usize>),
    /// Blocked for this destination, or delivered to it.
    Destination {
        index: usize,
        delivered: bool,
    },
    /// Events of this user's profile (any linked id), by the profile's root.
    User(IdentityId),
    Type(Kind),
    /// The track event's name, or the page's or screen's.
    Event(String),
    /// At or after this time, in seconds since the Unix epoch.
    Since(i64),
    /// At or before this time.
    Until(i64),
    /// Some destination got this reason (`not_consented`, `duplicate`…).
    Reason(&'static str),
    /// This category blocked some destination.
    Category(CatIdx),
    /// A finding with this code.
    Code(Code),
    /// Some destination is sent in this mode.
    Mode(Mode),
    /// A HAR capture's vendor requests and wire findings, not its events.
    Wire,
}

impl Term {
    /// Whether the term asks about the routing decision, which rows do not keep.
    pub fn on_outcome(&self) -> bool {
        match self {
            Term::Destination { index, .. } => *index >= FILTERABLE_DESTINATIONS,
            Term::Reason(_) | Term::Category(_) | Term::Code(_) | Term::Mode(_) => true,
            _ => false,
        }
    }

    /// Whether the decided event meets a term that asks about the routing decision.
    fn holds_for(&self, o: &Outcome) -> bool {
        match self {
            Term::Destination { index, delivered } => o
                .routes
                .get(*index)
                .is_some_and(|r| o.ingested() && r.decision.delivered() == *delivered),
            Term::Reason(reason) => o.routes.iter().any(|r| r.decision.reason() == *reason),
            Term::Category(c) => o
                .routes
                .iter()
                .any(|r| r.decision.blocking_categories().contains(c)),
            Term::Code(code) => o.findings.iter().any(|f| f.code == *code),
            Term::Mode(m) => o.routes.iter().any(|r| r.mode == *m),
            _ => true,
        }
    }

    /// Whether the event on `row` meets the term; terms on the outcome are left to
    /// `holds_for`.
    fn holds(&self, store: &Store, row: &Row) -> bool {
        if self.on_outcome() {
            return true;
        }
        let ingested = row.status != Status::NotIngested;
        match self {
            Term::NotIngested => row.status == Status::NotIngested,
            Term::Warnings => row.status == Status::Warnings,
            Term::Blocked => ingested && row.blocked > 0,
            Term::Delivered => {
                ingested && usize::from(row.blocked) < store.workspace().destinations.len()
            }
            Term::Destination { index, delivered } => {
                let blocked = row.blocked_set & (1 << index) != 0;
                ingested && blocked != *delivered
            }
            Term::Uncertain(None) => row.uncertain_set != 0,
            Term::Uncertain(Some(index)) => row.uncertain_set & (1 << index) != 0,
            Term::User(root) => row
                .identity()
                .is_some_and(|id| store.engine.profiles().root(id) == *root),
            Term::Type(k) => row.kind() == Some(*k),
            Term::Event(name) => store.name(row.name) == name,
            Term::Since(t) => row.time().is_some_and(|at| at.as_second() >= *t),
            Term::Until(t) => row.time().is_some_and(|at| at.as_second() <= *t),
            Term::Reason(_) | Term::Category(_) | Term::Code(_) | Term::Mode(_) => true,
            Term::Wire => false,
        }
    }

    /// Whether a wire row (a vendor request, a wire finding) meets the term: only the wire
    /// term and times are about it.
    fn holds_for_wire(&self, row: &Row) -> bool {
        match self {
            Term::Wire => true,
            Term::Since(t) => row.time().is_some_and(|at| at.as_second() >= *t),
            Term::Until(t) => row.time().is_some_and(|at| at.as_second() <= *t),
            _ => false,
        }
    }

    /// The term as the prompt writes it.
    pub fn describe(&self, store: &Store) -> String {
        let quoted = |s: &str| {
            if s.contains(char::is_whitespace) {
                format!("\"{s}\"")
            } else {
                s.to_owned()
            }
        };
        let at = |t: i64| {
            jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |t| t.to_string())
        };
        let text = match self {
            Term::NotIngested => "not-ingested".into(),
            Term::Warnings => "warnings".into(),
            Term::Wire => "wire".into(),
            Term::Blocked => "blocked".into(),
            Term::Delivered => "decision:deliver".into(),
            Term::Uncertain(None) => "decision:uncertain".into(),
            Term::Uncertain(Some(index)) => format!(
                "dest:{} decision:uncertain",
                quoted(&store.workspace().destinations[*index].name)
            ),
            Term::Destination { index, delivered } => format!(
                "dest:{}{}",
                quoted(&store.workspace().destinations[*index].name),
                if *delivered { " delivered" } else { "" }
            ),
            Term::User(root) => format!("user:{}", quoted(store.engine.profiles().label(*root))),
            Term::Type(k) => format!("type:{}", k.as_str()),
            Term::Event(name) => format!("event:{}", quoted(name)),
            Term::Since(t) => format!("since:{}", at(*t)),
            Term::Until(t) => format!("until:{}", at(*t)),
            Term::Reason(r) => format!("reason:{r}"),
            Term::Category(c) => format!("cat:{}", store.workspace().category(*c).id),
            Term::Code(c) => format!("code:{}", c.as_str()),
            Term::Mode(m) => format!("mode:{}", m.as_str()),
        };
        crate::text::printable(&text).into_owned()
    }
}

/// Terms combined with AND; none lists every event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub terms: Vec<Term>,
}

impl Filter {
    pub fn of(term: Term) -> Self {
        Self { terms: vec![term] }
    }

    pub fn is_all(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn has(&self, term: &Term) -> bool {
        self.terms.contains(term)
    }

    /// Adds the term, or takes it away when it is there already.
    pub fn toggle(&mut self, term: Term) {
        match self.terms.iter().position(|t| *t == term) {
            Some(i) => {
                self.terms.remove(i);
            }
            None => self.terms.push(term),
        }
    }

    /// Puts `term` in place of any term of the same sort (another destination, user…).
    pub fn replace_same(&mut self, term: Term) {
        self.terms
            .retain(|t| std::mem::discriminant(t) != std::mem::discriminant(&term));
        self.terms.push(term);
    }

    /// The destination the filter names, if one.
    pub fn destination(&self) -> Option<usize> {
        self.terms.iter().find_map(|t| match t {
            Term::Destination { index, .. } => Some(*index),
            _ => None,
        })
    }

    /// Whether the row meets every term it can answer.
    pub fn passes(&self, store: &Store, row: &Row) -> bool {
        if row.is_wire() {
            return self.terms.iter().all(|t| t.holds_for_wire(row));
        }
        row.is_event() && self.terms.iter().all(|t| t.holds(store, row))
    }

    /// Whether some term needs the event decided again from its line.
    pub fn on_outcome(&self) -> bool {
        self.terms.iter().any(Term::on_outcome)
    }

    /// Whether the decided event meets every term about the routing decision.
    pub fn passes_outcome(&self, o: &Outcome) -> bool {
        self.terms.iter().all(|t| t.holds_for(o))
    }

    /// The filter as the prompt writes it.
    pub fn describe(&self, store: &Store) -> String {
        let parts: Vec<String> = self.terms.iter().map(|t| t.describe(store)).collect();
        parts.join(" ")
    }
}

/// What a line typed after `:` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Go to the event on this line.
    Line(u64),
    /// Go to the event with this messageId.
    MessageId(String),
    /// List only the events that meet every term.
    Filter(Filter),
    /// List every event.
    Clear,
}

/// The keys a filter term starts with, and the bare words, for completion and for errors.
pub const KEYS: [&str; 12] = [
    "user:",
    "dest:",
    "type:",
    "event:",
    "since:",
    "until:",
    "decision:",
    "reason:",
    "cat:",
    "code:",
    "mode:",
    "clear",
];
pub const WORDS: [&str; 5] = ["not-ingested", "warnings", "blocked", "delivered", "wire"];

/// Splits a command line into words; a double-quoted value may hold spaces.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A time as the prompt takes it: RFC 3339, or a date and time without a zone, read in
/// `zone`.
fn parse_time(text: &str, zone: &jiff::tz::TimeZone) -> Result<i64, String> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    let civil: jiff::civil::DateTime = text
        .parse()
        .or_else(|_| text.parse::<jiff::civil::Date>().map(|d| d.at(0, 0, 0, 0)))
        .map_err(|_| format!("\"{text}\" is not a time (2026-11-20T09:05, or RFC 3339)"))?;
    civil
        .to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp().as_second())
        .map_err(|e| e.to_string())
}

/// Reads a command line: a line number, a filter, `clear`, or else a messageId.
/// `decision:WORD`: of the destination named before it (like the API's
/// `destination=…&decision=…`), else of any.
fn decision(filter: &mut Filter, value: &str) -> Result<(), String> {
    let word = vocab::one_of("decision", value, &vocab::DECISIONS)?;
    let delivered = word == "deliver";
    match filter.terms.last_mut() {
        Some(t @ Term::Destination { .. }) if word == "uncertain" => {
            let Term::Destination { index, .. } = *t else {
                unreachable!("matched above")
            };
            *t = Term::Uncertain(Some(index));
        }
        _ if word == "uncertain" => filter.terms.push(Term::Uncertain(None)),
        Some(Term::Destination { delivered: d, .. }) => *d = delivered,
        _ if delivered => filter.terms.push(Term::Delivered),
        _ => filter.terms.push(Term::Blocked),
    }
    Ok(())
}

pub fn parse(text: &str, store: &Store, zone: &jiff::tz::TimeZone) -> Result<Command, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Ok(Command::Line(n));
    }
    let ws = store.workspace();
    let words = words(text);
    if words.is_empty() || words == ["clear"] {
        return Ok(Command::Clear);
    }
    let is_term = |w: &str| WORDS.contains(&w) || KEYS.iter().any(|k| w.starts_with(k));
    if words.len() == 1 && !is_term(&words[0]) {
        // `foo:bar` is a mistyped filter, not a messageId to look for.
        if let Some((key, _)) = words[0].split_once(':') {
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                return Err(unknown_key(key));
            }
        }
        return Ok(Command::MessageId(words[0].clone()));
    }
    let mut filter = Filter::default();
    for w in &words {
        let (key, value) = w.split_once(':').unwrap_or((w.as_str(), ""));
        let term = match key {
            "not-ingested" => Term::NotIngested,
            "warnings" => Term::Warnings,
            "wire" => Term::Wire,
            "blocked" => Term::Blocked,
            "delivered" => {
                // Turns the destination named before it to the delivered side.
                match filter.terms.last_mut() {
                    Some(Term::Destination { delivered, .. }) => *delivered = true,
                    _ => return Err("delivered follows dest:NAME".into()),
                }
                continue;
            }
            "dest" => {
                let index = ws
                    .destination_ignoring_case(value)
                    .map_or_else(|| vocab::destination(ws, value), Ok)
                    .map_err(|e| format!("{e} (Tab completes names)"))?;
                Term::Destination {
                    index,
                    delivered: false,
                }
            }
            "user" => {
                let profiles = store.engine.profiles();
                let id = profiles
                    .lookup(value)
                    .ok_or_else(|| format!("no user \"{value}\" (Tab completes ids)"))?;
                Term::User(profiles.root(id))
            }
            "type" => Term::Type(
                Kind::parse(value)
                    .ok_or_else(|| format!("\"{value}\" is not an event type (track, page, …)"))?,
            ),
            "event" => Term::Event(value.to_owned()),
            "since" => Term::Since(parse_time(value, zone)?),
            "until" => Term::Until(parse_time(value, zone)?),
            "reason" => Term::Reason(vocab::one_of("reason", value, &REASONS)?),
            "decision" => {
                decision(&mut filter, value)?;
                continue;
            }
            "cat" => Term::Category(
                ws.lookup(value)
                    .or_else(|| ws.lookup_ignoring_case(value))
                    .ok_or_else(|| format!("no category \"{value}\" (Tab completes ids)"))?,
            ),
            "code" => Term::Code(
                Code::ALL
                    .iter()
                    .copied()
                    .find(|c| c.as_str() == value)
                    .ok_or_else(|| format!("\"{value}\" is no finding code (Tab completes)"))?,
            ),
            "mode" => Term::Mode(match value {
                "cloud" => Mode::Cloud,
                "device" => Mode::Device,
                _ => return Err(format!("\"{value}\" is no mode: cloud or device")),
            }),
            _ if w.contains(':') => return Err(unknown_key(key)),
            _ => {
                return Err(format!(
                    "\"{}\" is no filter: use {} or {}",
                    crate::text::printable(w),
                    KEYS.join(" "),
                    WORDS.join(" ")
                ));
            }
        };
        filter.terms.push(term);
    }
    Ok(Command::Filter(filter))
}

/// A `key:` the prompt does not know, with the nearest known one.
fn unknown_key(key: &str) -> String {
    let keys: Vec<&str> = KEYS.iter().filter_map(|k| k.strip_suffix(':')).collect();
    vocab::one_of("filter key", key, &keys).map_or_else(
        |e| format!("{e} (or a word: {})", WORDS.join(", ")),
        str::to_owned,
    )
}

/// Completes the last word of a command line: a key, a bare word, or a value (destination
/// names, user ids, types). Returns the new line and what else it could have been.
pub fn complete(text: &str, store: &Store) -> (String, Vec<String>) {
    let start = text.rfind(' ').map_or(0, |i| i + 1);
    let (head, last) = text.split_at(start);
    let ws = store.workspace();
    let candidates: Vec<String> = match last.split_once(':') {
        Some((key, partial)) => {
            let values: Vec<String> = match key {
                "dest" => ws.destinations.iter().map(|d| d.name.clone()).collect(),
                "user" => {
                    let p = store.engine.profiles();
                    p.in_order()
                        .iter()
                        .map(|r| p.label(*r).to_owned())
                        .collect()
                }
                "type" => Kind::ALL.iter().map(|k| k.as_str().to_owned()).collect(),
                "reason" => REASONS.iter().map(|r| (*r).to_owned()).collect(),
                "decision" => vocab::DECISIONS.iter().map(|d| (*d).to_owned()).collect(),
                "cat" => ws.categories.iter().map(|c| c.id.clone()).collect(),
                "code" => Code::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
                "mode" => Mode::ALL.iter().map(|m| m.as_str().to_owned()).collect(),
                _ => Vec::new(),
            };
            let partial = partial.trim_start_matches('"').to_lowercase();
            values
                .into_iter()
                .filter(|v| v.to_lowercase().starts_with(&partial))
                .map(|v| {
                    if v.contains(' ') {
                        format!("{key}:\"{v}\"")
                    } else {
                        format!("{key}:{v}")
                    }
                })
                .collect()
        }
        None => KEYS
            .iter()
            .chain(WORDS.iter())
            .filter(|k| k.starts_with(last))
            .map(|k| (*k).to_owned())
            .collect(),
    };
    let completed = match candidates.as_slice() {
        [one] => one.clone(),
        [] => last.to_owned(),
        many => common_prefix(many),
    };
    (format!("{head}{completed}"), candidates)
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map_or(end.min(w.len()), |((i, _), _)| i),
        );
    }
    first[..end].to_owned()
}
