//! `/inspector/…`: what happened to the calls received so far, for tests to assert on. The
//! capture file is read as `route` reads it, so the answers agree with `route` line for line.

use std::io::{self, Write};
use std::sync::Arc;

use crate::analyses::ndjson::{Ndjson, write_profiles};
use crate::engine::profile::IdentityId;
use crate::engine::{Engine, Outcome};
use crate::read::input::Records;
use crate::rules::verdict::REASONS;
use crate::rules::vocab;
use crate::workspace::Workspace;

/// `?user=&destination=&decision=&reason=`: which routing records to return. Every term
/// given must hold; `destination`, `decision` and `reason` must hold of one route.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Query {
    /// Any id of the user: the events of everyone it is linked to (by the end of the capture).
    pub user: Option<String>,
    pub destination: Option<String>,
    /// `deliver` or `block`.
    pub decision: Option<String>,
    pub reason: Option<String>,
}

impl Query {
    /// From a URL's query string; unknown keys are an error, so a typo does not pass
    /// everything.
    pub fn parse(query: &str) -> Result<Self, String> {
        let mut q = Self::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let key = vocab::one_of("filter", &k, &Self::KEYS)?;
            let v = v.into_owned();
            let slot = match key {
                "user" => &mut q.user,
                "destination" => &mut q.destination,
                // Checked against the same words as `--policy` and the `:` prompt, so a
                // typo is a 400, not an empty answer a CI check would pass on.
                "decision" => {
                    vocab::one_of("decision", &v, &vocab::DECISIONS)?;
                    &mut q.decision
                }
                _ => {
                    vocab::one_of("reason", &v, &REASONS)?;
                    &mut q.reason
                }
            };
            *slot = Some(v);
        }
        Ok(q)
    }

    const KEYS: [&'static str; 4] = ["user", "destination", "decision", "reason"];
}

/// Every outcome of the capture, in order, as `route` decides them.
fn each_outcome(
    file: &str,
    ws: &Arc<Workspace>,
    mut f: impl FnMut(&Engine, &Outcome) -> io::Result<()>,
) -> io::Result<Engine> {
    let mut engine = Engine::new(ws.clone());
    crate::engine::pipeline::run_all(&mut engine, vec![Records::open(file)?], |e, o| f(e, &o))?;
    Ok(engine)
}

/// A query checked against the workspace, ready to run over the capture: a mistake is told
/// before any answer starts.
#[derive(Debug, Clone)]
pub struct Plan {
    q: Query,
    dest: Option<usize>,
}

impl Plan {
    pub fn new(ws: &Workspace, q: Query) -> Result<Self, String> {
        let dest = match &q.destination {
            Some(name) => Some(vocab::destination(ws, name)?),
            None => None,
        };
        Ok(Self { q, dest })
    }
}

/// The routing records (`route`'s NDJSON) that the plan passes, written as they are decided.
pub fn events(file: &str, ws: &Arc<Workspace>, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let q = &plan.q;
    // The user's profile as of the end of the capture: a first pass links every id.
    let user_root = match &q.user {
        Some(id) => {
            let engine = each_outcome(file, ws, |_, _| Ok(()))?;
            let root = engine
                .profiles()
                .lookup(id)
                .map(|i| engine.profiles().root(i));
            Some(root.map(|r| (r, engine)))
        }
        None => None,
    };
    let mut ndjson = Ndjson::new(ws);
    each_outcome(file, ws, |_, o| {
        if passes(q, plan.dest, user_root.as_ref(), o) {
            ndjson.write(out, o)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn passes(
    q: &Query,
    dest: Option<usize>,
    user: Option<&Option<(IdentityId, Engine)>>,
    o: &Outcome,
) -> bool {
    match user {
        // An id never seen: nothing of theirs.
        Some(None) => return false,
        Some(Some((root, engine))) => {
            // The same input in the same order gives the same identities in both passes.
            let mine = o
                .identity
                .is_some_and(|i| engine.profiles().root(i) == *root);
            if !mine {
                return false;
            }
        }
        None => {}
    }
    if dest.is_none() && q.decision.is_none() && q.reason.is_none() {
        return true;
    }
    o.routes.iter().any(|r| {
        dest.is_none_or(|d| r.destination == d)
            && q.decision.as_deref().is_none_or(|d| d == r.decision.verb())
            && q.reason.as_deref().is_none_or(|x| x == r.decision.reason())
    })
}

/// The `profiles` contract for the capture.
pub fn profiles(file: &str, ws: &Arc<Workspace>, out: &mut dyn Write) -> io::Result<()> {
    let engine = each_outcome(file, ws, |_, _| Ok(()))?;
    write_profiles(out, ws, engine.profiles())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_and_mistakes_named() {
        let q =
            Query::parse("user=u-bob&destination=Google%20Analytics+4&decision=deliver").unwrap();
        assert_eq!(q.user.as_deref(), Some("u-bob"));
        assert_eq!(q.destination.as_deref(), Some("Google Analytics 4"));
        assert!(
            Query::parse("usr=x")
                .unwrap_err()
                .contains("unknown filter")
        );
        assert_eq!(
            Query::parse("decision=maybe").unwrap_err(),
            "unknown decision \"maybe\"; known: deliver, block, uncertain"
        );
        // Every value is checked: a misspelt reason is an error, not an empty answer.
        assert_eq!(
            Query::parse("reason=not_consent").unwrap_err(),
            format!(
                "unknown reason \"not_consent\" (did you mean \"no_consent\" or \"not_consented\"?); known: {}",
                REASONS.join(", ")
            )
        );
        assert!(Query::parse("reason=bogus").is_err());
        assert!(Query::parse("reason=duplicate").is_ok());
        assert!(
            Query::parse("reasons=duplicate")
                .unwrap_err()
                .contains("(did you mean \"reason\"?)")
        );
    }

    #[test]
    fn the_records_agree_with_route_and_filter_by_user_and_route() {
        let ws = Arc::new(
            Workspace::load(std::path::Path::new("samples/consent-settings.json")).unwrap(),
        );
        let file = "samples/events.jsonl";
        let run = |q: Query| {
            let mut out = Vec::new();
            events(file, &ws, &Plan::new(&ws, q).unwrap(), &mut out).unwrap();
            out
        };
        let all = run(Query::default());
        let mut expected = Vec::new();
        let mut nd = Ndjson::new(&ws);
        each_outcome(file, &ws, |_, o| nd.write(&mut expected, o)).unwrap();
        assert_eq!(all, expected);
        let q = Query::parse("user=a-bob-51e&destination=Braze&decision=block").unwrap();
        let text = String::from_utf8(run(q)).unwrap();
        let lines: Vec<u64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        // u-bob's events (his anonymous id links them) that Braze did not get.
        assert!(lines.contains(&16) && lines.contains(&50), "{lines:?}");
        assert!(!lines.contains(&18), "{lines:?}");
        assert!(run(Query::parse("user=nobody").unwrap()).is_empty());
        assert!(
            Plan::new(&ws, Query::parse("destination=Brazee").unwrap())
                .unwrap_err()
                .contains("no destination")
        );
    }
}
