//! Replays what the fuzz targets found (`tests/fuzz/`), and the hostile-input corpus, through
//! the same code the fuzz targets run (`fuzz/fuzz_targets/exercise.rs`).

#[path = "../fuzz/fuzz_targets/exercise.rs"]
mod exercise;

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn inputs_found_by_fuzzing_and_the_corpus_still_pass() {
    let mut replayed = 0;
    for f in files("tests/fuzz/records")
        .into_iter()
        .chain(files("tests/corpus"))
    {
        exercise::records(&std::fs::read(&f).unwrap());
        replayed += 1;
    }
    for f in files("tests/fuzz/settings")
        .into_iter()
        .chain(files("samples"))
    {
        exercise::settings(&std::fs::read(&f).unwrap());
        replayed += 1;
    }
    // Each line of the corpus and the samples, and what fuzzing the parser found, as one
    // event's text.
    for f in files("tests/fuzz/json")
        .into_iter()
        .chain(files("tests/corpus"))
        .chain(files("samples"))
    {
        for line in std::fs::read(&f).unwrap().split(|b| *b == b'\n') {
            exercise::json(line);
        }
        replayed += 1;
    }
    assert!(replayed > 20, "replayed {replayed} inputs");
}
