//! The guided tour: lessons from `tour.toml`, the workspace they run on, the file of events they
//! select, and where the reader is. The lessons are data; what each claims is held to the engine
//! by this module's tests.

use std::sync::Arc;

use serde::Deserialize;

use super::app::action::Action;
use super::keymap::{BINDINGS, FIXED};
use crate::analyses::what_if::Trial;
use crate::workspace::Workspace;

/// The lessons, built in.
pub const LESSONS: &str = include_str!("tour.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TourToml {
    workspace: WorkspaceToml,
    lessons: Vec<Lesson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceToml {
    disabled_category: CategoryToml,
    destinations: Vec<DestinationToml>,
    /// The source's plan, as JSON in the CDN's shape.
    plan: Option<String>,
    /// The source's Protocols (settings and tracking plan), as JSON in our shape.
    protocols: Option<String>,
    /// The workspace's suppressed user ids.
    #[serde(default)]
    suppressed: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryToml {
    id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DestinationToml {
    name: String,
    categories: Vec<String>,
    /// The settings' `kind` (`warehouse`, ...); an event stream when absent.
    kind: Option<String>,
    /// False: switched off in the workspace.
    enabled: Option<bool>,
}

/// One lesson, as `tour.toml` writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub title: String,
    /// Its heading's anchor in docs/rules.md.
    pub rule: String,
    #[serde(default)]
    pub before: Vec<String>,
    pub event: String,
    pub destination: String,
    pub decision: String,
    pub reason: String,
    pub mode: Option<String>,
    pub profile: Option<ProfileClaim>,
    /// More routes of the same event the lesson's words claim.
    #[serde(default)]
    pub also: Vec<AlsoClaim>,
    /// The lower pane to show once the action is taken (`users`, `destinations`), when the
    /// result talks about it.
    pub show: Option<String>,
    pub text: String,
    pub source: String,
    pub result: String,
    pub action: LessonAction,
}

/// A user's consent for a category once the lesson's event is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileClaim {
    pub user: String,
    pub category: String,
    pub state: String,
}

/// A route of the lesson's event, other than the one it is about.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlsoClaim {
    pub destination: String,
    pub decision: String,
    pub reason: String,
}

/// What the reader is asked to do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonAction {
    /// A key map action name.
    #[serde(rename = "do")]
    pub name: String,
    pub category: Option<String>,
    pub value: Option<bool>,
    pub then: Option<RouteClaim>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteClaim {
    pub decision: String,
    pub reason: String,
}

impl LessonAction {
    /// The action the reader must take.
    pub fn action(&self) -> Option<Action> {
        BINDINGS
            .iter()
            .find(|b| b.name == self.name && b.name != FIXED)
            .map(|b| b.action)
    }

    /// For `what_if_try`: the trial the reader reaches.
    pub fn trial(&self) -> Option<Trial> {
        self.value
            .map(|v| if v { Trial::True } else { Trial::False })
    }
}

/// The lessons, their workspace, and the file they read.
pub struct Tour {
    pub lessons: Vec<Lesson>,
    pub workspace: Arc<Workspace>,
    /// Every lesson's lines, in order: what the UI reads.
    pub text: String,
    /// The line of each lesson's event (1-based).
    pub lines: Vec<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TourError {
    #[error("the built-in tour is invalid: {0}")]
    Lessons(String),
}

impl Tour {
    pub fn load() -> Result<Self, TourError> {
        Self::from_text(LESSONS)
    }

