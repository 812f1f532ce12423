//! The one table of keys: the defaults below, with the config file's `[keys]` over them.
//! Handling and the help overlay are both drawn from it, so they cannot drift apart.

use std::borrow::Cow;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::action::{Action, FilterKey};

/// A key as bindings name it: a code, with Ctrl or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

/// A default binding: the action, its name in the config file, its keys and its help.
pub struct Binding {
    /// The action's name in the config file's `[keys]`.
    pub name: &'static str,
    pub keys: &'static [Key],
    /// How the keys are written in the help overlay; empty when the binding before it names
    /// these keys too (`n N`), so that opposites share a row.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
}

const fn b(
    name: &'static str,
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        name,
        keys,
        label,
        action,
        help,
    }
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};

pub const BINDINGS: &[Binding] = &[
    b(
        "up",
        &[k(Up), k(Char('k'))],
        "↑k ↓j",
        Action::Up,
        "up (pauses) / down",
    ),
    b("down", &[k(Down), k(Char('j'))], "", Action::Down, ""),
    b(
        "page_up",
        &[k(PageUp)],
        "PgUp/Dn",
        Action::PageUp,
        "page up (pauses) / down",
    ),
    b("page_down", &[k(PageDown)], "", Action::PageDown, ""),
    b(
        "top",
        &[k(Char('g')), k(Home)],
        "g Home",
        Action::Top,
        "first row (pauses)",
    ),
    b(
        "bottom",
        &[k(Char('G')), k(End)],
        "G End",
        Action::Bottom,
        "last row, follow",
    ),
    b(
        "follow",
        &[k(Char('f'))],
        "f",
        Action::ToggleFollow,
        "follow / pause",
    ),
    b(
        "columns",
        &[k(Char('m'))],
        "m",
        Action::ToggleColumns,
        "a column per destination",
    ),
    b(
        "zoom",
        &[k(Char('z'))],
        "z",
        Action::ToggleZoom,
        "zoom the pane",
    ),
    b(
        "next_pane",
        &[k(Tab)],
        "Tab S-Tab",
        Action::NextPane,
        "next / previous pane",
    ),
    b("previous_pane", &[k(BackTab)], "", Action::PrevPane, ""),
    b(
        "open",
        &[k(Enter)],
        "Enter",
        Action::Open,
        "detail; filter; fold",
    ),
    b(
        "into_timeline",
        &[k(Right), k(Char('l'))],
        "→l ←h",
        Action::IntoTimeline,
        "into / out of a timeline",
    ),
    b(
        "out_of_timeline",
        &[k(Left), k(Char('h'))],
        "",
        Action::OutOfTimeline,
        "",
    ),
    b(
        "fold",
        &[k(Char(' '))],
        "space",
        Action::ToggleFold,
        "fold / open JSON (Detail)",
    ),
    b("back", &[k(Esc)], "Esc", Action::Back, "back; clear search"),
    b(
        "search",
        &[k(Char('/'))],
        "/",
        Action::StartSearch,
        "search the raw JSON",
    ),
    b(
        "command",
        &[k(Char(':'))],
        ":",
        Action::StartCommand,
        "go to a line or id; filter",
    ),
    b(
        "next_match",
        &[k(Char('n'))],
        "n N",
        Action::NextMatch,
        "next / previous match",
    ),
    b("previous_match", &[k(Char('N'))], "", Action::PrevMatch, ""),
    b(
        "next_problem",
        &[k(Char(']'))],
        "] [",
        Action::NextProblem,
        "next / previous problem",
    ),
    b(
        "previous_problem",
        &[k(Char('['))],
        "",
        Action::PrevProblem,
        "",
    ),
    b(
        "only_not_ingested",
        &[k(Char('e'))],
        "e",
        Action::Filter(FilterKey::NotIngested),
        "only not ingested",
    ),
    b(
        "only_warnings",
        &[k(Char('w'))],
        "w",
        Action::Filter(FilterKey::Warnings),
        "only with warnings",
    ),
    b(
        "only_wire",
        &[k(Char('o'))],
        "o",
        Action::Filter(FilterKey::Wire),
        "only the page's own (wire)",
    ),
    b(
        "only_blocked",
        &[k(Char('b'))],
        "b",
        Action::Filter(FilterKey::Blocked),
        "only blocked",
    ),
    b(
        "blocked_for",
        &[k(Char('d'))],
        "d",
        Action::Filter(FilterKey::NextDestination),
        "blocked for a destination…",
    ),
    b(
        "only_user",
        &[k(Char('u'))],
        "u",
        Action::Filter(FilterKey::SelectedUser),
        "only the selected user",
    ),
    b(
        "clear_filter",
        &[k(Char('c'))],
        "c",
        Action::Filter(FilterKey::Clear),
        "clear the filter",
    ),
    b(
        "what_if_category",
        &[
            k(Char('1')),
            k(Char('2')),
            k(Char('3')),
            k(Char('4')),
            k(Char('5')),
            k(Char('6')),
            k(Char('7')),
            k(Char('8')),
            k(Char('9')),
        ],
        "1-9",
        Action::WhatIfCategory(0),
        "what if: choose a category",
    ),
    b(
        "what_if_try",
        &[k(Char('t'))],
        "t T",
        Action::WhatIfCycle,
        "what if: try a value / end",
    ),
    b("what_if_end", &[k(Char('T'))], "", Action::WhatIfReset, ""),
    b(
        "copy",
        &[k(Char('y'))],
        "y",
        Action::Copy,
        "copy the event (OSC 52)",
    ),
    b(
        "export",
        &[k(Char('x'))],
        "x",
        Action::StartExport,
        "export the listed events",
    ),
    b(
        "edit_workspace",
        &[k(Char('W'))],
        "W",
        Action::EditWorkspace,
        "what if the settings were…",
    ),
    b(
        "drop_workspace_what_if",
        &[k(Char('X'))],
        "X S",
        Action::DropWorkspaceWhatIf,
        "drop / save the what-if",
    ),
    b(
        "save_workspace_what_if",
        &[k(Char('S'))],
        "",
        Action::SaveWorkspaceWhatIf,
        "",
    ),
    b(
        "compare_vendors",
        &[k(Char('V'))],
        "V",
        Action::CompareVendors,
        "Segment beside RudderStack",
    ),
    b(
        "charts",
        &[k(Char('v'))],
        "v",
        Action::ToggleCharts,
        "charts per destination",
    ),
    b(
        "rule",
        &[k(Char('r'))],
        "r",
        Action::ShowRule,
        "the rule (docs/rules.md)",
    ),
    b(
        "help",
        &[k(Char('?'))],
        "?",
        Action::ToggleHelp,
        "this help",
    ),
    b(
        "quit",
        &[
            k(Char('q')),
            Key {
                code: Char('c'),
                ctrl: true,
            },
        ],
        "q Ctrl-C",
        Action::Quit,
        "quit",
    ),
];

