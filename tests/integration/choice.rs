//! Choice and intent (issue 12), through the real git CLI against the stand-in: candidates to
//! pick from, the person's stated reason, the ticket from the branch name, the `Assisted-by:`
//! trailer, the dry run and the prompt file, and drafts for commits that already exist.

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{
    assert_no_requests, assert_ok, describe, repo_with_journal, stderr, stdout, user_message,
    world, Repo, TestEnv,
};
use std::fs;

/// What the capture editor saw.
fn captured(path: &std::path::Path) -> String {
    fs::read_to_string(path).expect("the editor ran and captured the message file")
}

/// A repository with one commit and a staged change to `hello.txt`, the hook installed.
fn staged_repo<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = repo_with_journal(env, name);
    repo.install_hook();
    repo.stage("hello.txt", "Hello, world!\n");
    repo
}

// ---------------------------------------------------------------------------------------------
// Intent
// ---------------------------------------------------------------------------------------------

const WHY: &str = "users on slow links saw a blank page before the greeting";

#[test]
fn context_flag_reaches_the_model_as_the_stated_intent() {
    let (standin, env) = world("Add greeting to hello.txt");
    let repo = staged_repo(&env, "context-flag");
    let out = repo.ai_commit(&["--context", WHY]);
    assert_ok(&out, "ai-commit --context");
    assert_eq!(stdout(&out), "Add greeting to hello.txt\n");
    let user = user_message(&standin, &out);
    assert!(user.contains("Why the author made this change"), "{user}");
    assert!(user.ends_with(&format!("{WHY}\n")), "{user}");
}

#[test]
fn without_a_context_nothing_is_said_of_intent() {
    let (standin, env) = world("Add greeting to hello.txt");
    let repo = staged_repo(&env, "no-context");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit");
    assert!(!user_message(&standin, &out).contains("Why the author"));
}

#[test]
fn the_hook_reads_the_intent_from_the_environment() {
    let (standin, env) = world("Add greeting to hello.txt");
    let repo = staged_repo(&env, "context-env");
    let out = repo.git_with(&["commit", "-q"], &[("AI_COMMIT_CONTEXT", WHY)]);
    assert_ok(&out, "git commit");
    assert!(user_message(&standin, &out).contains(WHY));
    assert_eq!(repo.commit_msg_of("HEAD"), "Add greeting to hello.txt");
}

#[test]
fn a_filled_in_template_line_is_the_intent_and_stays_in_the_file() {
    let (standin, env) = world("Add greeting to hello.txt");
    let repo = staged_repo(&env, "context-template");
    let template = env.root().join("template.txt");
    fs::write(&template, format!("Ticket:\nWhy: {WHY}\n")).unwrap();
    let (editor, capture) = env.editor_capture();
    let t = template.to_string_lossy().into_owned();
    let out = repo.git_with(&["commit", "-t", &t], &[("GIT_EDITOR", &editor)]);
    assert_ok(&out, "git commit -t");
    let user = user_message(&standin, &out);
    assert!(user.contains(&format!("Why: {WHY}\n")), "{user}");
    // The unfilled field is no intent.
    assert!(!user.contains("Ticket:"), "{user}");
    let seen = captured(&capture);
    assert!(seen.starts_with("Add greeting to hello.txt\n"), "{seen}");
    assert!(seen.contains(&format!("Ticket:\nWhy: {WHY}\n")), "{seen}");
}

