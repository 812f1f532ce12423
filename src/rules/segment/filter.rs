//! Segment's destination-filters step (`connections/destinations/destination-filters.md`):
//! per destination, a condition in FQL and what to do to the events it matches: drop them,
//! sample them, drop properties, or allow only some. On what consent and the integrations
//! object let through, never for S3 or warehouses (docs/rules.md, "Destination filters").

use md5::{Digest, Md5};
use serde_json::Value;

use crate::read::event::Tree;
use crate::read::event::{Json, Shape};
use crate::rules::step::{Scope, Step, no_choice};
use crate::rules::verdict::{Block, Decision, Delivery, Dropped, FILTERED_BY_RULES, Mode, Route};
use crate::text::printable;
use crate::workspace::Workspace;
use crate::workspace::filter::{Action, Filter, field_path};
use crate::workspace::fql::Reader;

pub const STEP: Step = Step {
    name: "destination filters",
    about: "the destination's filters: drop, sample, or take fields out of what it receives",
    scope: Scope::Destination,
    reasons: &["destination_filter"],
    discards: &[FILTERED_BY_RULES],
    choices: &[],
    rests_on: no_choice,
    lint: &[
        "filter_never_matched",
        "dropped_field_never_sent",
        "fql_readings_differ",
    ],
    lessons: &[],
    blocked,
    why,
};

/// Applies the destination's filters to a route consent and the integrations object let
/// through: what they take out of the event, or the filter that drops it. `stored` is the
/// event as Segment stores it, made once per event by whichever step asks first.
pub fn step<'e>(
    ws: &Workspace,
    stored: &mut Option<Tree<'e>>,
    ev: &'e crate::read::event::Doc,
    known: &mut [Known; 2],
    r: &mut Route,
) {
    let &Decision::Deliver(why) = &r.decision else {
        return;
    };
    let d = r.destination;
    let dest = &ws.destinations[d];
    if dest.filters.is_empty() || !dest.kind.honours_integrations() {
        return;
    }
    let keys = ws.filter_keys(d);
    // The browser applies a device route's filters (tsub), Segment's servers a cloud route's.
    let reader = match r.mode {
        Mode::Device => Reader::Browser,
        Mode::Cloud => Reader::Server,
    };
    let known = &mut known[reader as usize];
    let applied = match stored.get_or_insert_with(|| ev.tree()) {
        Tree::InPlace(n) => apply(&dest.filters, keys, *n, known, reader),
        Tree::Built(v) => apply(&dest.filters, keys, &*v, known, reader),
    };
    r.removed = applied.removed;
    if let Some((filter, percent)) = applied.random {
        r.unknown
            .push(crate::rules::verdict::Unknown::RandomSample { filter, percent });
    }
    if let Some((filter, dropped)) = applied.dropped {
        r.decision = Decision::Block(Block::DestinationFilter {
            filter,
            dropped,
            consent: why,
        });
    }
}

/// Why a destination filter dropped an event: the filter, its condition, and what happened.
fn describe_drop(
    ws: &Workspace,
    dest: usize,
    filter: usize,
    dropped: &Dropped,
    consent: Delivery,
) -> String {
    let f = &ws.destinations[dest].filters[filter];
    let what = match dropped {
        Dropped::Matched => "its condition matches and the filter drops it".to_owned(),
        Dropped::SampledOut { percent } => format!(
            "its condition matches and the event is sampled out (the filter keeps {}%)",
            percent * 100.0
        ),
        Dropped::Unevaluable(e) => format!(
            "its condition cannot be evaluated on this event ({}), and Segment drops rather than risk sending what a filter would remove",
            printable(e)
        ),
    };
    format!(
        "\"{}\" (if {}): {what}. Consent and the integrations object alone would have let it through ({}).",
        printable(&f.title),
        printable(&f.condition),
        super::connection::describe_delivery(ws, dest, consent)
    )
}