/// The digits name categories by position; they are not rebound.
pub const FIXED: &str = "what_if_category";

/// One action's keys as in effect, and how the help overlay shows them.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub keys: Vec<Key>,
    /// Empty when the row before names these keys too.
    pub label: Cow<'static, str>,
    pub action: Action,
    pub help: &'static str,
    /// Where the config file set these keys.
    pub line: Option<usize>,
}

/// The key map in effect.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub rows: Vec<Row>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            rows: BINDINGS
                .iter()
                .map(|b| Row {
                    name: b.name,
                    keys: b.keys.to_vec(),
                    label: Cow::Borrowed(b.label),
                    action: b.action,
                    help: b.help,
                    line: None,
                })
                .collect(),
        }
    }
}

/// Why the config file's keys cannot be used; `line` is where the problem is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub line: usize,
    pub message: String,
}

impl Keymap {
    /// The defaults with `overrides` (action name, its new keys, the config line) over them.
    /// Unknown actions and a key bound twice are errors naming the line.
    pub fn with(overrides: &[(String, Vec<Key>, usize)]) -> Result<Self, KeyError> {
        let mut map = Self::default();
        for (name, keys, line) in overrides {
            let Some(row) = map.rows.iter_mut().find(|r| r.name == name) else {
                let known: Vec<&str> = BINDINGS
                    .iter()
                    .map(|b| b.name)
                    .filter(|n| *n != FIXED)
                    .collect();
                return Err(KeyError {
                    line: *line,
                    message: format!("unknown action \"{name}\" (known: {})", known.join(", ")),
                });
            };
            if row.name == FIXED {
                return Err(KeyError {
                    line: *line,
                    message: format!("{FIXED}: the digits 1-9 name categories and are not rebound"),
                });
            }
            row.keys.clone_from(keys);
            row.line = Some(*line);
        }
        map.check_duplicates()?;
        map.relabel();
        Ok(map)
    }

