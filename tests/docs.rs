//! docs/rules.md is where every choice the tool shows is explained: each anchor the tool links
//! to is a heading there, and every code the tool reports is documented.

use consent_inspector::choices::{Choice, Kind, RULES_DOC, slug};
use consent_inspector::validate::Code;

fn doc() -> String {
    std::fs::read_to_string(RULES_DOC).expect("docs/rules.md exists")
}

#[test]
fn the_built_in_rules_are_the_file_and_every_choice_has_its_text() {
    assert_eq!(consent_inspector::choices::RULES_TEXT, doc());
    for c in Choice::ALL {
        let text = consent_inspector::choices::section(c.anchor())
            .unwrap_or_else(|| panic!("no section #{}", c.anchor()));
        assert!(text.starts_with("### "), "{text}");
        // One rule's own words: the next heading ends it.
        assert!(!text[4..].contains("\n#"), "{text}");
        assert!(text.lines().count() > 2, "{text}");
    }
    assert_eq!(consent_inspector::choices::section("no-such-rule"), None);
}

#[test]
fn every_choice_links_to_a_heading_in_its_section() {
    let doc = doc();
    let disagree = doc.find("## Where the sources disagree").unwrap();
    let ours = doc.find("## Our choices").unwrap();
    for c in Choice::ALL {
        let at = doc
            .lines()
            .scan(0, |pos, l| {
                let start = *pos;
                *pos += l.len() + 1;
                Some((start, l))
            })
            .find(|(_, l)| l.starts_with("### ") && slug(&l[4..]) == c.anchor())
            .map_or_else(|| panic!("no heading for #{}", c.anchor()), |(pos, _)| pos);
        match c.kind() {
            Kind::SourcesDisagree => assert!(at > disagree && at < ours, "{c:?}"),
            Kind::OurChoice => assert!(at > ours, "{c:?}"),
        }
    }
}

#[test]
fn every_code_is_documented() {
    let doc = doc();
    for code in Code::ALL {
        assert!(
            doc.contains(&format!("`{}`", code.as_str())),
            "{} is not in docs/rules.md",
            code.as_str()
        );
    }
    // The ingest table marks this tool's own codes, so a user knows which ones Delivery
    // Overview will not show.
    for code in Code::ALL {
        if code.severity() == consent_inspector::validate::Severity::Error {
            let ours = doc.contains(&format!("| `{}` *(ours)* |", code.as_str()));
            assert_eq!(
                ours,
                code.author() == consent_inspector::validate::Author::Ours,
                "{}",
                code.as_str()
            );
        }
    }
    for reason in consent_inspector::route::REASONS {
        assert!(doc.contains(&format!("`{reason}`")), "{reason}");
    }
    for discard in consent_inspector::route::DISCARDS {
        assert!(doc.contains(&format!("`{discard}`")), "{discard}");
    }
}

#[test]
fn every_tour_lesson_names_a_heading_of_the_rules() {
    let doc = doc();
    let anchors: Vec<String> = doc
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect();
    for l in consent_inspector::tui::tour::Tour::load().unwrap().lessons {
        assert!(
            anchors.contains(&l.rule),
            "{}: no heading #{}",
            l.title,
            l.rule
        );
    }
}
