//! The one table of keys. Handling and the help overlay are both drawn from it, so they cannot
//! drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Action;

pub struct Binding {
    pub keys: &'static [KeyCode],
    pub ctrl: bool,
    /// How the keys are written in the help overlay; empty when the binding before it names
    /// these keys too (`n N`), so that opposites share a row.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

const fn b(
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        ctrl: false,
        label,
        action,
        help,
    }
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};

pub const BINDINGS: &[Binding] = &[
    b(&[Up, Char('k')], "↑k ↓j", Action::Up, "up (pauses) / down"),
    b(&[Down, Char('j')], "", Action::Down, ""),
    b(
        &[PageUp],
        "PgUp/Dn",
        Action::PageUp,
        "page up (pauses) / down",
    ),
    b(&[PageDown], "", Action::PageDown, ""),
    b(
        &[Char('g'), Home],
        "g Home",
        Action::Top,
        "first row (pauses)",
    ),
    b(
        &[Char('G'), End],
        "G End",
        Action::Bottom,
        "last row, follow",
    ),
    b(&[Char('f')], "f", Action::ToggleFollow, "follow / pause"),
    b(
        &[Char('m')],
        "m",
        Action::ToggleColumns,
        "a column per destination",
    ),
    b(&[Char('z')], "z", Action::ToggleZoom, "zoom the pane"),
    b(
        &[Tab],
        "Tab S-Tab",
        Action::NextPane,
        "next / previous pane",
    ),
    b(&[BackTab], "", Action::PrevPane, ""),
    b(&[Enter], "Enter", Action::Open, "detail; filter; fold"),
    b(
        &[Right, Char('l')],
        "→l ←h",
        Action::IntoTimeline,
        "into / out of a timeline",
    ),
    b(&[Left, Char('h')], "", Action::OutOfTimeline, ""),
    b(
        &[Char(' ')],
        "space",
        Action::ToggleFold,
        "fold / open JSON (Detail)",
    ),
    b(&[Esc], "Esc", Action::Back, "back; clear search"),
    b(
        &[Char('/')],
        "/",
        Action::StartSearch,
        "search the raw JSON",
    ),
    b(
        &[Char(':')],
        ":",
        Action::StartCommand,
        "go to a line or id; filter",
    ),
    b(
        &[Char('n')],
        "n N",
        Action::NextMatch,
        "next / previous match",
    ),
    b(&[Char('N')], "", Action::PrevMatch, ""),
    b(
        &[Char(']')],
        "] [",
        Action::NextProblem,
        "next / previous problem",
    ),
    b(&[Char('[')], "", Action::PrevProblem, ""),
    b(
        &[Char('e')],
        "e",
        Action::Filter(super::app::FilterKey::NotIngested),
        "only not ingested",
    ),
    b(
        &[Char('w')],
        "w",
        Action::Filter(super::app::FilterKey::Warnings),
        "only with warnings",
    ),
    b(
        &[Char('b')],
        "b",
        Action::Filter(super::app::FilterKey::Blocked),
        "only blocked",
    ),
    b(
        &[Char('d')],
        "d",
        Action::Filter(super::app::FilterKey::NextDestination),
        "blocked for a destination…",
    ),
    b(
        &[Char('u')],
        "u",
        Action::Filter(super::app::FilterKey::SelectedUser),
        "only the selected user",
    ),
    b(
        &[Char('c')],
        "c",
        Action::Filter(super::app::FilterKey::Clear),
        "clear the filter",
    ),
    b(
        &[
            Char('1'),
            Char('2'),
            Char('3'),
            Char('4'),
            Char('5'),
            Char('6'),
            Char('7'),
            Char('8'),
            Char('9'),
        ],
        "1-9",
        Action::WhatIfCategory(0),
        "what if: choose a category",
    ),
    b(
        &[Char('t')],
        "t T",
        Action::WhatIfCycle,
        "what if: try a value / end",
    ),
    b(&[Char('T')], "", Action::WhatIfReset, ""),
    b(&[Char('y')], "y", Action::Copy, "copy the event (OSC 52)"),
    b(
        &[Char('x')],
        "x",
        Action::StartExport,
        "export the listed events",
    ),
    b(&[Char('?')], "?", Action::ToggleHelp, "this help"),
    b(&[Char('q')], "q Ctrl-C", Action::Quit, "quit"),
    Binding {
        keys: &[Char('c')],
        ctrl: true,
        label: "",
        action: Action::Quit,
        help: "",
    },
];

/// The action for a key in normal mode.
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    BINDINGS
        .iter()
        .find(|b| b.ctrl == ctrl && b.keys.contains(&key.code))
        .map(|b| match (b.action, key.code) {
            // One row of the table for the nine digits: the digit names the category.
            (Action::WhatIfCategory(_), Char(d)) => {
                Action::WhatIfCategory(d.to_digit(10).map_or(0, |n| n.saturating_sub(1)) as u8)
            }
            (action, _) => action,
        })
}

/// The action for a key while typing after `/` or `:`.
pub fn prompt_action_for(key: &KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == Char('c') {
        return Some(Action::Quit);
    }
    match key.code {
        Enter => Some(Action::PromptSubmit),
        Esc => Some(Action::PromptCancel),
        KeyCode::Backspace => Some(Action::PromptBackspace),
        Tab => Some(Action::PromptComplete),
        Up => Some(Action::PromptHistory { older: true }),
        Down => Some(Action::PromptHistory { older: false }),
        Char(c) => Some(Action::PromptInput(c)),
        _ => None,
    }
}
