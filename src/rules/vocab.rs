//! The words a user filters routes by (destinations, decisions, reasons, discards, modes),
//! checked the same way wherever one is typed: `--policy`, the terminal UI's `:` prompt and
//! `/inspector/events`. A word that is not known is an error naming the nearest known one,
//! so a typo never quietly matches nothing.

use crate::text::printable;
use crate::workspace::Workspace;

/// `deliver`, `block` and `uncertain`, as the NDJSON's `decision` writes them.
pub use crate::rules::verdict::DECISIONS;

/// The known words nearest to `word`, nearest first (at most two): the same but for case,
/// else within an edit distance of a third of the word's length (at least 2).
pub fn nearest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = word.to_lowercase();
    let limit = (lower.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> = known
        .into_iter()
        .map(|k| (strsim::levenshtein(&lower, &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .collect();
    close.sort_by_key(|(d, _)| *d);
    if close.first().is_some_and(|(d, _)| *d == 0) {
        close.truncate(1);
    }
    close.into_iter().take(2).map(|(_, k)| k).collect()
}

/// ` (did you mean "x"?)`, ` (did you mean "x" or "y"?)`, or nothing.
fn hint<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = nearest(word, known)
        .into_iter()
        .map(|k| format!("\"{}\"", printable(k)))
        .collect();
    if quoted.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", quoted.join(" or "))
    }
}

/// `word` when it is one of `known`; else an error saying `what` it should have been.
pub fn one_of<'k>(what: &str, word: &str, known: &[&'k str]) -> Result<&'k str, String> {
    known.iter().copied().find(|k| *k == word).ok_or_else(|| {
        format!(
            "unknown {what} \"{}\"{}; known: {}",
            printable(word),
            hint(word, known.iter().copied()),
            known.join(", ")
        )
    })
}

/// The destination named exactly `name`, or an error with the nearest name.
pub fn destination(ws: &Workspace, name: &str) -> Result<usize, String> {
    ws.destination(name).ok_or_else(|| {
        format!(
            "no destination \"{}\" in the settings{}",
            printable(name),
            hint(name, ws.destinations.iter().map(|d| d.name.as_str()))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::verdict::REASONS;

    #[test]
    fn a_typo_names_the_word_meant() {
        assert_eq!(
            nearest("not_consent", REASONS),
            ["no_consent", "not_consented"]
        );
        assert_eq!(nearest("Braz", ["Braze", "Intercom"]), ["Braze"]);
        assert_eq!(nearest("braze", ["Brazen", "Braze"]), ["Braze"]);
        assert!(nearest("bogus", REASONS).is_empty());
        let e = one_of("reason", "consentd", &REASONS).unwrap_err();
        assert!(
            e.starts_with("unknown reason \"consentd\" (did you mean \"consented\"?); known: "),
            "{e}"
        );
        assert_eq!(one_of("decision", "block", &DECISIONS), Ok("block"));
        let e = one_of("decision", "\u{1b}[2J", &DECISIONS).unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}
