//! The kept answers: the same staged change with the same settings gets the earlier model
//! message without asking the model again; fallbacks are never kept; `cache = false` turns it
//! off; the files are private and a corrupt one is ignored.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::ollama::Behavior;
use crate::support::{assert_ok, describe, the_ai_commit_line, world, TestEnv};

const REPLY: &str = r#"{"subject": "Greet the reader"}"#;

/// A repository with the hook and a `commit-msg` hook that refuses the first commit only, as
/// a hook checking a ticket number might before the person fixes something.
fn repo_failing_once(env: &TestEnv) -> crate::support::Repo<'_> {
    let repo = env.repo("kept");
    repo.install_hook();
    let flag = env.root().join("refused-once");
    let hook = repo.git_dir().join("hooks/commit-msg");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ ! -e '{f}' ]; then : > '{f}'; echo refused >&2; exit 1; fi\n",
            f = flag.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    repo.stage("hello.txt", "Hello, reader!\n");
    repo
}

#[test]
fn a_retried_commit_gets_the_kept_message_without_asking_again() {
    let (standin, env) = world(REPLY);
    let repo = repo_failing_once(&env);
    let first = repo.git(&["commit", "--no-edit"]);
    assert!(!first.status.success(), "the commit-msg hook refuses once");
    assert_eq!(standin.chat_requests().len(), 1);

    let second = repo.git(&["commit", "--no-edit"]);
    assert_ok(&second, "git commit, retried");
    assert_eq!(repo.commit_msg_of("HEAD"), "Greet the reader");
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&second));
    let line = the_ai_commit_line(&second);
    assert!(line.contains("kept from the same request before"), "{line}");

    // Private: the directory is the user's alone, and so is each answer.
    let dir = env.root().join("cache/ai-commit/answers");
    let mode = fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    for entry in fs::read_dir(&dir).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn another_change_asks_again() {
    let (standin, env) = world(REPLY);
    let repo = repo_failing_once(&env);
    let _ = repo.git(&["commit", "--no-edit"]);
    repo.stage("hello.txt", "Hello, dear reader!\n");
    assert_ok(
        &repo.git(&["commit", "--no-edit"]),
        "git commit of another change",
    );
    assert_eq!(standin.chat_requests().len(), 2);
}

#[test]
fn other_settings_ask_again() {
    let (standin, env) = world(REPLY);
    let repo = repo_failing_once(&env);
    let _ = repo.git(&["commit", "--no-edit"]);
    env.write_config("temperature = 0.3\n");
    assert_ok(
        &repo.git(&["commit", "--no-edit"]),
        "git commit with another temperature",
    );
    assert_eq!(standin.chat_requests().len(), 2);
}

#[test]
fn cache_false_asks_every_time() {
    let (standin, env) = world(REPLY);
    env.write_config("cache = false\n");
    let repo = repo_failing_once(&env);
    let _ = repo.git(&["commit", "--no-edit"]);
    assert_ok(&repo.git(&["commit", "--no-edit"]), "git commit, retried");
    assert_eq!(standin.chat_requests().len(), 2);
    assert!(!env.root().join("cache/ai-commit/answers").exists());
}

#[test]
fn a_fallback_is_never_kept() {
    let (standin, env) = world(REPLY);
    standin.set_behavior(Behavior::Status(500, "out of memory".into()));
    let repo = repo_failing_once(&env);
    let first = repo.git(&["commit", "--no-edit"]);
    assert!(!first.status.success());
    standin.set_behavior(Behavior::Reply(REPLY.into()));
    let second = repo.git(&["commit", "--no-edit"]);
    assert_ok(&second, "git commit, retried with the server back");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Greet the reader",
        "{}",
        describe(&second)
    );
}

#[test]
fn a_corrupt_answer_is_ignored_and_replaced() {
    let (standin, env) = world(REPLY);
    let repo = repo_failing_once(&env);
    let _ = repo.git(&["commit", "--no-edit"]);
    let dir = env.root().join("cache/ai-commit/answers");
    for entry in fs::read_dir(&dir).unwrap() {
        fs::write(entry.unwrap().path(), "ai-commit answer v1\n99999\ngarbage").unwrap();
    }
    let second = repo.git(&["commit", "--no-edit"]);
    assert_ok(&second, "git commit over a corrupt answer");
    assert_eq!(repo.commit_msg_of("HEAD"), "Greet the reader");
    assert_eq!(standin.chat_requests().len(), 2);
}