fn blocked(ws: &Workspace, r: &Route, name: &str) -> Option<String> {
    let Decision::Block(Block::DestinationFilter {
        filter,
        dropped,
        consent,
    }) = &r.decision
    else {
        return None;
    };
    Some(format!(
        "{name} is removed{} by its destination filter {}",
        super::words::by(ws, r),
        describe_drop(ws, r.destination, *filter, dropped, *consent)
    ))
}

fn why(ws: &Workspace, r: &Route) -> Option<String> {
    let Decision::Block(Block::DestinationFilter { filter, .. }) = &r.decision else {
        return None;
    };
    let f = &ws.destinations[r.destination].filters[*filter];
    Some(format!(
        "filter \"{}\": if {}",
        printable(&f.title),
        printable(&f.condition)
    ))
}

/// What a delivered route arrives without, as a sentence (or nothing): what the source
/// omitted, and what its filters take out.
pub fn taken_out(r: &Route) -> String {
    let mut out = String::new();
    if !r.omitted.is_empty() {
        out = format!(
            " It arrives without {} (omitted by the source's Protocols).",
            printable(&r.omitted.join(", "))
        );
    }
    if !r.removed.is_empty() {
        out.push_str(&format!(
            " Its destination filters take out {}.",
            printable(&r.removed.join(", "))
        ));
    }
    out
}

/// What the filters of one destination do to one event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    /// The first filter that dropped the event (its index), and why.
    pub dropped: Option<(usize, Dropped)>,
    /// The fields the destination will not receive (`properties.email`), in order.
    pub removed: Vec<String>,
    /// The first filter that samples the event at random (no `path`), and the share it keeps:
    /// the event is taken as kept, and no one can say whether it is.
    pub random: Option<(usize, f64)>,
}

/// Applies `filters` in order to `event` (as Segment stores it), each filter's actions in the
/// documented order: sample, drop, drop properties, allow properties; each condition as
/// `reader` reads it.
pub fn apply<'a, N: Json<'a>>(
    filters: &'a [Filter],
    keys: &[u32],
    event: N,
    known: &mut Known,
    reader: Reader,
) -> Applied {
    let mut out = Applied::default();
    // Built only when a property rule is about to change it (most events pass untouched);
    // the filters after it read the changed event.
    let mut changed: Option<Value> = None;
    for (i, f) in filters.iter().enumerate().filter(|(_, f)| f.enabled) {
        let matched = match &changed {
            Some(v) => f.fql.matches_as(reader, v),
            None => known.get_or(keys[i], || f.fql.matches_as(reader, event)),
        };
        match matched {
            Err(e) => {
                out.dropped = Some((i, Dropped::Unevaluable(e.0)));
                return out;
            }
            Ok(false) => continue,
            Ok(true) => {}
        }
        let ordered = [0, 1, 2, 3].into_iter().flat_map(|rank| {
            f.actions.iter().filter(move |a| {
                rank == match a {
                    Action::Sample { .. } => 0,
                    Action::Drop => 1,
                    Action::DropProperties(_) => 2,
                    Action::AllowProperties(_) => 3,
                }
            })
        });
        for action in ordered {
            match action {
                Action::Sample { percent, path } => {
                    let kept = match &changed {
                        Some(v) => sampled_in(v, *percent, path.as_deref()),
                        None => sampled_in(event, *percent, path.as_deref()),
                    };
                    let Some(kept) = kept else {
                        out.random.get_or_insert((i, *percent));
                        continue;
                    };
                    if !kept {
                        out.dropped = Some((i, Dropped::SampledOut { percent: *percent }));
                        return out;
                    }
                }
                Action::Drop => {
                    out.dropped = Some((i, Dropped::Matched));
                    return out;
                }
                Action::DropProperties(rules) => {
                    for (at, keys) in rules {
                        each_object(
                            changed.get_or_insert_with(|| event.to_value()),
                            at,
                            &mut |obj| {
                                for k in keys {
                                    if obj.remove(k).is_some() {
                                        note(&mut out.removed, at, k);
                                    }
                                }
                            },
                        );
                    }
                }
                Action::AllowProperties(rules) => {
                    for (at, keys) in rules {
                        each_object(
                            changed.get_or_insert_with(|| event.to_value()),
                            at,
                            &mut |obj| {
                                let gone: Vec<String> =
                                    obj.keys().filter(|k| !keys.contains(k)).cloned().collect();
                                for k in gone {
                                    obj.remove(&k);
                                    note(&mut out.removed, at, &k);
                                }
                            },
                        );
                    }
                }
            }
        }
    }
    out
}

