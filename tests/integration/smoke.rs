//! One end-to-end commit: installed hook, editor flow, stand-in model.

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{assert_ok, describe, TestEnv};
use std::fs;

#[test]
fn commit_in_editor_flow_uses_the_model_reply() {
    let standin = StandIn::start(Behavior::Reply("Add greeting to hello.txt".into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("smoke");
    repo.install_hook();
    repo.stage("hello.txt", "Hello, world!\n");
    let (editor, captured) = env.editor_capture();

    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "Add greeting to hello.txt");
    let seen = fs::read_to_string(&captured).expect("the editor ran and captured the file");
    assert_eq!(
        seen.lines().next(),
        Some("Add greeting to hello.txt"),
        "editor saw:\n{seen}"
    );
    assert!(
        seen.lines().any(|line| line.starts_with("# ai-commit:")),
        "no `# ai-commit:` line in what the editor saw:\n{seen}"
    );
    let chats = standin.chat_requests();
    assert_eq!(
        chats.len(),
        1,
        "chat requests: {chats:#?}\n{}",
        describe(&out)
    );
    let chat = &chats[0];
    assert_eq!(chat["model"], "gemma3:4b");
    let mentions_file = chat["messages"]
        .as_array()
        .expect("messages is an array")
        .iter()
        .filter(|m| m["role"] == "user")
        .any(|m| m["content"].as_str().unwrap_or("").contains("hello.txt"));
    assert!(
        mentions_file,
        "no user message mentions hello.txt: {chat:#}"
    );
}

/// The environment alone, without the hook: a check of the test support that needs no binary.
#[test]
fn hermetic_env_commits_with_fixed_identity_and_editor() {
    let env = TestEnv::new();
    let repo = env.repo("plain");
    repo.stage("notes/a.txt", "a\n");
    let (editor, captured) = env.editor_replace("Hand-written message\n");

    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "Hand-written message");
    let seen = fs::read_to_string(&captured).expect("the editor ran");
    assert!(seen.contains("# Please enter the commit message"), "{seen}");
    assert_eq!(
        repo.git_ok(&["log", "-1", "--format=%an <%ae> %at|%cn <%ce> %ct"]),
        "Test User <test@example.com> 1767268800|\
         Test User <test@example.com> 1767268800\n"
    );
    assert_eq!(repo.git_ok(&["symbolic-ref", "--short", "HEAD"]), "main\n");
    let origin = repo.git_ok(&["config", "--show-origin", "--get", "user.email"]);
    assert!(
        origin.contains(&*env.global_git_config().to_string_lossy()),
        "{origin}"
    );
    assert!(!repo.hook_path().exists());
    assert!(repo.hook_path().parent().expect("hooks dir").is_dir());
}
