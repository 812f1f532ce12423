//! RULES §5: per-user consent state, identity linking and the two profile warnings.

mod common;

use common::{codes, run, workspace};
use consent_inspector::engine::Engine;
use consent_inspector::engine::profile::{Change, ConsentState};
use serde_json::json;

use ConsentState::{Conflict, Denied, Granted};

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass json! temporaries"
)]
fn cpu(ids: serde_json::Value, prefs: serde_json::Value) -> String {
    let mut v = json!({"type": "track", "event": "Segment Consent Preference Updated",
                       "context": {"consent": {"categoryPreferences": prefs}}});
    v.as_object_mut()
        .unwrap()
        .extend(ids.as_object().unwrap().clone());
    v.to_string()
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass json! temporaries"
)]
fn track(ids: serde_json::Value, prefs: Option<serde_json::Value>) -> String {
    let mut v = json!({"type": "track", "event": "Viewed"});
    if let Some(p) = prefs {
        v["context"] = json!({"consent": {"categoryPreferences": p}});
    }
    v.as_object_mut()
        .unwrap()
        .extend(ids.as_object().unwrap().clone());
    v.to_string()
}

/// The common workspace, with `email` as an external id.
fn with_email_as_external_id() -> std::sync::Arc<consent_inspector::workspace::Workspace> {
    with_settings(&json!({"externalIds": ["email"]}))
}

/// Unify's limit of `user_id` raised to 2 (the docs' own example), so that two identified
/// users can merge.
fn two_user_ids() -> std::sync::Arc<consent_inspector::workspace::Workspace> {
    with_settings(&json!({"identityResolution": {"limits": {"user_id": 2}}}))
}

/// The common workspace with `extra`'s keys over it.
fn with_settings(
    extra: &serde_json::Value,
) -> std::sync::Arc<consent_inspector::workspace::Workspace> {
    let mut settings: serde_json::Value = serde_json::from_str(common::SETTINGS).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    std::sync::Arc::new(
        consent_inspector::workspace::Workspace::from_slice(
            "s.json",
            settings.to_string().as_bytes(),
        )
        .unwrap(),
    )
}

fn consent_of(engine: &Engine, id: &str) -> Option<Vec<ConsentState>> {
    let p = engine.profiles();
    p.profile(p.lookup(id).expect("known id")).consent.clone()
}

#[test]
fn identity_is_user_id_else_anonymous_id() {
    let mut e = Engine::new(workspace());
    let outs = run(
        &mut e,
        &[
            &track(json!({"anonymousId": "a1"}), None),
            &track(json!({"userId": "u1", "anonymousId": "a2"}), None),
        ],
    );
    let p = e.profiles();
    assert_eq!(p.name(outs[0].identity.unwrap()), "a1");
    assert_eq!(p.name(outs[1].identity.unwrap()), "u1");
    // Both ids on one event link them.
    assert_eq!(
        p.root(p.lookup("u1").unwrap()),
        p.root(p.lookup("a2").unwrap())
    );
    assert_ne!(
        p.root(p.lookup("a1").unwrap()),
        p.root(p.lookup("u1").unwrap())
    );
}

#[test]
fn an_update_sets_every_category_and_missing_ones_become_false() {
    let mut e = Engine::new(workspace());
    run(&mut e, &[&track(json!({"userId": "u1"}), None)]);
    assert_eq!(
        consent_of(&e, "u1"),
        None,
        "events without consent do not change the profile"
    );
    run(
        &mut e,
        &[&cpu(
            json!({"userId": "u1"}),
            json!({"C0002": true, "C0003": false}),
        )],
    );
    assert_eq!(
        consent_of(&e, "u1"),
        Some(vec![Denied, Granted, Denied, Denied, Denied])
    );
    run(&mut e, &[&track(json!({"userId": "u1"}), None)]);
    assert_eq!(
        consent_of(&e, "u1"),
        Some(vec![Denied, Granted, Denied, Denied, Denied])
    );
}

#[test]
fn devices_of_one_user_take_the_latest_update() {
    let mut e = Engine::new(workspace());
    run(
        &mut e,
        &[
            &cpu(json!({"anonymousId": "laptop"}), json!({"C0002": true})),
            &cpu(
                json!({"anonymousId": "phone"}),
                json!({"C0002": false, "C0004": true}),
            ),
            &track(json!({"userId": "u1", "anonymousId": "laptop"}), None),
            &track(json!({"userId": "u1", "anonymousId": "phone"}), None),
        ],
    );
    assert_eq!(
        consent_of(&e, "laptop"),
        Some(vec![Denied, Denied, Denied, Granted, Denied])
    );
    assert_eq!(consent_of(&e, "u1"), consent_of(&e, "phone"));
}

