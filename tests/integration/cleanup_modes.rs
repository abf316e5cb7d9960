//! `git commit --cleanup=<mode>` given on the command line, which the hook cannot see: every mode
//! (default, strip, whitespace, verbatim, scissors), with and without `-v`, through the real
//! `git commit` with an editor that keeps the file as it is. No committed message may hold an
//! `ai-commit:` line; where git strips comments, the status line is in the editor.

use std::fs;

use crate::support::{assert_ok, describe, repo_with_journal, world};

const REPLY: &str = "Add the next day to journal.txt";
const MODES: [&str; 5] = ["default", "strip", "whitespace", "verbatim", "scissors"];

/// In a fresh repository with the hook installed and `config` set, stages a change and runs
/// `git <args>` with an editor that copies the file out and leaves it unchanged. Then: the
/// commit went through with the model's subject and no `ai-commit:` line anywhere in it, the
/// editor showed the status line exactly when `note_expected`, and where git strips comments
/// no comment line is left.
fn case(config: &[(&str, &str)], args: &[&str], prefix: &str, note_expected: bool) {
    let what = format!("{config:?} git {}", args.join(" "));
    let (_standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "repo");
    repo.install_hook();
    for (key, value) in config {
        repo.git_ok(&["config", key, value]);
    }
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();
    let out = repo.git_with(args, &[("GIT_EDITOR", &editor)]);
    let seen = fs::read_to_string(&capture).unwrap_or_default();

    assert_ok(&out, &what);
    let message = repo.commit_msg_of("HEAD");
    assert_eq!(
        message.lines().next(),
        Some(REPLY),
        "{what}: committed\n{message}\n{}",
        describe(&out)
    );
    assert!(
        !message.contains("ai-commit:"),
        "{what}: the status line was committed:\n{message}"
    );
    let note = format!("{prefix} ai-commit: ");
    assert_eq!(
        seen.lines().any(|l| l.starts_with(&note)),
        note_expected,
        "{what}: status line expected: {note_expected}; the editor saw:\n{seen}"
    );
    if note_expected {
        assert!(
            !message.lines().any(|l| l.starts_with(prefix)),
            "{what}: git was to strip comments, yet committed\n{message}"
        );
    }
}

fn strips(mode: &str) -> bool {
    matches!(mode, "default" | "strip")
}

#[test]
fn every_cleanup_flag_with_and_without_verbose() {
    for mode in MODES {
        let flag = format!("--cleanup={mode}");
        case(&[], &["commit", &flag], "#", strips(mode));
        case(&[], &["commit", &flag, "-v"], "#", strips(mode));
    }
}

/// The flag beats `commit.cleanup` in both directions: config says keep, flag says strip (the
/// status line is shown and stripped); config says strip, flag says keep (no status line).
#[test]
fn the_flag_wins_over_commit_cleanup() {
    let keep = [("commit.cleanup", "whitespace")];
    case(&keep, &["commit", "--cleanup=strip"], "#", true);
    case(&keep, &["commit", "--cleanup=default", "-v"], "#", true);
    let strip = [("commit.cleanup", "strip")];
    for mode in ["verbatim", "whitespace", "scissors"] {
        let flag = format!("--cleanup={mode}");
        case(&strip, &["commit", &flag, "-v"], "#", false);
    }
}

/// Another comment prefix (`;`, and `//` as `core.commentString`) and a template: the same rule.
#[test]
fn the_rule_holds_for_other_prefixes_and_a_template() {
    let dir = tempfile::tempdir().expect("a directory for the template");
    let template = dir.path().join("template.txt");
    fs::write(&template, "Ticket: \n").expect("write the template");
    let template = template.to_string_lossy().into_owned();
    for mode in MODES {
        let flag = format!("--cleanup={mode}");
        let semicolon = [("core.commentChar", ";")];
        case(
            &semicolon,
            &["commit", &flag, "-t", &template],
            ";",
            strips(mode),
        );
        let slashes = [("core.commentString", "//")];
        case(&slashes, &["commit", &flag, "-v"], "//", strips(mode));
    }
}
