//! The one table of keys. Handling and the help overlay are both drawn from it, so they cannot
//! drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Action;

pub struct Binding {
    pub keys: &'static [KeyCode],
    pub ctrl: bool,
    /// How the keys are written in the help overlay.
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
    b(&[Up, Char('k')], "↑ k", Action::Up, "previous row (pauses)"),
    b(&[Down, Char('j')], "↓ j", Action::Down, "next row"),
    b(&[PageUp], "PgUp", Action::PageUp, "page up (pauses)"),
    b(&[PageDown], "PgDn", Action::PageDown, "page down"),
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
    b(&[Tab], "Tab", Action::NextPane, "next pane"),
    b(&[BackTab], "S-Tab", Action::PrevPane, "previous pane"),
    b(&[Enter], "Enter", Action::Open, "detail; filter by choice"),
    b(
        &[Right, Char('l')],
        "→ l",
        Action::IntoTimeline,
        "a user's timeline (Users)",
    ),
    b(
        &[Left, Char('h')],
        "← h",
        Action::OutOfTimeline,
        "back to the users",
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
    b(&[Char('n')], "n", Action::NextMatch, "next match"),
    b(&[Char('N')], "N", Action::PrevMatch, "previous match"),
    b(&[Char(']')], "]", Action::NextProblem, "next problem"),
    b(&[Char('[')], "[", Action::PrevProblem, "previous problem"),
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
        "t",
        Action::WhatIfCycle,
        "what if: true, false, missing",
    ),
    b(
        &[Char('T')],
        "T",
        Action::WhatIfReset,
        "what if: the event as it is",
    ),
    b(&[Char('?')], "?", Action::ToggleHelp, "this help"),
    b(&[Char('q')], "q", Action::Quit, "quit"),
    Binding {
        keys: &[Char('c')],
        ctrl: true,
        label: "Ctrl-C",
        action: Action::Quit,
        help: "quit",
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
