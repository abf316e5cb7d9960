//! The prose journal fixture of the real-model replay (`benches/fixtures/journal.sh`): the
//! script builds, with the real git CLI, one commit per fixture directory, with the fixture's
//! subjects, bodies and dates, the same ids every time, and commits the replay picks.

use crate::support::{assert_ok, stdout, TestEnv};
use ai_commit::prompt::is_prose;
use std::fs;
use std::path::{Path, PathBuf};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");

/// The fixture's commit directories, `00` first.
fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(PROJECT).join("benches/fixtures/journal");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("benches/fixtures/journal")
        .map(|e| e.expect("a fixture entry").path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    dirs.sort();
    dirs
}

fn read_trimmed(path: &Path) -> String {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Runs the script into `name` under the test's root and returns that path.
fn build(env: &TestEnv, name: &str) -> PathBuf {
    let out = env.root().join(name);
    let mut cmd = env.command("bash", env.root());
    cmd.arg(Path::new(PROJECT).join("benches/fixtures/journal.sh"))
        .arg(&out);
    let run = env.run(cmd);
    assert_ok(&run, "benches/fixtures/journal.sh");
    out
}

fn git_out(env: &TestEnv, repo: &Path, args: &[&str]) -> String {
    let out = env.git(repo, args);
    assert_ok(&out, &format!("git {args:?}"));
    stdout(&out)
}

#[test]
fn the_script_builds_one_commit_per_fixture_directory_with_its_subject() {
    let env = TestEnv::new();
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 13, "a root and at least 12 commits to replay");
    let repo = build(&env, "journal");

    // Oldest first, one line per commit: id, parent ids, author, author date as written.
    let log = git_out(
        &env,
        &repo,
        &[
            "log",
            "--reverse",
            "--format=%H %P|%an <%ae>|%aI|%cI",
            "main",
        ],
    );
    let commits: Vec<&str> = log.lines().collect();
    assert_eq!(commits.len(), dirs.len(), "commits:\n{log}");

    for (i, (line, dir)) in commits.iter().zip(&dirs).enumerate() {
        let (ids, rest) = line.split_once('|').unwrap();
        let ids: Vec<&str> = ids.split_whitespace().collect();
        let id = ids[0];
        // A root first, then a line: each commit's only parent is the one before it.
        if i == 0 {
            assert_eq!(ids.len(), 1, "the root has no parent: {line}");
        } else {
            let before = commits[i - 1].split_whitespace().next().unwrap();
            assert_eq!(ids[1..], [before], "{line}");
        }
        let date = read_trimmed(&dir.join("date"));
        assert_eq!(
            rest,
            format!("Robin Vale <robin@journal.example>|{date}|{date}"),
            "{}",
            dir.display()
        );

        let subject = git_out(&env, &repo, &["log", "-1", "--format=%s", id]);
        assert_eq!(
            subject.trim(),
            read_trimmed(&dir.join("subject")),
            "{}",
            dir.display()
        );
        let body = git_out(&env, &repo, &["log", "-1", "--format=%b", id]);
        assert_eq!(
            body.trim(),
            read_trimmed(&dir.join("body")),
            "{}",
            dir.display()
        );

        // What the replay picks (a parent, 1..=40 files), all prose as the prompt sees it.
        if i > 0 {
            let names = git_out(
                &env,
                &repo,
                &[
                    "diff-tree",
                    "-r",
                    "--no-commit-id",
                    "--name-only",
                    ids[1],
                    id,
                ],
            );
            let files: Vec<&str> = names.lines().collect();
            assert!(
                (1..=40).contains(&files.len()),
                "{}: {files:?}",
                dir.display()
            );
            assert!(
                files.iter().all(|f| is_prose(f)),
                "{}: {files:?}",
                dir.display()
            );
        }
    }
    assert_eq!(
        git_out(&env, &repo, &["status", "--porcelain"]),
        "",
        "the work tree is the last commit"
    );

    // Several hundred lines, one commit of 500 to 800: the long article.
    let numstat = git_out(
        &env,
        &repo,
        &["log", "--format=", "--numstat", "--no-renames", "main"],
    );
    let added: Vec<usize> = numstat
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(added.iter().sum::<usize>() >= 500, "{numstat}");
    assert!(
        added.iter().any(|n| (500..=800).contains(n)),
        "no file of 500-800 added lines:\n{numstat}"
    );
}

#[test]
fn the_script_builds_the_same_commits_every_time_and_refuses_a_full_directory() {
    let env = TestEnv::new();
    let first = build(&env, "one");
    let second = build(&env, "two");
    let head = |repo: &Path| git_out(&env, repo, &["rev-parse", "main"]);
    assert_eq!(head(&first), head(&second));

    let mut again = env.command("bash", env.root());
    again
        .arg(Path::new(PROJECT).join("benches/fixtures/journal.sh"))
        .arg(&first);
    let out = env.run(again);
    assert!(!out.status.success(), "a second build over the first");
    assert_eq!(head(&first), head(&second), "the first is left as it was");
}
