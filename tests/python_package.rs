//! The Python package (`consent_inspector`, built from this crate by maturin): its pytest suite
//! and doctests, and `examples/spark_audit.py` in Spark's local mode, against the command built
//! here. Ignored by a plain `cargo test` (listed so, with what it needs); `.ci/run` builds and
//! installs the wheel, `pyspark` and a Java runtime, then runs it, and a test `pytest` would
//! skip fails it.

use std::process::Command;

mod common;

use common::needs::need;

#[test]
#[ignore = "needs the Python package, pytest, pyarrow, pyspark and Java: pip install -r tests/clients/requirements.txt; maturin build --release -o target/wheels; pip install target/wheels/*.whl"]
fn the_python_package_passes_its_tests_against_the_command() {
    need(
        "the consent_inspector wheel and pytest",
        "python3",
        &["-c", "import consent_inspector, pytest, pyarrow, pyspark"],
        &[],
        "pip install -r tests/clients/requirements.txt; maturin build --release -o target/wheels; pip install target/wheels/*.whl",
    );
    need(
        "a Java runtime for PySpark",
        "java",
        &["-version"],
        &[],
        "apt install openjdk-17-jre-headless",
    );
    let run = Command::new("python3")
        .args(["-m", "pytest", "-q", "-rs", "-s", "tests/python"])
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
