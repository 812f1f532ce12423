//! The Python package (`consent_inspector`, built from this crate by maturin): its pytest suite
//! and doctests, against the command built here. Ignored by a plain `cargo test` (listed so,
//! with what it needs); `.ci/run` builds and installs the wheel, then runs it.

use std::process::Command;

mod common;

use common::needs::need;

#[test]
#[ignore = "needs the Python package and pytest: pip install maturin pytest; maturin build --release -o target/wheels; pip install target/wheels/*.whl"]
fn the_python_package_passes_its_tests_against_the_command() {
    need(
        "the consent_inspector wheel and pytest",
        "python3",
        &["-c", "import consent_inspector, pytest"],
        &[],
        "pip install maturin pytest; maturin build --release -o target/wheels; pip install target/wheels/*.whl",
    );
    let run = Command::new("python3")
        .args(["-m", "pytest", "-q", "tests/python"])
        .env(
            "CONSENT_INSPECTOR_BIN",
            env!("CARGO_BIN_EXE_consent-inspector"),
        )
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains(" passed"), "{out}");
}
