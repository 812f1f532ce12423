//! The optional config file: the default settings file, the time zone, the UI's colours and its
//! keys. Every mistake (an unknown key, a colour or key that cannot be read, a key bound
//! twice) names the file and line; `Config::to_toml` writes the configuration in effect as a
//! config file that reads back the same.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::Color;
use serde::Deserialize;
use toml::Spanned;

use crate::read::toml_file::{TomlError, TomlFile};
use crate::text::printable;
use crate::tui::keymap::{self, Key, Keymap};
use crate::tui::ui::{Palette, Theme};

/// Where the config file is looked for without `--config`: `$XDG_CONFIG_HOME`, else
/// `~/.config` (the XDG base directory default).
pub fn default_path() -> Option<PathBuf> {
    Some(crate::dirs::ours("XDG_CONFIG_HOME", ".config")?.join("config.toml"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigToml {
    settings: Option<String>,
    time_zone: Option<Spanned<String>>,
    theme: Option<Spanned<String>>,
    colors: Option<ColorsToml>,
    keys: Option<BTreeMap<String, Spanned<toml::Value>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColorsToml {
    error: Option<Spanned<String>>,
    warning: Option<Spanned<String>>,
    ok: Option<Spanned<String>>,
    accent: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    string: Option<Spanned<String>>,
    number: Option<Spanned<String>>,
    paused_fg: Option<Spanned<String>>,
    paused_bg: Option<Spanned<String>>,
}

impl ColorsToml {
    /// In `Palette::roles` order.
    fn in_order(&self) -> [Option<&Spanned<String>>; 9] {
        [
            self.error.as_ref(),
            self.warning.as_ref(),
            self.ok.as_ref(),
            self.accent.as_ref(),
            self.key.as_ref(),
            self.string.as_ref(),
            self.number.as_ref(),
            self.paused_fg.as_ref(),
            self.paused_bg.as_ref(),
        ]
    }
}

/// The time zone times are shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    Utc,
    /// This machine's.
    Local,
    /// An IANA zone (`Europe/Paris`), as found when the file was read, with its name as
    /// written.
    Named(String, jiff::tz::TimeZone),
}

impl Zone {
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        match self {
            Self::Utc => jiff::tz::TimeZone::UTC,
            Self::Local => jiff::tz::TimeZone::system(),
            Self::Named(_, zone) => zone.clone(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Utc => "UTC",
            Self::Local => "local",
            Self::Named(n, _) => n,
        }
    }
}

/// The built-in themes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
}

/// The configuration in effect: the file's values over the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// Settings to use when `--settings` is not given and none lie beside the input; a relative
    /// path in the file is taken from the file's folder.
    pub settings: Option<PathBuf>,
    pub zone: Zone,
    pub theme: ThemeName,
    pub palette: Palette,
    pub keys: Keymap,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            settings: None,
            zone: Zone::Utc,
            theme: ThemeName::Dark,
            palette: Palette::DARK,
            keys: Keymap::default(),
        }
    }
}