#[test]
fn a_reply_that_parrots_a_long_context_is_refused() {
    let long = "the greeting was computed again on every request which made the start page \
                slow for users on slow links";
    let parrot = "Fix hello.txt: the greeting was computed again on every request";
    let (standin, env) = world(parrot);
    let repo = staged_repo(&env, "context-parrot");
    let out = repo.ai_commit(&["--context", long]);
    assert_ok(&out, "ai-commit --context");
    // Twice the parrot: the fallback summary, and the reason says why.
    assert_eq!(standin.chat_requests().len(), 2, "{}", describe(&out));
    assert_ne!(stdout(&out).trim(), parrot);
    assert!(
        stderr(&out).contains("copies the stated intent"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_short_context_that_is_a_good_subject_may_be_the_subject() {
    let short = "Greet the world in hello.txt";
    let (_standin, env) = world(short);
    let repo = staged_repo(&env, "context-short");
    let out = repo.ai_commit(&["--context", short]);
    assert_ok(&out, "ai-commit --context");
    assert_eq!(stdout(&out), format!("{short}\n"));
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

const SEVERAL: &str = r#"{"subjects": ["Add greeting to hello.txt", "Sure! Here is the commit message:", "Greet the world in hello.txt"]}"#;

#[test]
fn candidates_flag_prints_the_usable_ones_numbered_from_one_request() {
    let (standin, env) = world(SEVERAL);
    let repo = staged_repo(&env, "candidates-stdout");
    let out = repo.ai_commit(&["--candidates", "3"]);
    assert_ok(&out, "ai-commit --candidates 3");
    assert_eq!(
        stdout(&out),
        "1. Add greeting to hello.txt\n2. Greet the world in hello.txt\n"
    );
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1);
    let schema = &chats[0]["format"];
    assert_eq!(schema["properties"]["subjects"]["maxItems"], 3, "{schema}");
    assert_eq!(schema["required"], serde_json::json!(["subjects"]));
}

#[test]
fn the_default_asks_for_one_subject_as_before() {
    let (standin, env) = world("Add greeting to hello.txt");
    let repo = staged_repo(&env, "candidates-default");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit");
    let chats = standin.chat_requests();
    let body = chats[0].to_string();
    assert!(!body.contains("subjects"), "{body}");
    // One subject, as one line of text that the server ends at the newline.
    assert_eq!(chats[0].get("format"), None, "{body}");
    assert_eq!(chats[0]["options"]["stop"], serde_json::json!(["\n"]));
    assert_eq!(chats[0]["options"]["num_predict"], 52);
}

/// A model that opens its reply with a newline ends a one-line reply before it begins: the
/// retry goes without the stop, and its subject is the message.
#[test]
fn a_line_that_ends_before_it_begins_is_asked_again_without_the_stop() {
    let (standin, env) = world("\nAdd greeting to hello.txt");
    // Free text for the retry too (with a schema, see the next test).
    env.write_config("format = \"text\"\n");
    let repo = staged_repo(&env, "newline-first");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit");
    assert_eq!(
        stdout(&out),
        "Add greeting to hello.txt\n",
        "{}",
        describe(&out)
    );
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 2, "{}", describe(&out));
    assert_eq!(chats[0]["options"]["stop"], serde_json::json!(["\n"]));
    assert_eq!(chats[1]["options"].get("stop"), None, "{:#}", chats[1]);
}

/// A line too long to keep is asked for again in the schema of the subject alone, whose
/// `maxLength` bounds it, where the server takes a schema (Ollama with `format = "auto"`).
#[test]
fn a_line_too_long_is_asked_again_in_the_schema_of_the_subject() {
    // The 0.5B model's kind of subject on commitizen: over 72 characters, nowhere to cut it.
    let long =
        "Make hello.txt greet every single reader of the file personally warmly kindly cheerfully gladly";
    assert!(long.chars().count() > 72);
    let standin = StandIn::start(Behavior::Sequence(vec![
        Behavior::Reply(long.into()),
        Behavior::Reply(r#"{"subject": "Add greeting to hello.txt"}"#.into()),
    ]));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = staged_repo(&env, "line-too-long");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit");
    assert_eq!(
        stdout(&out),
        "Add greeting to hello.txt\n",
        "{}",
        describe(&out)
    );
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 2, "{}", describe(&out));
    assert_eq!(chats[0].get("format"), None);
    assert_eq!(chats[1]["format"]["properties"]["subject"]["maxLength"], 72);
    assert_eq!(chats[1]["options"].get("stop"), None, "{:#}", chats[1]);
    let correction = chats[1]["messages"][3]["content"].as_str().unwrap_or("");
    assert!(
        correction.ends_with("{\"subject\": the subject line}."),
        "{correction}"
    );
}

#[test]
fn in_the_editor_the_other_candidates_follow_as_comments() {
    let (_standin, env) = world(SEVERAL);
    env.write_config("candidates = 3\n");
    let repo = staged_repo(&env, "candidates-editor");
    let (editor, capture) = env.editor_capture();
    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", &editor)]);
    assert_ok(&out, "git commit");
    let seen = captured(&capture);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines[0], "Add greeting to hello.txt", "{seen}");
    assert!(lines[1].starts_with("# ai-commit: message from"), "{seen}");
    assert_eq!(
        lines[2],
        "# ai-commit: other candidates, to put in place of the subject above:"
    );
    assert_eq!(lines[3], "#   Greet the world in hello.txt", "{seen}");
    assert!(
        lines[4].is_empty() && lines[5].starts_with("# Please enter"),
        "{seen}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), "Add greeting to hello.txt");
}

#[test]
fn with_no_editor_only_the_message_is_written() {
    let (_standin, env) = world(SEVERAL);
    env.write_config("candidates = 3\n");
    let repo = staged_repo(&env, "candidates-no-edit");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit --no-edit");
    assert_eq!(repo.commit_msg_of("HEAD"), "Add greeting to hello.txt");
}

#[test]
fn numbered_lines_are_the_candidates_in_text_mode() {
    let (_standin, env) = world("1. Add greeting to hello.txt\n2. Greet the world in hello.txt\n");
    env.write_config("format = \"text\"\n");
    let repo = staged_repo(&env, "candidates-text");
    let out = repo.ai_commit(&["--candidates", "2"]);
    assert_ok(&out, "ai-commit --candidates 2");
    assert_eq!(
        stdout(&out),
        "1. Add greeting to hello.txt\n2. Greet the world in hello.txt\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------

/// A repository whose history has these messages, on `branch`, the hook installed and a change
/// staged.
fn ticket_repo<'a>(env: &'a TestEnv, name: &str, history: &[&str], branch: &str) -> Repo<'a> {
    let repo = env.repo(name);
    for (i, message) in history.iter().enumerate() {
        repo.stage(&format!("f{i}.txt"), format!("{i}\n"));
        repo.git_ok(&["commit", "-q", "-m", message]);
    }
    repo.git_ok(&["checkout", "-q", "-b", branch]);
    repo.install_hook();
    repo.stage("hello.txt", "Hello, world!\n");
    repo
}

const REPLY: &str = "Add greeting to hello.txt";

#[test]
fn the_branch_s_ticket_is_placed_as_the_history_places_tickets() {
    let (_standin, env) = world(REPLY);
    let prefix = ticket_repo(
        &env,
        "ticket-prefix",
        &["ABC-1: Start the notes", "ABC-2: Add a list", "Tidy up"],
        "feature/ABC-123-greeting",
    );
    assert_ok(&prefix.git(&["commit", "-q"]), "git commit");
    assert_eq!(prefix.commit_msg_of("HEAD"), format!("ABC-123: {REPLY}"));

    let suffix = ticket_repo(
        &env,
        "ticket-suffix",
        &["Start the notes (#1)", "Add a list (#2)"],
        "gh-45",
    );
    assert_ok(&suffix.git(&["commit", "-q"]), "git commit");
    assert_eq!(suffix.commit_msg_of("HEAD"), format!("{REPLY} (#45)"));

    let trailer = ticket_repo(
        &env,
        "ticket-trailer",
        &[
            "Start the notes\n\nRefs: ABC-1",
            "Add a list\n\nRefs: ABC-2",
        ],
        "ABC-123",
    );
    assert_ok(&trailer.git(&["commit", "-q"]), "git commit");
    assert_eq!(
        trailer.commit_msg_of("HEAD"),
        format!("{REPLY}\n\nRefs: ABC-123")
    );
    let parsed = trailer.git_ok(&["log", "-1", "--format=%(trailers:key=Refs,valueonly)"]);
    assert_eq!(parsed.trim(), "ABC-123");
}

#[test]
fn no_ticket_where_the_history_references_none() {
    let (standin, env) = world(REPLY);
    let repo = ticket_repo(
        &env,
        "ticket-none",
        &["Start the notes", "Add a list"],
        "feature/ABC-123-greeting",
    );
    let out = repo.git(&["commit", "-q"]);
    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    // Added after the model, never asked of it.
    assert!(!user_message(&standin, &out).contains("ABC-123"));
}

// ---------------------------------------------------------------------------------------------
// Disclosure
// ---------------------------------------------------------------------------------------------

#[test]
fn assisted_by_names_the_model_as_a_trailer_git_reads() {
    let (_standin, env) = world(REPLY);
    env.write_config("assisted_by = true\n");
    let repo = staged_repo(&env, "assisted");
    assert_ok(&repo.git(&["commit", "-q"]), "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("{REPLY}\n\nAssisted-by: gemma3:4b via ai-commit")
    );
    let parsed = repo.git_ok(&[
        "log",
        "-1",
        "--format=%(trailers:key=Assisted-by,valueonly)",
    ]);
    assert_eq!(parsed.trim(), "gemma3:4b via ai-commit");
    assert!(!repo.commit_msg_of("HEAD").contains("Co-authored-by"));
}

#[test]
fn assisted_by_joins_gits_own_trailers() {
    let (_standin, env) = world(REPLY);
    env.write_config("assisted_by = true\n");
    let repo = staged_repo(&env, "assisted-signoff");
    let out = repo.git(&["commit", "-q", "-s", "--trailer", "Refs: X-1"]);
    assert_ok(&out, "git commit -s");
    let trailers = repo.git_ok(&["log", "-1", "--format=%(trailers:only,unfold)"]);
    assert!(
        trailers.contains("Assisted-by: gemma3:4b via ai-commit"),
        "{trailers}"
    );
    assert!(
        trailers.contains("Signed-off-by: Test User <test@example.com>"),
        "{trailers}"
    );
    assert!(trailers.contains("Refs: X-1"), "{trailers}");
    assert!(repo
        .commit_msg_of("HEAD")
        .starts_with(&format!("{REPLY}\n\n")));
}

#[test]
fn no_assisted_by_on_the_fallback_nor_by_default() {
    let env = TestEnv::new();
    env.write_config("assisted_by = true\n");
    let repo = staged_repo(&env, "assisted-fallback");
    assert_ok(&repo.git(&["commit", "-q"]), "git commit");
    assert!(!repo.commit_msg_of("HEAD").contains("Assisted-by"));

    let (_standin, env) = world(REPLY);
    let repo = staged_repo(&env, "assisted-default");
    assert_ok(&repo.git(&["commit", "-q"]), "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
}

// ---------------------------------------------------------------------------------------------
// Seeing and tuning the prompt
// ---------------------------------------------------------------------------------------------

#[test]
fn dry_run_prints_the_exact_request_and_sends_nothing() {
    let (standin, env) = world(REPLY);
    let repo = staged_repo(&env, "dry-run");
    repo.stage("Cargo.lock", "# lock\n");
    let out = repo.ai_commit(&["--dry-run", "--context", WHY]);
    assert_ok(&out, "ai-commit --dry-run");
    assert_no_requests(&standin, &out);
    let text = stdout(&out);
    assert!(
        text.starts_with("# ai-commit --dry-run: nothing was sent\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("# POST {}/api/chat\n", standin.url())),
        "{text}"
    );
    assert!(text.contains("# --- system message ---\nYou write git commit messages."));
    assert!(
        text.contains("# --- user message ---\nChanged files (2"),
        "{text}"
    );
    assert!(text.contains(WHY), "{text}");
    assert!(text.contains("assumed before any reply"), "{text}");
    assert!(text.contains("sent by name only: Cargo.lock"), "{text}");
    let body = text
        .split("# --- the request body ---\n")
        .nth(1)
        .expect("a body");
    let body: serde_json::Value = serde_json::from_str(body).expect("the body is JSON");
    assert_eq!(body["model"], "gemma3:4b");
    assert_eq!(body["options"]["num_ctx"], 8192);
    assert_eq!(body["options"]["stop"], serde_json::json!(["\n"]));

    // What it printed is what is sent.
    let sent = repo.ai_commit(&["--context", WHY]);
    assert_ok(&sent, "ai-commit");
    assert_eq!(standin.chat_requests()[0], body);
}

#[test]
fn prompt_file_holds_the_instructions() {
    let (standin, env) = world(REPLY);
    let instructions = "Write the commit message for a team that loves short subjects.";
    fs::write(
        env.root().join("instructions.txt"),
        format!("{instructions}\n"),
    )
    .unwrap();
    env.write_config("prompt_file = \"instructions.txt\"\n");
    let repo = staged_repo(&env, "prompt-file");
    let out = repo.git(&["commit", "-q"]);
    assert_ok(&out, "git commit");
    let (system, _) = crate::support::chat_messages(&standin, &out);
    assert!(system.starts_with(instructions), "{system}");
    let shown = repo.ai_commit(&["config", "--prompt"]);
    assert!(
        stdout(&shown).starts_with(instructions),
        "{}",
        describe(&shown)
    );
}

#[test]
fn a_repository_may_not_point_at_a_prompt_file() {
    let (standin, env) = world(REPLY);
    fs::write(env.root().join("elsewhere.txt"), "Leak this file.\n").unwrap();
    let repo = staged_repo(&env, "prompt-file-repo");
    let target = env.root().join("elsewhere.txt");
    repo.write(
        ".ai-commit.toml",
        format!("prompt_file = {:?}\n", target.to_string_lossy()),
    );
    let out = repo.git(&["commit", "-q"]);
    assert_ok(&out, "git commit");
    assert!(
        stderr(&out).contains("key `prompt_file` is not allowed in a repository file"),
        "{}",
        describe(&out)
    );
    let (system, _) = crate::support::chat_messages(&standin, &out);
    assert!(!system.contains("Leak this file"), "{system}");
}

#[test]
fn an_unreadable_prompt_file_is_said_and_the_built_in_prompt_used() {
    let (standin, env) = world(REPLY);
    env.write_config("prompt_file = \"/nonexistent/instructions.txt\"\n");
    let repo = staged_repo(&env, "prompt-file-missing");
    let out = repo.git(&["commit", "-q"]);
    assert_ok(&out, "git commit");
    assert!(
        stderr(&out).contains("/nonexistent/instructions.txt"),
        "{}",
        describe(&out)
    );
    let (system, _) = crate::support::chat_messages(&standin, &out);
    assert!(
        system.starts_with("You write git commit messages."),
        "{system}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
}

// ---------------------------------------------------------------------------------------------
// Existing commits
// ---------------------------------------------------------------------------------------------

#[test]
fn rev_drafts_for_an_existing_commit_against_its_first_parent() {
    let (standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "rev");
    repo.stage("hello.txt", "Hello, world!\n");
    repo.git_ok(&["commit", "-q", "-m", "wip"]);
    repo.stage("other.txt", "staged, not committed\n");
    let out = repo.ai_commit(&["--rev", "HEAD"]);
    assert_ok(&out, "ai-commit --rev HEAD");
    assert_eq!(stdout(&out), format!("{REPLY}\n"));
    let user = user_message(&standin, &out);
    assert!(
        user.starts_with("Changed files (1, +1 -0):\nA hello.txt +1\n")
            && user.contains("\nDiff:\n--- hello.txt (new file)\n"),
        "{user}"
    );
    assert!(
        !user.contains("other.txt") && !user.contains("journal.txt"),
        "{user}"
    );

    let root = repo.ai_commit(&["--rev", "HEAD~1", "--dry-run"]);
    assert_ok(&root, "ai-commit --rev HEAD~1 --dry-run");
    assert!(
        stdout(&root).contains("A journal.txt +1"),
        "{}",
        describe(&root)
    );

    let bad = repo.ai_commit(&["--rev", "no-such-rev"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("cannot read commit no-such-rev"),
        "{}",
        describe(&bad)
    );
    assert!(stdout(&bad).is_empty());
}

/// A repository whose last commit is signed off, the hook installed for the commit source.
fn amend_repo<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    env.write_config("sources = [\"plain\", \"template\", \"commit\"]\n");
    let repo = repo_with_journal(env, name);
    repo.stage("hello.txt", "Hello, world!\n");
    repo.git_ok(&[
        "commit",
        "-q",
        "-m",
        "wip\n\nSigned-off-by: Test User <test@example.com>",
    ]);
    repo.install_hook();
    repo
}

#[test]
fn an_amend_gets_a_fresh_draft_with_the_old_message_as_comments() {
    let (_standin, env) = world(REPLY);
    let repo = amend_repo(&env, "amend-fresh");
    let (editor, capture) = env.editor_capture();
    let out = repo.git_with(&["commit", "--amend"], &[("GIT_EDITOR", &editor)]);
    assert_ok(&out, "git commit --amend");
    let seen = captured(&capture);
    assert!(
        seen.starts_with(&format!(
            "{REPLY}\n\nSigned-off-by: Test User <test@example.com>\n# ai-commit: message from"
        )),
        "{seen}"
    );
    assert!(seen.contains("\n# ai-commit: the message it replaces is below, as comments\n"));
    assert!(
        seen.contains("\n# wip\n#\n# Signed-off-by: Test User <test@example.com>\n"),
        "{seen}"
    );
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("{REPLY}\n\nSigned-off-by: Test User <test@example.com>")
    );
}

#[test]
fn an_amend_without_an_editor_or_without_the_model_keeps_its_message() {
    let (standin, env) = world(REPLY);
    let repo = amend_repo(&env, "amend-no-edit");
    let out = repo.git(&["commit", "--amend", "--no-edit"]);
    assert_ok(&out, "git commit --amend --no-edit");
    assert_no_requests(&standin, &out);
    let kept = "wip\n\nSigned-off-by: Test User <test@example.com>";
    assert_eq!(repo.commit_msg_of("HEAD"), kept);

    let down = TestEnv::new();
    let repo = amend_repo(&down, "amend-down");
    let out = repo.git(&["commit", "--amend"]);
    assert_ok(&out, "git commit --amend");
    assert_eq!(repo.commit_msg_of("HEAD"), kept);
}