#[test]
fn alias_between_two_users_with_consent_marks_disagreements_as_conflict() {
    let mut e = Engine::new(two_user_ids());
    run(
        &mut e,
        &[
            &cpu(
                json!({"userId": "carol"}),
                json!({"C0002": true, "C0004": true}),
            ),
            &cpu(
                json!({"userId": "carol-work"}),
                json!({"C0002": true, "C0004": false}),
            ),
            r#"{"type": "alias", "userId": "carol", "previousId": "carol-work"}"#,
        ],
    );
    assert_eq!(
        consent_of(&e, "carol"),
        Some(vec![Denied, Granted, Denied, Conflict, Denied])
    );
    let p = e.profiles();
    let profile = p.profile(p.lookup("carol").unwrap());
    assert!(matches!(
        profile.history.back().unwrap().change,
        Change::Merge { .. }
    ));
    assert_eq!(profile.members.len(), 2);
    // A later update settles the conflict.
    run(
        &mut e,
        &[&cpu(json!({"userId": "carol"}), json!({"C0004": true}))],
    );
    assert_eq!(
        consent_of(&e, "carol-work"),
        Some(vec![Denied, Denied, Denied, Granted, Denied])
    );
}

#[test]
fn consent_missing_lists_what_recorded_consent_would_have_blocked() {
    let mut e = Engine::new(workspace());
    let outs = run(
        &mut e,
        &[
            &cpu(
                json!({"userId": "u1"}),
                json!({"C0002": true, "C0004": false}),
            ),
            &track(json!({"userId": "u1"}), None),
            &track(json!({"userId": "u2"}), None),
        ],
    );
    let f = outs[1]
        .findings
        .iter()
        .find(|f| f.code.as_str() == "consent_missing")
        .expect("warned");
    assert!(
        f.message.contains("Braze, SendGrid, Mixed"),
        "{}",
        f.message
    );
    assert!(
        !f.message.contains("Amplitude"),
        "Amplitude is consented: {}",
        f.message
    );
    assert!(
        !codes(&outs[2]).contains(&"consent_missing"),
        "u2 has no recorded consent"
    );
}

#[test]
fn consent_missing_is_silent_where_recorded_consent_would_block_nothing() {
    let mut e = Engine::new(workspace());
    let everything = json!({"C0001": true, "C0002": true, "C0003": true, "C0004": true});
    let outs = run(
        &mut e,
        &[
            &cpu(json!({"userId": "u1"}), everything),
            &track(json!({"userId": "u1"}), None),
        ],
    );
    assert!(
        !codes(&outs[1]).contains(&"consent_missing"),
        "{:?}",
        outs[1].findings
    );
}

#[test]
fn changed_preferences_without_a_preference_event_are_flagged() {
    let mut e = Engine::new(workspace());
    let outs = run(
        &mut e,
        &[
            &cpu(json!({"userId": "u1"}), json!({"C0002": true})),
            &track(json!({"userId": "u1"}), Some(json!({"C0002": true}))),
            &track(json!({"userId": "u1"}), Some(json!({"C0002": false}))),
            &track(json!({"userId": "u1"}), Some(json!({"C0002": false}))),
            &cpu(
                json!({"userId": "u1"}),
                json!({"C0002": true, "C0004": true}),
            ),
            &track(
                json!({"userId": "u1"}),
                Some(json!({"C0002": true, "C0004": true})),
            ),
        ],
    );
    let flagged: Vec<bool> = outs
        .iter()
        .map(|o| codes(o).contains(&"consent_changed_without_preference_event"))
        .collect();
    assert_eq!(flagged, vec![false, false, true, false, false, false]);
    let f = outs[2]
        .findings
        .iter()
        .find(|f| f.code.as_str() == "consent_changed_without_preference_event")
        .unwrap();
    assert!(f.message.contains("C0002 true → false"), "{}", f.message);
}

#[test]
fn events_not_ingested_do_not_touch_profiles() {
    let mut e = Engine::new(workspace());
    run(
        &mut e,
        &[
            r#"{"type": "track", "userId": "u1", "context": {"consent": {"categoryPreferences": {"C0002": true}}}}"#,
        ],
    );
    assert!(e.profiles().lookup("u1").is_none());
}