/// The conditions already decided on one event, by their key among the workspace's distinct
/// ones (`Workspace::filter_keys`), so that a condition several destinations share is
/// evaluated once. The first 64 keys are remembered; errors never are (they are rare).
#[derive(Debug, Default, Clone, Copy)]
pub struct Known {
    decided: u64,
    matched: u64,
}

impl Known {
    pub fn get_or<E>(
        &mut self,
        key: u32,
        decide: impl FnOnce() -> Result<bool, E>,
    ) -> Result<bool, E> {
        let Some(bit) = 1u64.checked_shl(key) else {
            return decide();
        };
        if self.decided & bit != 0 {
            return Ok(self.matched & bit != 0);
        }
        let matched = decide()?;
        self.decided |= bit;
        if matched {
            self.matched |= bit;
        }
        Ok(matched)
    }
}

fn note(removed: &mut Vec<String>, at: &str, key: &str) {
    let path = field_path(at, key);
    if !removed.contains(&path) {
        removed.push(path);
    }
}

/// The object at `path` (or each object of the array there), as tsub's `filterProperties`
/// finds it.
fn each_object(
    event: &mut Value,
    path: &str,
    f: &mut dyn FnMut(&mut serde_json::Map<String, Value>),
) {
    let mut target = Some(event);
    if !path.is_empty() {
        for key in path.split('.') {
            target = match target {
                Some(Value::Object(m)) => m.get_mut(key),
                Some(Value::Array(a)) => key.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            };
        }
    }
    match target {
        Some(Value::Object(m)) => f(m),
        Some(Value::Array(items)) => {
            for item in items {
                if let Value::Object(m) = item {
                    f(m);
                }
            }
        }
        _ => {}
    }
}

/// tsub's `sampleEvent`: at most 0 keeps nothing, at least 1 everything; with a path, the
/// value there (as JSON) is hashed with MD5 into [0, 1) and kept below the percentage, as
/// Segment's servers and analytics.js both do. Without a path Segment draws at random, which
/// no one can predict: None (docs/rules.md, "Destination filters").
fn sampled_in<'a, N: Json<'a>>(event: N, percent: f64, path: Option<&str>) -> Option<bool> {
    if percent <= 0.0 {
        return Some(false);
    }
    if percent >= 1.0 {
        return Some(true);
    }
    let path = path?;
    let field = path
        .split('.')
        .try_fold(event, |v, k| match v.shape() {
            Shape::Object => v.member(k),
            Shape::Array => k.parse::<usize>().ok().and_then(|i| v.element(i)),
            _ => None,
        })
        .map_or_else(|| "undefined".to_owned(), |v| v.to_value().to_string());
    Some(consistent_fraction(field.as_bytes()) < percent)
}

