//! Each vendor's chain of steps is the one list of what can happen to an event: every reason,
//! discard code, choice, lint check and lesson belongs to a step, and every route the engine
//! decides carries a reason of a step of its vendor's chain.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use consent_inspector::analyses::lint::LintCode;
use consent_inspector::engine::Engine;
use consent_inspector::read::input::Records;
use consent_inspector::rules::choices::Choice;
use consent_inspector::rules::dialect::chain;
use consent_inspector::rules::step::Chain;
use consent_inspector::rules::verdict::{DISCARDS, REASONS};
use consent_inspector::workspace::Workspace;
use consent_inspector::workspace::dialect::Dialect;

const DIALECTS: [Dialect; 2] = [Dialect::Segment, Dialect::RudderStack];

fn chains() -> impl Iterator<Item = &'static Chain> {
    DIALECTS.into_iter().map(chain)
}

#[test]
fn every_reason_is_given_by_a_step_and_every_step_s_reason_is_one() {
    let given: BTreeSet<&str> = chains()
        .flat_map(|c| c.steps.iter().flat_map(|s| s.reasons.iter().copied()))
        .collect();
    let all: BTreeSet<&str> = REASONS.into_iter().collect();
    assert_eq!(given, all);
}

#[test]
fn every_discard_code_is_a_step_s() {
    let mut listed: Vec<&str> = chains()
        .flat_map(|c| c.steps.iter().flat_map(|s| s.discards.iter().copied()))
        .collect();
    listed.sort_unstable();
    listed.dedup();
    let mut all = DISCARDS.to_vec();
    all.sort_unstable();
    assert_eq!(listed, all);
}

#[test]
fn every_choice_and_lint_check_belongs_to_exactly_one_step() {
    let steps = || chains().flat_map(|c| c.steps.iter());
    for c in Choice::ALL {
        let owners: Vec<&str> = steps()
            .filter(|s| s.choices.contains(&c))
            .map(|s| s.name)
            .collect();
        assert_eq!(owners.len(), 1, "{c:?}: {owners:?}");
    }
    for code in LintCode::ALL {
        let owners: Vec<&str> = steps()
            .filter(|s| s.lint.contains(&code.as_str()))
            .map(|s| s.name)
            .collect();
        assert_eq!(owners.len(), 1, "{}: {owners:?}", code.as_str());
    }
}

/// Every lesson of the tour teaches a step (but the one on profiles, which are the engine's
/// state, not a step), and every lesson a step names is in the tour.
#[test]
fn every_lesson_teaches_a_step() {
    let tour = consent_inspector::tui::tour::Tour::load().unwrap();
    let titles: BTreeSet<&str> = tour.lessons.iter().map(|l| l.title.as_str()).collect();
    let taught: BTreeSet<&str> = chains()
        .flat_map(|c| c.steps.iter().flat_map(|s| s.lessons.iter().copied()))
        .collect();
    for t in &taught {
        assert!(titles.contains(t), "no lesson titled {t:?}");
    }
    let untaught: Vec<&&str> = titles.difference(&taught).collect();
    assert_eq!(
        untaught,
        [&"Profiles: a merge of two different choices is a conflict"]
    );
}

/// On every sample, each route's reason is one its vendor's chain gives.
#[test]
fn every_route_carries_a_reason_of_its_vendor_s_chain() {
    for (settings, events) in [
        ("samples/consent-settings.json", "samples/events.jsonl"),
        ("samples/consent-settings.json", "samples/capture.har"),
        (
            "samples/filters/consent-settings.json",
            "samples/filters/events.jsonl",
        ),
        (
            "samples/rudderstack/source-config.json",
            "samples/rudderstack/events.jsonl",
        ),
    ] {
        let ws = Arc::new(Workspace::load(Path::new(settings)).unwrap());
        let reasons: BTreeSet<&str> = chain(ws.dialect())
            .steps
            .iter()
            .flat_map(|s| s.reasons.iter().copied())
            .collect();
        let mut engine = Engine::new(ws.clone());
        let mut records = Records::open(events).unwrap();
        let mut seen = 0;
        while let Some(chunk) = records.next_chunk(256, 1 << 20) {
            let mut recs = Vec::new();
            chunk.unwrap().records(&mut recs);
            for r in recs {
                for route in &engine.ingest(r).routes {
                    seen += 1;
                    let reason = route.decision.reason();
                    assert!(reasons.contains(reason), "{events}: {reason}");
                }
            }
        }
        assert!(seen > 50, "{events}: {seen} routes");
    }
}