#[test]
fn history_is_bounded_and_counts_what_it_dropped() {
    let mut e = Engine::new(workspace());
    let lines: Vec<String> = (0..200)
        .map(|i| cpu(json!({"userId": "u1"}), json!({"C0002": i % 2 == 0})))
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    run(&mut e, &refs);
    let p = e.profiles();
    let profile = p.profile(p.lookup("u1").unwrap());
    assert_eq!(
        profile.history.len(),
        consent_inspector::engine::profile::HISTORY
    );
    assert_eq!(
        profile.history_dropped,
        200 - consent_inspector::engine::profile::HISTORY as u64
    );
    assert_eq!(profile.history.back().unwrap().line, 200);
}

#[test]
fn a_merge_with_a_user_who_never_gave_consent_assumes_false() {
    // Segment assumes false for "missing" and "never collected" categories during a merge,
    // so a side without consent disagrees with every true of the other.
    let mut e = Engine::new(two_user_ids());
    run(
        &mut e,
        &[
            &cpu(
                json!({"userId": "dan"}),
                json!({"C0002": true, "C0004": false}),
            ),
            &track(json!({"userId": "dan-old"}), None),
            r#"{"type": "alias", "userId": "dan", "previousId": "dan-old"}"#,
        ],
    );
    assert_eq!(
        consent_of(&e, "dan-old"),
        Some(vec![Denied, Conflict, Denied, Denied, Denied])
    );
    let p = e.profiles();
    let merge = p.profile(p.lookup("dan").unwrap()).history.back().unwrap();
    assert_eq!(
        merge.describe(&workspace()),
        "merged with dan-old by an alias: C0002 conflict"
    );
    // Neither side ever collected consent: the merged profile has none.
    let mut e = Engine::new(workspace());
    run(
        &mut e,
        &[
            &track(json!({"userId": "x"}), None),
            &track(json!({"userId": "y"}), None),
            r#"{"type": "alias", "userId": "x", "previousId": "y"}"#,
        ],
    );
    assert_eq!(consent_of(&e, "y"), None);
}

#[test]
fn profiles_sharing_an_external_id_are_merged_with_conflicts() {
    let ws = with_email_as_external_id();
    let mut e = Engine::new(ws.clone());
    let identify = |ids: serde_json::Value, email: &str| {
        let mut v = json!({"type": "identify", "traits": {"email": email}});
        v.as_object_mut()
            .unwrap()
            .extend(ids.as_object().unwrap().clone());
        v.to_string()
    };
    run(
        &mut e,
        &[
            &cpu(json!({"anonymousId": "anon-1"}), json!({"C0002": true})),
            &identify(json!({"anonymousId": "anon-1"}), "pat@example.com"),
            &cpu(json!({"userId": "pat"}), json!({"C0002": false})),
            // The email on context.traits counts too.
            &json!({"type": "track", "event": "Viewed", "userId": "pat",
                    "context": {"traits": {"email": "pat@example.com"}}})
            .to_string(),
            &identify(json!({"userId": "other"}), "someone@example.com"),
        ],
    );
    let p = e.profiles();
    assert_eq!(
        p.root(p.lookup("anon-1").unwrap()),
        p.root(p.lookup("pat").unwrap())
    );
    assert_ne!(
        p.root(p.lookup("other").unwrap()),
        p.root(p.lookup("pat").unwrap())
    );
    // An anonymous profile and an identified one: a profile merge, not a device link.
    assert_eq!(
        consent_of(&e, "pat"),
        Some(vec![Denied, Conflict, Denied, Denied, Denied])
    );
    let merge = p.profile(p.lookup("pat").unwrap()).history.back().unwrap();
    assert_eq!(
        merge.describe(&ws),
        "merged with anon-1 by a shared email: C0002 conflict"
    );
    assert_eq!(merge.line, 4);
    assert_eq!(&*merge.file, "t.jsonl");
    // Without externalIds in the settings, nothing is merged by email.
    let mut e = Engine::new(workspace());
    run(
        &mut e,
        &[
            &identify(json!({"anonymousId": "anon-1"}), "pat@example.com"),
            &identify(json!({"userId": "pat"}), "pat@example.com"),
        ],
    );
    let p = e.profiles();
    assert_ne!(
        p.root(p.lookup("anon-1").unwrap()),
        p.root(p.lookup("pat").unwrap())
    );
}

