//! What can happen to the model (`Action`), and the small states it names: panes, prompts,
//! overlays, zoom.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Events,
    Detail,
    Users,
    Destinations,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Events, Pane::Detail, Pane::Users, Pane::Destinations];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Events => "Events",
            Pane::Detail => "Detail",
            Pane::Users => "Users",
            Pane::Destinations => "Destinations",
        }
    }

    /// The pane a lesson names (`users`), by its title in lower case.
    pub fn named(name: &str) -> Option<Pane> {
        Self::ORDER
            .into_iter()
            .find(|p| p.title().eq_ignore_ascii_case(name))
    }
}

/// The filter keys, resolved against the current selection in `update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    NotIngested,
    Warnings,
    /// A HAR capture's own requests to vendors, and the wire findings.
    Wire,
    Blocked,
    NextDestination,
    SelectedUser,
    Clear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    ToggleFollow,
    /// y: the selected event, as written, to the terminal's clipboard (OSC 52).
    Copy,
    /// x: write the listed events to a file (asks for its name).
    StartExport,
    /// space: fold or open the JSON under the detail's cursor (Enter does too, there).
    ToggleFold,
    /// m: one column per destination in the events, or the summary.
    ToggleColumns,
    /// z: the focused pane fills the screen, or shares it again.
    ToggleZoom,
    NextPane,
    PrevPane,
    Open,
    Back,
    StartSearch,
    StartCommand,
    PromptInput(char),
    PromptBackspace,
    PromptSubmit,
    PromptCancel,
    /// 1 to 9: the category a what-if changes.
    WhatIfCategory(u8),
    /// t: that category's preference on the selected event, true → false → missing.
    WhatIfCycle,
    /// T: the event as it is.
    WhatIfReset,
    /// → or l: into the selected user's timeline (in the Users pane).
    IntoTimeline,
    /// ← or h: back to the list of users.
    OutOfTimeline,
    /// Tab: complete the word being typed after `:`.
    PromptComplete,
    /// ↑ or ↓: an earlier or later command.
    PromptHistory {
        older: bool,
    },
    NextMatch,
    PrevMatch,
    NextProblem,
    PrevProblem,
    Filter(FilterKey),
    ToggleHelp,
    /// W: edit the workspace (a destination's mapping, a category, the consent model) and
    /// see every event decided under it.
    EditWorkspace,
    /// X: drop the workspace what-if.
    DropWorkspaceWhatIf,
    /// S: save the workspace what-if as a settings file.
    SaveWorkspaceWhatIf,
    /// V: Segment's and RudderStack's verdicts side by side (again: back).
    CompareVendors,
    /// A key in the workspace editor.
    Edit(EditKey),
    /// v: the charts, or the panes again.
    ToggleCharts,
    /// r: the text of the rule behind the lesson or the selected verdict, from docs/rules.md.
    ShowRule,
    Quit,
    /// The mouse wheel, at a place on the screen: it scrolls the pane there.
    Wheel {
        up: bool,
        column: u16,
        row: u16,
    },
    Click {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
}

/// Whether anything new can arrive in the file being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrivals {
    /// It is followed: appended lines arrive.
    Open,
    /// Read once (`--no-follow`, a HAR capture): nothing will.
    ReadOnce,
    /// What filled it (stdin, a gzip file) ended, as said.
    Ended(String),
}

/// Where the Users pane's keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsersFocus {
    Grid,
    /// The selected user's consent changes, newest first.
    Timeline,
}

/// What is typed at the bottom line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// After `/`: text to find in the raw JSON.
    Search,
    /// After `:`: a line, a messageId or a filter.
    Command,
    /// After `x`: the file to export the listed events to.
    Export,
    /// After `S`: the file to save the workspace what-if's settings to.
    SaveSettings,
    /// After `/` in the Users pane: text in any id or trait value; the list follows as it
    /// is typed.
    Users,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

/// What covers the panes, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// A rule's section of docs/rules.md (built in, from its heading), scrolled by `offset`
    /// rows.
    Rule {
        text: &'static str,
        offset: u16,
    },
}

/// How the events show their routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// A column per destination where the screen is wide enough (`ui::WIDE`), else the summary.
    Auto,
    /// ✓ delivered and ✗ blocked counts.
    Summary,
    /// One narrow column per destination.
    PerDestination,
}

/// What fills the screen above the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Panes,
    /// Per destination, routes by reason and over time.
    Charts,
}

impl View {
    pub fn toggled(self) -> Self {
        match self {
            Self::Panes => Self::Charts,
            Self::Charts => Self::Panes,
        }
    }
}

/// Whether the focused pane fills the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    Off,
    Focused,
}

/// The editor's keys (fixed: shown in its frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKey {
    Up,
    Down,
    PreviousDestination,
    NextDestination,
    /// space: map the destination to the category under the cursor, or not.
    ToggleMapping,
    /// e: enable or disable the category under the cursor.
    ToggleEnabled,
    /// o: the other consent model.
    SwitchModel,
    /// Enter: decide every event under the draft.
    Apply,
    /// Esc: leave the draft.
    Cancel,
}