    /// A key bound twice, within a row or across rows, is an error at the line that did it.
    fn check_duplicates(&self) -> Result<(), KeyError> {
        let mut seen: Vec<(Key, usize)> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            for key in &row.keys {
                if let Some(&(_, j)) = seen.iter().find(|(k, _)| k == key) {
                    let other = &self.rows[j];
                    let line = row.line.or(other.line).unwrap_or(0);
                    let whose = |r: &Row| match r.line {
                        Some(l) => format!("{} (line {l})", r.name),
                        None => format!("{} (a default; rebind it too)", r.name),
                    };
                    return Err(KeyError {
                        line,
                        message: format!(
                            "key \"{}\" is bound twice: to {} and to {}",
                            key_name(*key),
                            whose(other),
                            whose(row)
                        ),
                    });
                }
                seen.push((*key, i));
            }
        }
        Ok(())
    }

    /// Rows whose keys the config changed get labels written from their keys; a pair that
    /// shares a row (`n N`) is written together.
    fn relabel(&mut self) {
        for i in 0..self.rows.len() {
            let shared = self.rows.get(i + 1).is_some_and(|r| r.label.is_empty());
            let changed =
                self.rows[i].line.is_some() || (shared && self.rows[i + 1].line.is_some());
            if !changed || self.rows[i].label.is_empty() {
                continue;
            }
            let mut label = keys_label(&self.rows[i].keys);
            if shared {
                label = format!("{label} {}", keys_label(&self.rows[i + 1].keys));
            }
            self.rows[i].label = Cow::Owned(label);
        }
    }

    /// The first key of `action`, as the help overlay writes it, for hints elsewhere on the
    /// screen (`? help`), so that they follow the config file too.
    pub fn hint(&self, action: Action) -> String {
        self.rows
            .iter()
            .find(|r| r.action == action)
            .and_then(|r| r.keys.first())
            .map_or_else(String::new, |k| display(*k))
    }

    /// The action for a key in normal mode.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        let pressed = Key {
            code: key.code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        };
        self.rows
            .iter()
            .find(|r| r.keys.contains(&pressed))
            .map(|r| match (r.action, key.code) {
                // One row of the table for the nine digits: the digit names the category.
                (Action::WhatIfCategory(_), Char(d)) => {
                    Action::WhatIfCategory(d.to_digit(10).map_or(0, |n| n.saturating_sub(1)) as u8)
                }
                (action, _) => action,
            })
    }
}

/// A row's keys as the help overlay writes them.
fn keys_label(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| display(*k))
        .collect::<Vec<_>>()
        .join("/")
}

/// A key as the help overlay shows it.
fn display(key: Key) -> String {
    let base = match key.code {
        Up => "↑".into(),
        Down => "↓".into(),
        Left => "←".into(),
        Right => "→".into(),
        PageUp => "PgUp".into(),
        PageDown => "PgDn".into(),
        BackTab => "S-Tab".into(),
        Char(' ') => "space".into(),
        Char(c) => c.to_string(),
        // Named keys as people write them: Esc, Enter, Home, F5.
        code => {
            let name = key_name(Key { code, ctrl: false });
            let mut chars = name.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        }
    };
    if key.ctrl { format!("C-{base}") } else { base }
}

/// Names of keys that are not a character, as the config file writes them.
const NAMED: &[(&str, KeyCode)] = &[
    ("up", Up),
    ("down", Down),
    ("left", Left),
    ("right", Right),
    ("pageup", PageUp),
    ("pagedown", PageDown),
    ("home", Home),
    ("end", End),
    ("enter", Enter),
    ("esc", Esc),
    ("tab", Tab),
    ("backtab", BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("space", Char(' ')),
];

/// A key as the config file writes it: `k`, `G`, `ctrl-c`, `pageup`, `f5`, `space`.
pub fn key_name(key: Key) -> String {
    let base = match key.code {
        KeyCode::F(n) => format!("f{n}"),
        code => NAMED.iter().find(|(_, c)| *c == code).map_or_else(
            || match code {
                Char(c) => c.to_string(),
                other => format!("{other:?}").to_lowercase(),
            },
            |(n, _)| (*n).to_owned(),
        ),
    };
    if key.ctrl {
        format!("ctrl-{base}")
    } else {
        base
    }
}

/// Reads a key as the config file writes it; names are not case-sensitive, characters are.
pub fn parse_key(text: &str) -> Option<Key> {
    let (ctrl, rest) = match text.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("ctrl-") && text.len() > 5 => (true, &text[5..]),
        _ => (false, text),
    };
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => Char(if ctrl { c.to_ascii_lowercase() } else { c }),
        _ => {
            let lower = rest.to_ascii_lowercase();
            match NAMED.iter().find(|(n, _)| *n == lower) {
                Some((_, code)) => *code,
                None => KeyCode::F(
                    lower
                        .strip_prefix('f')
                        .and_then(|n| n.parse::<u8>().ok())
                        .filter(|n| (1..=24).contains(n))?,
                ),
            }
        }
    };
    Some(Key { code, ctrl })
}

/// The action for a key while the workspace editor is up (its keys are fixed: its frame
/// lists them).
pub fn editor_action_for(key: &KeyEvent) -> Option<Action> {
    use crate::tui::app::action::EditKey;
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == Char('c') {
        return Some(Action::Quit);
    }
    Some(Action::Edit(match key.code {
        Up | Char('k') => EditKey::Up,
        Down | Char('j') => EditKey::Down,
        Left | Char('h') => EditKey::PreviousDestination,
        Right | Char('l') => EditKey::NextDestination,
        Char(' ' | 'm') => EditKey::ToggleMapping,
        Char('e') => EditKey::ToggleEnabled,
        Char('o') => EditKey::SwitchModel,
        Enter => EditKey::Apply,
        Esc | Char('q') => EditKey::Cancel,
        _ => return None,
    }))
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