    pub fn from_text(text: &str) -> Result<Self, TourError> {
        let t: TourToml = toml::from_str(text).map_err(|e| TourError::Lessons(e.to_string()))?;
        let workspace = workspace(&t.workspace)?;
        let mut lines = Vec::new();
        let mut out = String::new();
        let mut n = 0;
        for lesson in &t.lessons {
            for l in lesson.before.iter().chain([&lesson.event]) {
                out.push_str(l);
                out.push('\n');
                n += 1;
            }
            lines.push(n);
        }
        Ok(Self {
            lessons: t.lessons,
            workspace,
            text: out,
            lines,
        })
    }
}

/// The demo workspace, with the tour's disabled category and its own destinations.
fn workspace(w: &WorkspaceToml) -> Result<Arc<Workspace>, TourError> {
    let mut settings: serde_json::Value = serde_json::from_str(super::demo::SETTINGS)
        .map_err(|e| TourError::Lessons(e.to_string()))?;
    let push = |key: &str, v: serde_json::Value, s: &mut serde_json::Value| {
        if let Some(a) = s.get_mut(key).and_then(serde_json::Value::as_array_mut) {
            a.push(v);
        }
    };
    push(
        "categories",
        serde_json::json!({"id": w.disabled_category.id, "name": w.disabled_category.name, "enabled": false}),
        &mut settings,
    );
    for d in &w.destinations {
        let mut v = serde_json::json!({"name": d.name, "categories": d.categories});
        if let Some(k) = &d.kind {
            v["kind"] = serde_json::Value::from(k.as_str());
        }
        if let Some(on) = d.enabled {
            v["enabled"] = serde_json::Value::from(on);
        }
        push("destinations", v, &mut settings);
    }
    if !w.suppressed.is_empty() {
        settings["suppressed"] = serde_json::json!(w.suppressed);
    }
    for (key, given) in [("plan", &w.plan), ("protocols", &w.protocols)] {
        if let Some(json) = given {
            settings[key] = serde_json::from_str(json)
                .map_err(|e| TourError::Lessons(format!("{key}: {e}")))?;
        }
    }
    let text = serde_json::to_vec(&settings).map_err(|e| TourError::Lessons(e.to_string()))?;
    Workspace::from_slice("(the tour's workspace)", &text)
        .map(Arc::new)
        .map_err(|e| TourError::Lessons(e.to_string()))
}

/// Where the reader is: which lesson, and whether its action was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub lesson: usize,
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Outcome};
    use crate::read::input::Records;

    /// Every outcome of the tour's file, in order.
    fn outcomes(tour: &Tour) -> (Engine, Vec<Outcome>) {
        let mut engine = Engine::new(tour.workspace.clone());
        let records = Records::from_reader(
            "tour.jsonl",
            Box::new(std::io::Cursor::new(tour.text.clone().into_bytes())),
        )
        .unwrap();
        let mut out = Vec::new();
        crate::engine::pipeline::run_all(&mut engine, vec![records], |_, o| {
            out.push(o);
            Ok(())
        })
        .unwrap();
        (engine, out)
    }

    #[test]
    fn each_line_s_message_id_names_its_line_or_the_line_it_repeats() {
        let tour = Tour::load().unwrap();
        let (_, outcomes) = outcomes(&tour);
        let mut seen = Vec::new();
        for o in &outcomes {
            let id = o
                .event()
                .and_then(crate::read::event::Doc::message_id)
                .unwrap()
                .into_owned();
            let own = format!("tour-{:02}", o.origin.line);
            assert!(
                id == own || seen.contains(&id),
                "line {} has {id}, not {own} nor an earlier line's",
                o.origin.line
            );
            seen.push(id);
        }
    }

    #[test]
    fn every_lesson_claims_what_the_engine_decides() {
        let tour = Tour::load().unwrap();
        assert!(tour.lessons.len() >= 10);
        let (engine, outcomes) = outcomes(&tour);
        let ws = &tour.workspace;
        for (lesson, &line) in tour.lessons.iter().zip(&tour.lines) {
            let o = outcomes
                .iter()
                .find(|o| o.origin.line == line)
                .unwrap_or_else(|| panic!("{}: no event on line {line}", lesson.title));
            let d = ws
                .destination(&lesson.destination)
                .unwrap_or_else(|| panic!("{}: no destination", lesson.title));
            let route = &o.routes[d];
            assert_eq!(
                (route.decision.verb(), route.decision.reason()),
                (lesson.decision.as_str(), lesson.reason.as_str()),
                "{}",
                lesson.title
            );
            if let Some(mode) = &lesson.mode {
                assert_eq!(route.mode.as_str(), mode, "{}", lesson.title);
            }
            for also in &lesson.also {
                let d = ws
                    .destination(&also.destination)
                    .unwrap_or_else(|| panic!("{}: no {}", lesson.title, also.destination));
                let r = &o.routes[d];
                assert_eq!(
                    (r.decision.verb(), r.decision.reason()),
                    (also.decision.as_str(), also.reason.as_str()),
                    "{}: {}",
                    lesson.title,
                    also.destination
                );
            }
            assert!(
                lesson
                    .show
                    .as_deref()
                    .is_none_or(|p| crate::tui::app::action::Pane::named(p).is_some()),
                "{}: no pane {:?}",
                lesson.title,
                lesson.show
            );
            assert!(
                crate::rules::choices::section(&lesson.rule).is_some(),
                "{}: no section #{} in docs/rules.md",
                lesson.title,
                lesson.rule
            );
            let action = &lesson.action;
            assert!(
                action.action().is_some(),
                "{}: unknown action",
                lesson.title
            );
            check_action(ws, o, lesson, d);
        }
        // The profile claims, once everything is read.
        for lesson in &tour.lessons {
            let Some(p) = &lesson.profile else { continue };
            let profiles = engine.profiles();
            let id = profiles
                .lookup(&p.user)
                .unwrap_or_else(|| panic!("{}: no profile {}", lesson.title, p.user));
            let c = usize::from(ws.lookup(&p.category).unwrap());
            let state = profiles
                .profile(id)
                .consent
                .as_ref()
                .map(|states| states[c].as_str());
            assert_eq!(state, Some(p.state.as_str()), "{}", lesson.title);
        }
    }

    /// The lesson's action is a key map action, and what it claims the route becomes is what
    /// the engine decides.
    fn check_action(ws: &Arc<Workspace>, o: &Outcome, lesson: &Lesson, d: usize) {
        let action = &lesson.action;
        match (&action.category, action.trial(), &action.then) {
            (Some(c), Some(trial), Some(then)) => {
                assert_eq!(action.name, "what_if_try", "{}", lesson.title);
                let c = ws.lookup(c).unwrap();
                let (after, _) =
                    crate::analyses::what_if::try_preference(ws, o, c, trial).expect("an event");
                let r = &after.routes[d];
                assert_eq!(
                    (r.decision.verb(), r.decision.reason()),
                    (then.decision.as_str(), then.reason.as_str()),
                    "{}: after the what-if",
                    lesson.title
                );
                if let Some(mode) = &lesson.mode {
                    assert_eq!(r.mode.as_str(), mode, "{}", lesson.title);
                }
            }
            // The other vendor's verdict on the same intent (`V`).
            (None, None, Some(then)) => {
                assert_eq!(action.name, "compare_vendors", "{}", lesson.title);
                let r = other_vendors_route(ws, lesson, d);
                assert_eq!(
                    (r.decision.verb(), r.decision.reason()),
                    (then.decision.as_str(), then.reason.as_str()),
                    "{}: under the other vendor's rules",
                    lesson.title
                );
            }
            (None, None, None) => assert_ne!(action.name, "what_if_try"),
            _ => panic!("{}: a what-if needs category, value and then", lesson.title),
        }
    }

    /// The lesson's route for destination `d` by the other vendor's rules, on the event in
    /// that vendor's words, as `V` decides it.
    fn other_vendors_route(
        ws: &Arc<Workspace>,
        lesson: &Lesson,
        d: usize,
    ) -> crate::rules::verdict::Route {
        let dialect = ws.dialect().other();
        let other = Arc::new(crate::rules::translate::workspace((**ws).clone(), dialect).0);
        let text: Arc<str> = Arc::from(lesson.event.as_str());
        let mut records = Vec::new();
        let pos = crate::read::input::LinePos {
            number: 1,
            offset: 0,
        };
        crate::read::input::records_from_line(
            &text,
            pos,
            crate::read::input::Line::Text(lesson.event.as_bytes()),
            &mut records,
        );
        let translated = crate::rules::translate::record_for(dialect, records.remove(0));
        Engine::new(other).ingest(translated).routes.swap_remove(d)
    }

    #[test]
    fn every_lesson_fits_its_panel() {
        let tour = Tour::load().unwrap();
        for l in &tour.lessons {
            // What the lesson panel holds at 80 columns: four lines of text, two of source.
            for (what, text, most) in [
                ("text", &l.text, 260),
                ("result", &l.result, 260),
                ("source", &l.source, 120),
            ] {
                assert!(
                    text.len() <= most,
                    "{}: {what} is {} bytes",
                    l.title,
                    text.len()
                );
            }
        }
    }
}