impl Config {
    /// `explicit` (`--config`) must exist; the default path is read only when it does.
    pub fn load(explicit: Option<&Path>) -> Result<Self, TomlError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.is_file() => p,
                _ => return Ok(Self::default()),
            },
        };
        let f = TomlFile::read(&path)?;
        let mut config = Self::from_file(&f)?;
        config.file = Some(path);
        Ok(config)
    }

    pub fn from_file(f: &TomlFile) -> Result<Self, TomlError> {
        let t: ConfigToml = f.parse()?;
        let mut c = Self::default();
        let folder = Path::new(&f.file).parent().unwrap_or(Path::new(""));
        c.settings = t.settings.map(|s| folder.join(s));
        if let Some(z) = &t.time_zone {
            c.zone = match z.get_ref().as_str() {
                s if s.eq_ignore_ascii_case("utc") => Zone::Utc,
                s if s.eq_ignore_ascii_case("local") => Zone::Local,
                name => {
                    let zone = jiff::tz::TimeZone::get(name).map_err(|e| {
                        f.error_at(
                            z.span(),
                            format!(
                                "time_zone \"{}\": {e} (write UTC, local, or an IANA name such as Europe/Paris)",
                                printable(name)
                            ),
                        )
                    })?;
                    Zone::Named(name.to_owned(), zone)
                }
            };
        }
        if let Some(theme) = &t.theme {
            c.theme = match theme.get_ref().as_str() {
                "dark" => ThemeName::Dark,
                "light" => ThemeName::Light,
                other => {
                    return Err(f.error_at(
                        theme.span(),
                        format!(
                            "unknown theme \"{}\" (known: dark, light)",
                            printable(other)
                        ),
                    ));
                }
            };
        }
        c.palette = match c.theme {
            ThemeName::Dark => Palette::DARK,
            ThemeName::Light => Palette::LIGHT,
        };
        if let Some(colors) = &t.colors {
            for ((name, slot), given) in c.palette.roles().into_iter().zip(colors.in_order()) {
                let Some(given) = given else { continue };
                *slot = given.get_ref().parse::<Color>().map_err(|_| {
                    f.error_at(
                        given.span(),
                        format!(
                            "colors.{name}: cannot read \"{}\" as a colour (a name such as \
                             red or light-blue, a 256-colour index such as 136, or #rrggbb)",
                            printable(given.get_ref())
                        ),
                    )
                })?;
            }
        }
        if let Some(keys) = &t.keys {
            let mut overrides = Vec::new();
            for (action, value) in keys {
                overrides.push((action.clone(), keys_of(f, value)?, f.line(value.span())));
            }
            c.keys = Keymap::with(&overrides).map_err(|e| TomlError::Invalid {
                file: f.file.clone(),
                line: e.line,
                column: 1,
                message: format!("keys: {}", e.message),
            })?;
        }
        Ok(c)
    }

    pub fn theme(&self, color: bool) -> Theme {
        Theme {
            color,
            palette: self.palette,
        }
    }

    /// The configuration in effect as a config file (which reads back the same).
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let mut out = String::from("# consent-inspector: the configuration in effect\n");
        match &self.file {
            Some(f) => out.push_str(&format!(
                "# read from {}, over the defaults\n",
                printable(&f.display().to_string())
            )),
            None => out.push_str("# no config file: the defaults\n"),
        }
        match &self.settings {
            Some(s) => out.push_str(&format!("settings = {}\n", quote(&s.display().to_string()))),
            None => out.push_str(
                "# settings = \"...\"  (none: --settings, or consent-settings.json beside the input)\n",
            ),
        }
        out.push_str(&format!("time_zone = {}\n", quote(self.zone.as_str())));
        out.push_str(&format!(
            "theme = \"{}\"\n\n[colors]\n",
            match self.theme {
                ThemeName::Dark => "dark",
                ThemeName::Light => "light",
            }
        ));
        let mut palette = self.palette;
        for (name, color) in palette.roles() {
            out.push_str(&format!(
                "{name} = {}\n",
                quote(&color.to_string().to_lowercase())
            ));
        }
        out.push_str("\n[keys]\n");
        for row in &self.keys.rows {
            let keys: Vec<String> = row
                .keys
                .iter()
                .map(|k| quote(&keymap::key_name(*k)))
                .collect();
            let line = format!("{} = [{}]\n", row.name, keys.join(", "));
            if row.name == keymap::FIXED {
                out.push_str(&format!("# {line}"));
            } else {
                out.push_str(&line);
            }
        }
        out
    }
}

/// An action's keys: one key or a list of them.
fn keys_of(f: &TomlFile, value: &Spanned<toml::Value>) -> Result<Vec<Key>, TomlError> {
    let bad = |message: String| f.error_at(value.span(), message);
    let texts: Vec<&str> = match value.get_ref() {
        toml::Value::String(s) => vec![s],
        toml::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| bad("keys are written as strings (\"k\", \"ctrl-c\")".into()))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(bad(
                "keys: write a key (\"k\") or a list of them ([\"k\", \"up\"])".into(),
            ));
        }
    };
    if texts.is_empty() {
        return Err(bad(
            "an empty list would leave the action with no key".into()
        ));
    }
    texts
        .into_iter()
        .map(|t| {
            keymap::parse_key(t).ok_or_else(|| {
                bad(format!(
                    "cannot read \"{}\" as a key (a character, ctrl-x, up, down, left, right, \
                     pageup, pagedown, home, end, enter, esc, tab, backtab, backspace, delete, \
                     insert, space, f1-f24)",
                    printable(t)
                ))
            })
        })
        .collect()
}
