//! The config file, through the real binary: where it is found, what `config --print` shows
//! (a file that reads back the same), the default settings it gives the commands, and
//! mistakes named by file and line.

use std::path::Path;
use std::process::{Command, Output};

fn run(xdg: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consent-inspector"))
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// `$XDG_CONFIG_HOME/consent-inspector/config.toml` with this text.
fn configured(text: &str) -> tempfile::TempDir {
    let xdg = tempfile::tempdir().unwrap();
    let folder = xdg.path().join("consent-inspector");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("config.toml"), text).unwrap();
    xdg
}

/// The printed configuration without its comment lines (which say where it came from).
fn body(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .filter(|l| {
            !l.starts_with("# consent")
                && !l.starts_with("# read from")
                && !l.starts_with("# no config")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn print_shows_the_defaults_then_the_file_over_them_and_reads_back_the_same() {
    let empty = tempfile::tempdir().unwrap();
    let defaults = body(&run(empty.path(), &["config", "--print"]));
    for line in [
        "time_zone = \"UTC\"\n",
        "theme = \"dark\"\n",
        "warning = \"yellow\"\n",
        "quit = [\"q\", \"ctrl-c\"]\n",
        "# what_if_category = [\"1\",",
    ] {
        assert!(defaults.contains(line), "{line} missing:\n{defaults}");
    }
    let xdg = configured(
        "# mine\ntheme = \"light\"\ntime_zone = \"Europe/Paris\"\n\n[colors]\nwarning = \"#AA5500\"\nkey = \"light-blue\"\n\n[keys]\nquit = [\"Q\", \"ctrl-c\"]\n",
    );
    let o = run(xdg.path(), &["config", "--print"]);
    let effective = body(&o);
    let file = xdg.path().join("consent-inspector/config.toml");
    assert!(text(&o.stdout).contains(&format!("# read from {}", file.display())));
    for line in [
        "time_zone = \"Europe/Paris\"\n",
        "theme = \"light\"\n",
        "warning = \"#aa5500\"\n",
        "key = \"lightblue\"\n",
        // The light theme's own colours where the file says nothing.
        "ok = \"28\"\n",
        "quit = [\"Q\", \"ctrl-c\"]\n",
        "up = [\"up\", \"k\"]\n",
    ] {
        assert!(effective.contains(line), "{line} missing:\n{effective}");
    }
    // What it prints is a config file that gives the same configuration.
    let copy = tempfile::tempdir().unwrap();
    let printed = copy.path().join("printed.toml");
    std::fs::write(&printed, text(&o.stdout)).unwrap();
    let again = run(
        empty.path(),
        &["--config", printed.to_str().unwrap(), "config", "--print"],
    );
    assert_eq!(body(&again), effective);
    // --path says which file; without one, where it would be.
    let o = run(xdg.path(), &["config", "--path"]);
    assert_eq!(text(&o.stdout), format!("{}\n", file.display()));
    let o = run(empty.path(), &["config", "--path"]);
    assert!(text(&o.stdout).ends_with("config.toml (not there: the defaults apply)\n"));
}

#[test]
fn mistakes_name_the_file_and_line_and_stop_every_command_but_the_shell_ones() {
    let cases = [
        (
            "theme = \"dark\"\ncolour = \"red\"\n",
            ":2:1: unknown field `colour`, expected one of",
        ),
        (
            "[colors]\nerror = \"reddish\"\n",
            ":2:9: colors.error: cannot read \"reddish\" as a colour",
        ),
        (
            "[keys]\n\nquit = \"j\"\n",
            ":3:1: keys: key \"j\" is bound twice: to down (a default; rebind it too) and to quit (line 3)",
        ),
        (
            "[keys]\nup = \"x\"\ndown = [\"x\"]\n",
            ":3:1: keys: key \"x\" is bound twice: to up (line 2) and to down (line 3)",
        ),
        (
            "[keys]\njump = \"x\"\n",
            ":2:1: keys: unknown action \"jump\"",
        ),
        (
            "[keys]\nquit = \"ctrl+c\"\n",
            ":2:8: cannot read \"ctrl+c\" as a key",
        ),
        (
            "time_zone = \"Mars/Olympus\"\n",
            ":1:13: time_zone \"Mars/Olympus\"",
        ),
        (
            "theme = \"dim\"\n",
            ":1:9: unknown theme \"dim\" (known: dark, light)",
        ),
        ("theme = \n", ":1:9: "),
    ];
    for (toml, expected) in cases {
        let xdg = configured(toml);
        let o = run(xdg.path(), &["check", "samples/events.jsonl"]);
        assert_eq!(o.status.code(), Some(2), "{toml}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("consent-inspector/config.toml{expected}")),
            "{toml}: {err}"
        );
        assert!(o.stdout.is_empty());
    }
    // Completions, man pages and --path do not read it, so a broken file can be found.
    let xdg = configured("colour = 1\n");
    assert_eq!(
        run(xdg.path(), &["completions", "bash"]).status.code(),
        Some(0)
    );
    assert_eq!(run(xdg.path(), &["man"]).status.code(), Some(0));
    assert_eq!(
        run(xdg.path(), &["config", "--path"]).status.code(),
        Some(0)
    );
    // --config names a file that must be there.
    let o = run(
        xdg.path(),
        &["--config", "nowhere.toml", "check", "samples/events.jsonl"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("nowhere.toml: cannot read"));
}

#[test]
fn settings_come_from_the_flag_then_beside_the_input_then_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::copy("samples/events.jsonl", &events).unwrap();
    let events = events.to_str().unwrap();
    // A workspace with one destination, named by the config file relative to its own folder.
    let xdg = configured("settings = \"../one.json\"\n");
    std::fs::write(
        xdg.path().join("one.json"),
        r#"{"categories":[{"id":"C0002","name":"Performance"}],"destinations":[{"name":"Only One","categories":["C0002"]}]}"#,
    )
    .unwrap();
    let first_line = |o: Output| -> String {
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout).lines().next().unwrap().to_owned()
    };
    let line = first_line(run(xdg.path(), &["route", events]));
    assert!(
        line.contains("Only One") && !line.contains("Braze"),
        "{line}"
    );
    // Beside the input wins over the config file.
    std::fs::copy(
        "samples/consent-settings.json",
        dir.path().join("consent-settings.json"),
    )
    .unwrap();
    let line = first_line(run(xdg.path(), &["route", events]));
    assert!(
        line.contains("Braze") && !line.contains("Only One"),
        "{line}"
    );
    // And --settings over both.
    let one = xdg.path().join("one.json");
    let line = first_line(run(
        xdg.path(),
        &["route", "--settings", one.to_str().unwrap(), events],
    ));
    assert!(line.contains("Only One"), "{line}");
}
