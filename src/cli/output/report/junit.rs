//! `check --format junit`: `JUnit` XML, which Jenkins, GitLab and most CI servers show as test
//! results. A test case per finding code (every code, so a clean run shows what was checked)
//! and per policy rule; its occurrences are the failure's text.

use std::io::{self, Write};

use crate::text::printable;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{Group, Report};

pub fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut report = quick_junit::Report::new(r.title());
    let suite = if r.diff.is_some() {
        "diff"
    } else if r.lint.is_some() {
        "lint"
    } else {
        "validation"
    };
    let mut validation = TestSuite::new(suite);
    let none = Group::default();
    for &code in &r.catalog {
        let group = r.codes.get(&code).unwrap_or(&none);
        let case = case(
            code.name,
            &format!("{suite}.{}", code.severity.as_str()),
            group,
            r.fails(code),
            &format!("{}: {}", code.name, code.about),
        );
        validation.add_test_case(case);
    }
    validation.set_system_out(r.totals());
    report.add_test_suite(validation);
    if let Some((_, p)) = &r.policy {
        let mut suite = TestSuite::new(format!("policy {}", printable(&p.file)));
        for rule in &p.rules {
            let name = format!("never {}", rule.text);
            let about = format!(
                "{}:{}: never {}{}",
                printable(&p.file),
                rule.line,
                rule.text,
                rule.why
                    .as_deref()
                    .map(|w| format!(" ({})", printable(w)))
                    .unwrap_or_default()
            );
            suite.add_test_case(case(&name, "policy", &rule.group, true, &about));
        }
        report.add_test_suite(suite);
    }
    report.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

/// A test case that fails when `group` has places and they fail the check; otherwise the
/// places (warnings not denied) are its output.
fn case(name: &str, classname: &str, group: &Group, fails: bool, about: &str) -> TestCase {
    let mut text = String::new();
    for p in &group.places {
        text.push_str(&format!("{p}\n"));
    }
    if group.more() > 0 {
        text.push_str(&format!("… and {} more\n", group.more()));
    }
    let status = if group.count > 0 && fails {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
        s.set_message(format!("{}: {about}", Report::events(group.count)))
            .set_type(name.to_owned())
            .set_description(text.clone());
        s
    } else {
        TestCaseStatus::success()
    };
    let mut case = TestCase::new(name.to_owned(), status);
    case.set_classname(classname.to_owned());
    if group.count > 0 && !fails {
        case.set_system_out(text);
    }
    case
}