#[test]
fn a_linking_event_is_stamped_on_its_own_profile_before_the_merge() {
    // consent-in-unify: consent captured for an anonymousId and an email; later the same
    // email with a userId, another anonymousId and updated consent "creates a second profile
    // ... a profile merge will occur, potentially leading to conflict".
    let ws = with_email_as_external_id();
    // The second an ordinary event: checked against its own profile, it changes nothing there.
    let with_email = |ids: serde_json::Value, prefs: serde_json::Value| {
        let mut v: serde_json::Value = serde_json::from_str(&track(ids, Some(prefs))).unwrap();
        v["context"]["traits"] = json!({"email": "sam@example.com"});
        v.to_string()
    };
    let mut e = Engine::new(ws);
    let out = run(
        &mut e,
        &[
            &with_email(
                json!({"anonymousId": "anon-1"}),
                json!({"C0002": true, "C0004": true}),
            ),
            &with_email(
                json!({"userId": "sam", "anonymousId": "anon-2"}),
                json!({"C0002": true, "C0004": false}),
            ),
        ],
    );
    // The new consent is not laid over the old profile's: where they differ, conflict.
    assert_eq!(
        consent_of(&e, "sam"),
        Some(vec![Denied, Granted, Denied, Conflict, Denied])
    );
    let p = e.profiles();
    let history: Vec<_> = p
        .profile(p.lookup("anon-1").unwrap())
        .history
        .iter()
        .map(|h| h.change.clone())
        .collect();
    assert!(
        matches!(history.last(), Some(Change::Merge { .. })),
        "{history:?}"
    );
    // The stamp was taken on sam's own (new) profile, which held nothing to differ from.
    assert!(
        !codes(&out[1]).contains(&"consent_changed_without_preference_event"),
        "{:?}",
        codes(&out[1])
    );
}

/// identity-resolution-settings.md, "Priority": with Unify's defaults (`user_id` 1), an event
/// with a new userId and a known email does not join the email's profile: the email is
/// demoted, and the two users stay two profiles (not one in conflict).
#[test]
fn two_users_sharing_an_email_stay_two_profiles_by_default() {
    let mut e = Engine::new(with_settings(&json!({"externalIds": ["email"]})));
    let identify = |user: &str| {
        json!({"type": "identify", "userId": user, "traits": {"email": "jane@example1.com"},
               "context": {"consent": {"categoryPreferences": {"C0002": true}}}})
        .to_string()
    };
    run(&mut e, &[&identify("abc123"), &identify("abc456")]);
    let p = e.profiles();
    let (a, b) = (p.lookup("abc123").unwrap(), p.lookup("abc456").unwrap());
    assert_ne!(p.root(a), p.root(b));
    assert_eq!(p.len(), 2);
    let refused = &p.profile(b).not_merged;
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0].describe(),
        "not merged with abc123 by a shared email: it would hold 2 user_id values, over the limit of 1"
    );
    // With the docs' other example (email 1, user_id 2) the same two merge.
    let mut e = Engine::new(with_settings(&json!({"externalIds": ["email"],
        "identityResolution": {"limits": {"email": 1, "user_id": 2}}})));
    run(&mut e, &[&identify("abc123"), &identify("abc456")]);
    let p = e.profiles();
    assert_eq!(
        p.root(p.lookup("abc123").unwrap()),
        p.root(p.lookup("abc456").unwrap())
    );
}

/// A shared device: an anonymousId first seen with one user, then with another. Joining them
/// would put two userIds on one profile; `anonymous_id` ranks below `user_id`, so it is demoted
/// and the event (and its consent) stays with its own user.
#[test]
fn a_shared_device_does_not_merge_two_users() {
    // Ana, then Ben, on the shop's iPad.
    let shared = |ws| {
        let mut e = Engine::new(ws);
        run(
            &mut e,
            &[
                &cpu(
                    json!({"userId": "ana", "anonymousId": "ipad"}),
                    json!({"C0002": true}),
                ),
                &cpu(
                    json!({"userId": "ben", "anonymousId": "ipad"}),
                    json!({"C0002": false}),
                ),
            ],
        );
        e
    };
    let e = shared(workspace());
    assert_eq!(consent_of(&e, "ana").unwrap()[1], Granted);
    assert_eq!(consent_of(&e, "ben").unwrap()[1], Denied);
    let p = e.profiles();
    assert_ne!(
        p.root(p.lookup("ana").unwrap()),
        p.root(p.lookup("ben").unwrap())
    );
    // A priority that puts anonymous_id first demotes the userId instead: the event belongs
    // to the device's profile.
    let e = shared(with_settings(
        &json!({"identityResolution": {"priority": ["anonymous_id", "user_id"]}}),
    ));
    assert_eq!(consent_of(&e, "ana").unwrap()[1], Denied);
    assert_eq!(consent_of(&e, "ben"), None);
}

#[test]
fn a_limit_must_be_a_whole_number_of_at_least_one() {
    let err = consent_inspector::workspace::Workspace::from_slice(
        "s.json",
        br#"{"categories": [], "identityResolution": {"limits": {"user_id": 0}}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "identityResolution.limits.user_id: a limit is a whole number of at least 1, not 0"
        ),
        "{err}"
    );
}
