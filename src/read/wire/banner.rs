//! The consent banner's own record of the user's choice, read from its cookies where the
//! consent manager documents their format. OneTrust's ("OneTrust Cookies",
//! my.onetrust.com UUID-2dc719a8-4be5-8d16-1dc8-c7b4147b88e0): `OptanonConsent` is a
//! URL-encoded query string whose `groups` holds `C0001:1,C0002:0,...` (1 granted, 0 denied),
//! and `OptanonAlertBoxClosed` is set, to the time of the choice, once the visitor has
//! answered the banner. Ketch and iubenda document no cookie format (docs/rules.md, "The
//! wire"), so theirs are not read.

/// What a request's cookies say of the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Each group as `OptanonConsent` lists it, in its order.
    pub groups: Vec<(String, bool)>,
    /// Whether the visitor has answered the banner (`OptanonAlertBoxClosed` is set).
    pub closed: bool,
    /// `OptanonConsent`'s own `isGpcEnabled=1`: OneTrust saw the browser's GPC signal.
    pub gpc: bool,
}

impl Banner {
    /// The banner's state from a `Cookie` header's pairs; None when neither cookie is there.
    pub fn from_cookies<'a>(cookies: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut banner: Option<Banner> = None;
        let mut closed = false;
        for (name, value) in cookies {
            match name {
                "OptanonConsent" => banner = Some(Self::optanon_consent(value)),
                "OptanonAlertBoxClosed" if !value.is_empty() => closed = true,
                _ => {}
            }
        }
        match banner {
            Some(b) => Some(Banner { closed, ..b }),
            None if closed => Some(Banner {
                groups: Vec::new(),
                closed,
                gpc: false,
            }),
            None => None,
        }
    }

    fn optanon_consent(value: &str) -> Self {
        let mut groups = Vec::new();
        let mut gpc = false;
        for (k, v) in form_urlencoded::parse(value.as_bytes()) {
            match &*k {
                "groups" => {
                    groups = v
                        .split(',')
                        .filter_map(|g| {
                            let (id, on) = g.split_once(':')?;
                            let on = match on {
                                "1" => true,
                                "0" => false,
                                _ => return None,
                            };
                            Some((id.trim().to_owned(), on))
                        })
                        .collect();
                }
                "isGpcEnabled" => gpc = v == "1",
                _ => {}
            }
        }
        Banner {
            groups,
            closed: false,
            gpc,
        }
    }

    /// The banner's value for a group.
    pub fn group(&self, id: &str) -> Option<bool> {
        self.groups.iter().find(|(g, _)| g == id).map(|&(_, on)| on)
    }

    /// `C0001:1,C0002:0`: the groups as the cookie writes them.
    pub fn describe(&self) -> String {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|(g, on)| format!("{g}:{}", u8::from(*on)))
            .collect();
        format!(
            "OptanonConsent groups={}{}",
            groups.join(","),
            if self.closed {
                ", banner answered"
            } else {
                ", banner not answered"
            }
        )
    }
}

/// The pairs of a `Cookie` header (`a=1; b=2`).
pub fn cookie_pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|p| {
        let (k, v) = p.split_once('=')?;
        Some((k.trim(), v.trim().trim_matches('"')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_onetrusts_groups_and_whether_the_banner_was_answered() {
        let header = "_ga=GA1; OptanonConsent=isGpcEnabled=0&datestamp=Mon+Dec+07+2026&version=202409.1.0&groups=C0001%3A1%2CC0002%3A0%2CC0004%3A1&interactionCount=1; OptanonAlertBoxClosed=2026-12-07T10:00:00.000Z";
        let b = Banner::from_cookies(cookie_pairs(header)).unwrap();
        assert_eq!(b.group("C0002"), Some(false));
        assert_eq!(b.group("C0004"), Some(true));
        assert_eq!(b.group("C0003"), None);
        assert!(b.closed);
        assert!(!b.gpc);
        assert!(Banner::from_cookies(cookie_pairs("a=b")).is_none());
    }
}
