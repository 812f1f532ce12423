//! docs/rules.md is where every choice the tool shows is explained: each anchor the tool links
//! to is a heading there, and every code the tool reports is documented.

use consent_inspector::rules::choices::{Choice, Kind, RULES_DOC, slug};
use consent_inspector::rules::finding::Code;

fn doc() -> String {
    std::fs::read_to_string(RULES_DOC).expect("docs/rules.md exists")
}

#[test]
fn the_built_in_rules_are_the_file_and_every_choice_has_its_text() {
    assert_eq!(consent_inspector::rules::choices::RULES_TEXT, doc());
    for c in Choice::ALL {
        let text = consent_inspector::rules::choices::section(c.anchor())
            .unwrap_or_else(|| panic!("no section #{}", c.anchor()));
        assert!(text.starts_with("### "), "{text}");
        // One rule's own words: the next heading ends it.
        assert!(!text[4..].contains("\n#"), "{text}");
        assert!(text.lines().count() > 2, "{text}");
    }
    assert_eq!(
        consent_inspector::rules::choices::section("no-such-rule"),
        None
    );
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
        if code.severity() == consent_inspector::rules::finding::Severity::Error {
            let ours = doc.contains(&format!("| `{}` *(ours)* |", code.as_str()));
            assert_eq!(
                ours,
                code.author() == consent_inspector::rules::finding::Author::Ours,
                "{}",
                code.as_str()
            );
        }
    }
    for reason in consent_inspector::rules::verdict::REASONS {
        assert!(doc.contains(&format!("`{reason}`")), "{reason}");
    }
    for discard in consent_inspector::rules::verdict::DISCARDS {
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

/// docs/development.md's map of the code names every top-level module (`mod` in lib.rs and
/// main.rs) and every entry of `src/`, and names nothing that is not there: a new module
/// fails this until the map has it.
#[test]
fn the_map_of_the_code_names_every_top_level_module() {
    let dev = std::fs::read_to_string("docs/development.md").unwrap();
    let start = dev.find("```\nsrc/\n").expect("the map starts with src/");
    let map = &dev[start..start + dev[start + 4..].find("```").unwrap() + 4];
    // The map's top-level entries: `  name.rs` or `  name/`, two spaces in.
    let entries: Vec<&str> = map
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut modules = Vec::new();
    for file in ["src/lib.rs", "src/main.rs"] {
        for l in std::fs::read_to_string(file).unwrap().lines() {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            if let Some(m) = l.strip_prefix("mod ").and_then(|m| m.strip_suffix(';')) {
                modules.push(m.to_owned());
            }
        }
    }
    assert!(modules.len() > 10, "{modules:?}");
    let mut missing = Vec::new();
    for m in &modules {
        if !entries
            .iter()
            .any(|e| *e == format!("{m}.rs") || *e == format!("{m}/"))
        {
            missing.push(m.clone());
        }
    }
    for e in std::fs::read_dir("src").unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let shown = if e.file_type().unwrap().is_dir() {
            format!("{name}/")
        } else {
            name
        };
        if !entries.contains(&shown.as_str()) {
            missing.push(shown);
        }
    }
    assert!(
        missing.is_empty(),
        "not in docs/development.md's map: {missing:?}"
    );
    for e in &entries {
        assert!(
            std::path::Path::new("src")
                .join(e.trim_end_matches('/'))
                .exists(),
            "docs/development.md names src/{e}, which is not there"
        );
    }
}