/// Segment's consistent sampler (segmentio/sampler, which tsub's `sampleConsistentPercent`
/// says it must equal): the MD5 of the value's JSON as a uniform number in [0, 1): the first
/// 8 bytes as a 64-bit significand, leading zeros shifted away and refilled from the next
/// bytes, the lowest bit set, times 2^(-64 - leading zeros). tsub itself, in the browser,
/// reads the digest as hex text instead of bytes and keeps every event (docs/rules.md).
fn consistent_fraction(input: &[u8]) -> f64 {
    let digest = Md5::digest(input);
    let word = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut significand = word(&digest[..8]);
    let leading = significand.leading_zeros();
    let mut exponent = -64i32;
    if leading != 0 {
        exponent -= leading as i32;
        significand <<= leading.min(63);
        significand |= word(&digest[8..16]) >> (64 - leading.min(63));
    }
    significand |= 1;
    (significand as f64) * 2f64.powi(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::workspace::fql::Fql;

    fn filter(condition: &str, actions: Vec<Action>) -> Filter {
        Filter {
            title: "t".into(),
            condition: condition.into(),
            fql: Fql::parse(condition).unwrap(),
            actions,
            enabled: true,
        }
    }

    /// Each filter's condition its own.
    fn run(filters: &[Filter], ev: &Value) -> Applied {
        let keys: Vec<u32> = (0..filters.len() as u32).collect();
        apply(filters, &keys, ev, &mut Known::default(), Reader::Server)
    }

    #[test]
    fn a_shared_condition_is_decided_again_on_the_event_a_property_rule_changed() {
        let ev = json!({"type": "identify", "traits": {"plan": "pro"}});
        let strip = filter(
            "traits.plan = 'pro'",
            vec![Action::DropProperties(vec![(
                "traits".into(),
                vec!["plan".into()],
            )])],
        );
        let drop = filter("traits.plan = 'pro'", vec![Action::Drop]);
        let mut known = Known::default();
        let a = apply(
            &[strip, drop.clone()],
            &[0, 0],
            &ev,
            &mut known,
            Reader::Server,
        );
        assert_eq!(
            (a.dropped, a.removed),
            (None, vec!["traits.plan".to_owned()])
        );
        // Another destination with the same condition, on the event as it came: decided once.
        let b = apply(&[drop], &[0], &ev, &mut known, Reader::Server);
        assert_eq!(b.dropped, Some((0, Dropped::Matched)));
    }

    #[test]
    fn drops_and_property_rules_in_their_order() {
        let ev = json!({"type": "identify", "traits": {"email": "a@b.c", "plan": "pro"},
                        "context": {"traits": {"email": "a@b.c"}}});
        let pii = filter(
            "type = 'identify'",
            vec![Action::DropProperties(vec![
                ("traits".into(), vec!["email".into()]),
                (
                    "context.traits".into(),
                    vec!["email".into(), "phone".into()],
                ),
            ])],
        );
        let a = run(std::slice::from_ref(&pii), &ev);
        assert_eq!(a.dropped, None);
        assert_eq!(a.removed, ["traits.email", "context.traits.email"]);
        let allow = filter(
            "type = 'identify'",
            vec![Action::AllowProperties(vec![(
                "traits".into(),
                vec!["plan".into()],
            )])],
        );
        assert_eq!(run(&[allow], &ev).removed, ["traits.email"]);
        let drop = filter("traits.plan = 'pro'", vec![Action::Drop]);
        let disabled = Filter {
            enabled: false,
            ..filter("type = 'identify'", vec![Action::Drop])
        };
        assert_eq!(
            run(&[disabled, pii.clone(), drop], &ev).dropped,
            Some((2, Dropped::Matched))
        );
        let broken = filter("'x' in traits.plan", vec![Action::Drop]);
        assert!(matches!(
            run(&[broken], &ev).dropped,
            Some((0, Dropped::Unevaluable(_)))
        ));
    }

    #[test]
    fn sampling_is_deterministic_on_the_path() {
        let keep_all = filter(
            "type = 'track'",
            vec![Action::Sample {
                percent: 1.0,
                path: None,
            }],
        );
        let ev = |u: &str| json!({"type": "track", "userId": u});
        assert_eq!(run(&[keep_all], &ev("u")).dropped, None);
        let half = filter(
            "type = 'track'",
            vec![Action::Sample {
                percent: 0.5,
                path: Some("userId".into()),
            }],
        );
        let kept = (0..1000)
            .filter(|i| {
                run(std::slice::from_ref(&half), &ev(&format!("u{i}")))
                    .dropped
                    .is_none()
            })
            .count();
        assert!((400..600).contains(&kept), "{kept} of 1000 kept at 50%");
        // The same user, the same answer.
        let once = run(std::slice::from_ref(&half), &ev("u7")).dropped;
        assert_eq!(run(&[half], &ev("u7")).dropped, once);
    }
}
