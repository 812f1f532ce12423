//! The destination catalog (`src/workspace/catalog.json`): made from Segment's own catalog by
//! `tests/catalog/generate.py`, and held to it here.

mod common;

use std::process::Command;

use common::needs::{PIP, need};
use consent_inspector::read::event::Kind;
use consent_inspector::workspace::catalog;

/// The committed table is exactly what the generator makes of the catalog it names.
#[test]
#[ignore = "needs Python's PyYAML: pip install -r tests/clients/requirements.txt"]
fn the_table_is_what_the_catalog_makes() {
    need(
        "Python 3 with PyYAML",
        "python3",
        &["-c", "import yaml"],
        &[],
        PIP,
    );
    let o = Command::new("python3")
        .args([
            "tests/catalog/generate.py",
            "--check",
            "tests/catalog/destinations.yml.gz",
            "src/workspace/catalog.json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// What the issue found, as the catalog says it.
#[test]
fn destinations_are_found_by_name_and_previous_name() {
    assert_eq!(catalog::entries().len(), 503);
    assert!(catalog::source().contains("747b35d8f5f1889b041f2101185d562d7c4c016e"));
    // Google Ads takes no alias.
    let ads = catalog::lookup("Google Ads (Classic)").unwrap();
    assert!(ads.accepts(Kind::Track) && ads.accepts(Kind::Page));
    assert!(!ads.accepts(Kind::Alias) && !ads.accepts(Kind::Identify));
    assert!(std::ptr::eq(catalog::lookup("AdWords").unwrap(), ads));
    // "Actions Amplitude" is Amplitude (Actions)'s previous name; it has no device mode.
    let amp = catalog::lookup("Actions Amplitude").unwrap();
    assert_eq!(amp.name, "Amplitude (Actions)");
    assert!(amp.device.is_empty() && amp.cloud.contains(&"web".to_owned()));
    assert!(amp.actions);
    // The classic Amplitude runs in the browser and from Segment's servers.
    let classic = catalog::lookup("Amplitude").unwrap();
    assert!(
        classic.device.contains(&"web".to_owned()) && classic.cloud.contains(&"web".to_owned())
    );
    // Names are matched exactly, as Segment matches them.
    assert!(catalog::lookup("amplitude").is_none());
}
