//! Google Consent Mode v2 as a Google tag's request carries it. The consent types are
//! Google's ("Consent mode reference", support.google.com/tagmanager/answer/13802165):
//! `ad_storage`, `analytics_storage`, `ad_user_data`, `ad_personalization`. The parameters:
//! - `gcs=G1xy`: x is `ad_storage`, y `analytics_storage`, `1` granted, `0` denied, `-` not
//!   set (the state the tag used).
//! - `gcd=1…`: the four types in the order above, each a letter saying how its state came
//!   about (the default the page set, the update the banner sent), separated by digits. Google
//!   publishes no table of the letters; the one read here is the one practitioners decoded
//!   (Gunnar Griese, "Consent Mode v2 - A Comprehensive Technical Guide", gunnargriese.com)
//!   and docs/rules.md gives.
//! - `npa=1`: non-personalised ads (ad personalisation denied); `dma=1`: the request falls
//!   under the Digital Markets Act.

/// The four consent types, in `gcd`'s order.
pub const TYPES: [&str; 4] = [
    "ad_storage",
    "analytics_storage",
    "ad_user_data",
    "ad_personalization",
];

/// One type's state on a request: what the page's default said, and the update after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub default: Option<bool>,
    pub update: Option<bool>,
}

impl State {
    /// The state the tag acted on: the update where there was one, else the default.
    pub fn effective(self) -> Option<bool> {
        self.update.or(self.default)
    }

    /// A `gcd` letter's state; None for a letter the table does not hold.
    fn from_letter(c: char) -> Option<Self> {
        let (default, update) = match c {
            'l' => (None, None),
            'p' => (Some(false), None),
            'q' => (Some(false), Some(false)),
            't' => (Some(true), None),
            'r' => (Some(false), Some(true)),
            'm' => (None, Some(false)),
            'n' => (None, Some(true)),
            'u' => (Some(true), Some(false)),
            'v' => (Some(true), Some(true)),
            _ => return None,
        };
        Some(State { default, update })
    }

    /// `denied by default, granted by update`.
    pub fn describe(self) -> String {
        let word = |v: bool| if v { "granted" } else { "denied" };
        match (self.default, self.update) {
            (None, None) => "not set".into(),
            (Some(d), None) => format!("{} by default, no update", word(d)),
            (None, Some(u)) => format!("{} by update, no default", word(u)),
            (Some(d), Some(u)) => format!("{} by default, {} by update", word(d), word(u)),
        }
    }
}

/// What a Google request says of consent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signals {
    pub gcs: Option<String>,
    pub gcd: Option<String>,
    /// Each type's state, in `TYPES`' order: from `gcd`, else (storage types) from `gcs`.
    pub states: [Option<State>; 4],
    pub npa: Option<bool>,
    pub dma: Option<bool>,
}

impl Signals {
    /// The signals among a request's parameters; None when it carries none.
    pub fn read<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut s = Signals::default();
        for (k, v) in params {
            match k {
                "gcs" => s.gcs = Some(v.to_owned()),
                "gcd" => s.gcd = Some(v.to_owned()),
                "npa" => s.npa = flag(v),
                "dma" => s.dma = flag(v),
                _ => {}
            }
        }
        if s.gcs.is_none() && s.gcd.is_none() && s.npa.is_none() && s.dma.is_none() {
            return None;
        }
        if let Some(gcd) = &s.gcd {
            // `13r3r3r3r5`: the letters, after the leading version digit.
            let letters: Vec<char> = gcd
                .chars()
                .skip(1)
                .filter(char::is_ascii_alphabetic)
                .collect();
            for (i, c) in letters.into_iter().take(4).enumerate() {
                s.states[i] = State::from_letter(c);
            }
        }
        if let Some(gcs) = s.gcs.as_deref().and_then(|g| g.strip_prefix("G1")) {
            for (i, c) in gcs.chars().take(2).enumerate() {
                let v = match c {
                    '1' => Some(true),
                    '0' => Some(false),
                    _ => None,
                };
                if s.states[i].is_none() {
                    s.states[i] = v.map(|v| State {
                        default: None,
                        update: Some(v),
                    });
                }
            }
        }
        Some(s)
    }

    /// Whether `gcd` shows that the banner's update had not come when the request left: some
    /// type has a default and none has an update.
    pub fn before_update(&self) -> bool {
        self.gcd.is_some()
            && self.states.iter().flatten().any(|s| s.default.is_some())
            && self.states.iter().flatten().all(|s| s.update.is_none())
    }

    /// `gcs=G100 gcd=13p3p3p3p5`: the parameters as sent.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(g) = &self.gcs {
            parts.push(format!("gcs={g}"));
        }
        if let Some(g) = &self.gcd {
            parts.push(format!("gcd={g}"));
        }
        if let Some(n) = self.npa {
            parts.push(format!("npa={}", u8::from(n)));
        }
        if let Some(d) = self.dma {
            parts.push(format!("dma={}", u8::from(d)));
        }
        parts.join(" ")
    }
}

fn flag(v: &str) -> Option<bool> {
    match v {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(q: &str) -> Signals {
        Signals::read(q.split('&').filter_map(|p| p.split_once('='))).unwrap()
    }

    #[test]
    fn gcd_gives_default_and_update_per_type() {
        let s = read("gcs=G111&gcd=13r3v3q3p5&npa=0");
        assert_eq!(
            s.states[0],
            Some(State {
                default: Some(false),
                update: Some(true)
            })
        );
        assert_eq!(s.states[1].unwrap().effective(), Some(true));
        assert_eq!(s.states[2].unwrap().effective(), Some(false));
        assert_eq!(
            s.states[3].unwrap().describe(),
            "denied by default, no update"
        );
        assert!(!s.before_update());
        assert!(read("gcd=13p3p3p3p5").before_update());
        assert!(!read("gcd=13l3l3l3l5").before_update());
    }

    #[test]
    fn gcs_alone_gives_the_storage_types() {
        let s = read("gcs=G101");
        assert_eq!(s.states[0].unwrap().effective(), Some(false));
        assert_eq!(s.states[1].unwrap().effective(), Some(true));
        assert_eq!(s.states[2], None);
        assert!(Signals::read([("tid", "G-1")]).is_none());
    }
}
