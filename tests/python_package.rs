//! The Python package (`consent_inspector`, built from this crate by maturin): its pytest suite
//! and doctests, and `examples/spark_audit.py` in Spark's local mode, against the command built
//! here. Ignored by a plain `cargo test` (listed so, with what it needs); `.ci/run` installs the
//! package with `pip install .` from a clean copy of the tree into a fresh venv, with `pyspark`
//! and a Java runtime, then runs it with that venv's interpreter (`CONSENT_INSPECTOR_PYTHON`,
//! else `python3`), and a test `pytest` would skip fails it.

use std::process::Command;

mod common;

use common::needs::need;

#[test]
#[ignore = "needs the Python package, pytest, pyarrow, pyspark and Java: pip install -r tests/clients/requirements.txt; pip install ."]
fn the_python_package_passes_its_tests_against_the_command() {
    let python = std::env::var("CONSENT_INSPECTOR_PYTHON").unwrap_or_else(|_| "python3".into());
    need(
        "the consent_inspector package and pytest",
        &python,
        &["-c", "import consent_inspector, pytest, pyarrow, pyspark"],
        &[],
        "pip install -r tests/clients/requirements.txt; pip install .",
    );
    need(
        "a Java runtime for PySpark",
        "java",
        &["-version"],
        &[],
        "apt install openjdk-17-jre-headless",
    );
    let run = Command::new(&python)
        .args(["-m", "pytest", "-q", "-rs", "-s", "tests/python"])
        // Spark's Python workers need the same interpreter, with the package.
        .env("PYSPARK_PYTHON", &python)
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
    assert!(!out.contains("skipped"), "a test was skipped: {out}");
    // What the Spark example took on the generated archive, for the summary.
    if let Some(line) = out.lines().find(|l| l.contains("spark local[2]")) {
        eprintln!("{line}");
    }
}
