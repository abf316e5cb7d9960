//! Every way git starts a commit, driven through the real git CLI with the installed hook: the
//! sources that get a model message (plain, `-v`, `--no-edit`, templates) get exactly the reply
//! in the right place; the ones that already carry a message (`-m`, merges, squash, amend,
//! `-c`/`-C`, rebases) are left alone without a single request to the model server. Also the
//! index variants (`-a`, `git commit <path>`, unborn branch, linked worktree, split index) and
//! the comment prefix (`core.commentChar`, `auto`, `core.commentString`).

use crate::support::assert_no_requests;
use crate::support::{
    assert_ok, describe, hook_calls, repo_with_journal, sh_quote, stderr, user_message, world,
    Repo, TestEnv,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// What git writes as the first line of its comment block (after the prefix and a space).
const GIT_BLOCK: &str = "Please enter the commit message";
/// The scissors line of `git commit -v`, after the comment prefix.
const SCISSORS: &str = " ------------------------ >8 ------------------------";

/// What the capture editor saw.
fn captured(path: &Path) -> String {
    fs::read_to_string(path).expect("the editor ran and captured the message file")
}

/// `line` is `<prefix> ai-commit: message from gemma3:4b in <secs>s` with `<secs>` a number.
fn assert_model_note(line: Option<&str>, prefix: &str, seen: &str) {
    let head = format!("{prefix} ai-commit: message from gemma3:4b in ");
    let line = line.unwrap_or_else(|| panic!("no note line in what the editor saw:\n{seen}"));
    let secs = line
        .strip_prefix(&head)
        .and_then(|rest| rest.strip_suffix('s'))
        .unwrap_or_else(|| {
            panic!("note line {line:?} is not `{head}<secs>s`; editor saw:\n{seen}")
        });
    assert!(
        secs.parse::<f64>().is_ok(),
        "seconds in note line {line:?} are not a number; editor saw:\n{seen}"
    );
}

/// `git commit` with `GIT_EDITOR` set for this one run.
fn commit_with_editor(repo: &Repo<'_>, args: &[&str], editor: &str) -> Output {
    repo.git_with(args, &[("GIT_EDITOR", editor)])
}

/// `git log --format=%s` of a range, oldest first.
fn subjects(repo: &Repo<'_>, range: &str) -> Vec<String> {
    repo.git_ok(&["log", "--reverse", "--format=%s", range])
        .lines()
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sources that get a message
// ---------------------------------------------------------------------------------------------

#[test]
fn plain_commit_puts_reply_and_note_above_gits_comment_block() {
    let reply = "Add greeting to hello.txt";
    let (standin, env) = world(reply);
    let repo = env.repo("plain");
    repo.install_hook();
    repo.stage("hello.txt", "Hello, world!\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit"], &editor);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let seen = captured(&capture);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), "#", &seen);
    let block = lines
        .iter()
        .position(|l| *l == format!("# {GIT_BLOCK} for your changes. Lines starting"))
        .unwrap_or_else(|| panic!("git's comment block is missing; editor saw:\n{seen}"));
    assert!(block > 1, "git's block is not below the note:\n{seen}");
    let user = user_message(&standin, &out);
    assert!(
        user.contains("A hello.txt +1\n"),
        "new file not listed:\n{user}"
    );
}

#[test]
fn verbose_commit_keeps_reply_above_the_scissors_and_commits_only_the_reply() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "verbose");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit", "-v"], &editor);

    assert_ok(&out, "git commit -v");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let seen = captured(&capture);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), "#", &seen);
    let scissors = lines
        .iter()
        .position(|l| *l == format!("#{SCISSORS}"))
        .unwrap_or_else(|| panic!("no scissors line; editor saw:\n{seen}"));
    assert!(scissors > 1, "scissors above the message:\n{seen}");
    let diff = lines
        .iter()
        .position(|l| *l == "diff --git a/journal.txt b/journal.txt")
        .unwrap_or_else(|| panic!("no diff in the verbose text; editor saw:\n{seen}"));
    assert!(diff > scissors, "diff is not below the scissors:\n{seen}");
    assert_eq!(
        lines.iter().filter(|l| **l == reply).count(),
        1,
        "the reply appears more than once:\n{seen}"
    );
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

#[test]
fn template_option_puts_reply_above_the_template_text() {
    let reply = "Record the second day in the journal";
    let (_standin, env) = world(reply);
    let repo = repo_with_journal(&env, "template-option");
    repo.install_hook();
    let template = env.root().join("template.txt");
    fs::write(&template, "Ticket: ABC-1\n").expect("write the template");
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let template_arg = template.to_string_lossy().into_owned();
    let out = commit_with_editor(&repo, &["commit", "-t", &template_arg], &editor);

    assert_ok(&out, "git commit -t template.txt");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("{reply}\n\nTicket: ABC-1")
    );
    let seen = captured(&capture);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), "#", &seen);
}

#[test]
fn commit_template_config_puts_reply_above_the_template_text() {
    let reply = "Record the second day in the journal";
    let (_standin, env) = world(reply);
    let repo = repo_with_journal(&env, "template-config");
    repo.install_hook();
    let template = env.root().join("template.txt");
    fs::write(&template, "Ticket: ABC-1\n").expect("write the template");
    repo.git_ok(&["config", "commit.template", &template.to_string_lossy()]);
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit"], &editor);

    assert_ok(&out, "git commit with commit.template");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("{reply}\n\nTicket: ABC-1")
    );
    let seen = captured(&capture);
    assert_eq!(seen.lines().next(), Some(reply), "editor saw:\n{seen}");
}

#[test]
fn comment_char_semicolon_is_used_for_the_note() {
    let reply = "Record the second day in the journal";
    let (_standin, env) = world(reply);
    let repo = repo_with_journal(&env, "comment-char");
    repo.install_hook();
    repo.git_ok(&["config", "core.commentChar", ";"]);
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit"], &editor);

    assert_ok(&out, "git commit with core.commentChar=;");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let seen = captured(&capture);
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), ";", &seen);
    assert!(
        seen.contains(&format!("\n; {GIT_BLOCK}")),
        "git did not use `;` itself:\n{seen}"
    );
}

#[test]
fn comment_char_auto_uses_the_prefix_git_chose_for_the_file() {
    let reply = "Record the second day in the journal";
    let (_standin, env) = world(reply);
    let repo = repo_with_journal(&env, "comment-auto");
    repo.install_hook();
    repo.git_ok(&["config", "core.commentChar", "auto"]);
    let template = env.root().join("template.txt");
    fs::write(&template, "#123 is the ticket\n").expect("write the template");
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let template_arg = template.to_string_lossy().into_owned();
    let out = commit_with_editor(&repo, &["commit", "-t", &template_arg], &editor);

    assert_ok(&out, "git commit -t with core.commentChar=auto");
    let seen = captured(&capture);
    assert!(
        seen.contains(&format!("\n; {GIT_BLOCK}")),
        "expected git to choose `;` for this template; editor saw:\n{seen}"
    );
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), ";", &seen);
    let message = repo.commit_msg_of("HEAD");
    assert_eq!(message, format!("{reply}\n\n#123 is the ticket"));
    assert!(
        !message.contains("ai-commit:"),
        "note committed: {message:?}"
    );
}

#[test]
fn comment_string_of_two_characters_is_used_for_the_note() {
    let reply = "Record the second day in the journal";
    let (_standin, env) = world(reply);
    let repo = repo_with_journal(&env, "comment-string");
    repo.install_hook();
    repo.git_ok(&["config", "core.commentString", "//"]);
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit"], &editor);

    assert_ok(&out, "git commit with core.commentString=//");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let seen = captured(&capture);
    assert!(
        seen.contains(&format!("\n// {GIT_BLOCK}")),
        "git did not use `//` itself:\n{seen}"
    );
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.first().copied(), Some(reply), "editor saw:\n{seen}");
    assert_model_note(lines.get(1).copied(), "//", &seen);
}

#[test]
fn no_edit_commit_is_exactly_the_reply_without_comment_lines() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "no-edit");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit --no-edit");
    let message = repo.commit_msg_of("HEAD");
    assert_eq!(message, reply);
    assert!(!message.contains("ai-commit"), "{message:?}");
    assert!(!message.lines().any(|l| l.starts_with('#')), "{message:?}");
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

#[test]
fn no_edit_commit_without_a_server_gets_the_fallback_summary() {
    // The base environment points OLLAMA_HOST at a closed loopback port.
    let env = TestEnv::new();
    let repo = repo_with_journal(&env, "no-edit-fallback");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit --no-edit with no server");
    assert_eq!(repo.commit_msg_of("HEAD"), "Update journal.txt");
    assert!(
        stderr(&out).contains("ai-commit: no model message ("),
        "no reason on stderr:\n{}",
        describe(&out)
    );
}

#[test]
fn editor_colon_set_by_the_user_gets_no_comment_lines() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "editor-colon");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");
    let log = repo.log_hook_calls();

    let out = commit_with_editor(&repo, &["commit"], ":");

    assert_ok(&out, "GIT_EDITOR=: git commit");
    let message = repo.commit_msg_of("HEAD");
    assert_eq!(message, reply);
    assert!(!message.contains("ai-commit"), "{message:?}");
    assert_eq!(hook_calls(&log), ["source=(absent) rev=(absent)"]);
    // git keeps the file's text as the hook wrote it (cleanup strips comments here): check the
    // file itself for a note line too.
    let file = fs::read_to_string(repo.git_dir().join("COMMIT_EDITMSG")).unwrap_or_default();
    assert!(
        !file.contains("ai-commit:"),
        "the hook wrote a note although no editor runs:\n{file}"
    );
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// Sources that already carry a message: untouched, no request
// ---------------------------------------------------------------------------------------------

#[test]
fn message_option_is_kept_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "dash-m");
    repo.install_hook();
    let log = repo.log_hook_calls();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit", "-m", "mine"]);

    assert_ok(&out, "git commit -m mine");
    assert_eq!(repo.commit_msg_of("HEAD"), "mine");
    assert_eq!(hook_calls(&log), ["source=message rev=(absent)"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn merge_no_ff_keeps_gits_merge_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "merge");
    repo.git_ok(&["switch", "-q", "-c", "feature"]);
    repo.stage("feature.txt", "feature\n");
    repo.git_ok(&["commit", "-q", "-m", "Add the feature"]);
    repo.git_ok(&["switch", "-q", "main"]);
    repo.install_hook();
    let log = repo.log_hook_calls();

    // The base environment's GIT_EDITOR=true: the editor flow, the message saved unchanged.
    let out = repo.git(&["merge", "--no-ff", "feature"]);

    assert_ok(&out, "git merge --no-ff feature");
    assert_eq!(repo.commit_msg_of("HEAD"), "Merge branch 'feature'");
    assert_eq!(
        repo.git_ok(&["rev-list", "--count", "--merges", "HEAD"]),
        "1\n",
        "no merge commit was made"
    );
    assert_eq!(hook_calls(&log), ["source=merge rev=(absent)"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn merge_squash_then_commit_keeps_the_squash_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "squash");
    repo.git_ok(&["switch", "-q", "-c", "feature"]);
    repo.stage("feature.txt", "feature\n");
    repo.git_ok(&["commit", "-q", "-m", "Add the feature"]);
    repo.stage("feature.txt", "feature\nmore\n");
    repo.git_ok(&["commit", "-q", "-m", "Extend the feature"]);
    repo.git_ok(&["switch", "-q", "main"]);
    repo.git_ok(&["merge", "--squash", "feature"]);
    let squash_msg =
        fs::read_to_string(repo.git_dir().join("SQUASH_MSG")).expect("git wrote SQUASH_MSG");
    assert!(squash_msg.starts_with("Squashed commit of the following:"));
    repo.install_hook();
    let log = repo.log_hook_calls();
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit"], &editor);

    assert_ok(&out, "git commit after git merge --squash");
    assert_eq!(repo.commit_msg_of("HEAD"), squash_msg.trim_end());
    let seen = captured(&capture);
    assert_eq!(
        seen.lines().next(),
        Some("Squashed commit of the following:"),
        "editor saw:\n{seen}"
    );
    assert!(!seen.contains("ai-commit:"), "editor saw:\n{seen}");
    assert_eq!(hook_calls(&log), ["source=squash rev=(absent)"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn amend_keeps_the_old_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "amend");
    repo.install_hook();
    let log = repo.log_hook_calls();
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit", "--amend"], &editor);

    assert_ok(&out, "git commit --amend");
    assert_eq!(repo.commit_msg_of("HEAD"), "Start the journal");
    assert_eq!(repo.git_ok(&["show", "HEAD:journal.txt"]), "day 1\nday 2\n");
    let seen = captured(&capture);
    assert_eq!(
        seen.lines().next(),
        Some("Start the journal"),
        "editor saw:\n{seen}"
    );
    assert!(!seen.contains("ai-commit:"), "editor saw:\n{seen}");
    assert_eq!(hook_calls(&log), ["source=commit rev=HEAD"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn reedit_message_option_keeps_the_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "reedit");
    repo.install_hook();
    let log = repo.log_hook_calls();
    repo.stage("journal.txt", "day 1\nday 2\n");
    let (editor, capture) = env.editor_capture();

    let out = commit_with_editor(&repo, &["commit", "-c", "HEAD"], &editor);

    assert_ok(&out, "git commit -c HEAD");
    assert_eq!(repo.commit_msg_of("HEAD"), "Start the journal");
    assert_eq!(repo.git_ok(&["rev-list", "--count", "HEAD"]), "2\n");
    let seen = captured(&capture);
    assert_eq!(
        seen.lines().next(),
        Some("Start the journal"),
        "editor saw:\n{seen}"
    );
    assert_eq!(hook_calls(&log), ["source=commit rev=HEAD"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn reuse_message_option_keeps_the_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "reuse");
    repo.install_hook();
    let log = repo.log_hook_calls();

    let out = repo.git(&["commit", "--allow-empty", "-C", "HEAD"]);

    assert_ok(&out, "git commit --allow-empty -C HEAD");
    assert_eq!(repo.commit_msg_of("HEAD"), "Start the journal");
    assert_eq!(repo.git_ok(&["rev-list", "--count", "HEAD"]), "2\n");
    assert_eq!(hook_calls(&log), ["source=commit rev=HEAD"]);
    assert_no_requests(&standin, &out);
}

#[test]
fn interactive_rebase_reword_keeps_the_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "reword");
    repo.stage("journal.txt", "day 1\nday 2\n");
    repo.git_ok(&["commit", "-q", "-m", "Write the second day"]);
    repo.stage("journal.txt", "day 1\nday 2\nday 3\n");
    repo.git_ok(&["commit", "-q", "-m", "Write the third day"]);
    repo.install_hook();
    let log = repo.log_hook_calls();
    let todo_capture = env.root().join("todo.txt");
    let sequence_editor = env.write_script(
        "reword-first.sh",
        &format!(
            "sed -i '1s/^pick /reword /' \"$1\"\ncp \"$1\" {}\n",
            sh_quote(&todo_capture)
        ),
    );
    let (editor, capture) = env.editor_capture();

    let out = repo.git_with(
        &["rebase", "-i", "HEAD~2"],
        &[
            ("GIT_SEQUENCE_EDITOR", sequence_editor.as_str()),
            ("GIT_EDITOR", editor.as_str()),
        ],
    );

    assert_ok(&out, "git rebase -i HEAD~2 with a reword");
    let todo = fs::read_to_string(&todo_capture).expect("the sequence editor ran");
    assert!(todo.starts_with("reword "), "todo list:\n{todo}");
    let seen = captured(&capture);
    assert_eq!(
        seen.lines().next(),
        Some("Write the second day"),
        "the reword editor saw:\n{seen}"
    );
    assert!(!seen.contains("ai-commit:"), "editor saw:\n{seen}");
    assert_eq!(
        subjects(&repo, "HEAD"),
        [
            "Start the journal",
            "Write the second day",
            "Write the third day"
        ]
    );
    assert_eq!(repo.commit_msg_of("HEAD~1"), "Write the second day");
    let calls = hook_calls(&log);
    assert!(
        calls.contains(&"source=commit rev=HEAD".to_owned()),
        "the reword did not run the hook as `commit HEAD`: {calls:?}"
    );
    assert_no_requests(&standin, &out);
}

#[test]
fn rebase_of_five_commits_keeps_every_message_and_the_server_is_not_asked() {
    let (standin, env) = world("Model message that must not appear");
    let repo = repo_with_journal(&env, "rebase");
    repo.git_ok(&["switch", "-q", "-c", "topic"]);
    let topic: Vec<String> = (1..=5).map(|n| format!("Add topic note {n}")).collect();
    for (n, subject) in (1..=5).zip(&topic) {
        repo.stage(&format!("topic-{n}.txt"), format!("note {n}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.git_ok(&["switch", "-q", "main"]);
    repo.stage("other.txt", "other\n");
    repo.git_ok(&["commit", "-q", "-m", "Add other"]);
    repo.git_ok(&["switch", "-q", "topic"]);
    repo.install_hook();
    let log = repo.log_hook_calls();

    let out = repo.git(&["rebase", "main"]);

    assert_ok(&out, "git rebase main");
    assert_eq!(
        repo.git_ok(&["merge-base", "--is-ancestor", "main", "topic"]),
        ""
    );
    assert_eq!(subjects(&repo, "main..topic"), topic);
    let calls = hook_calls(&log);
    assert_eq!(calls.len(), 5, "one hook run per pick expected: {calls:?}");
    assert!(
        calls
            .iter()
            .all(|c| c.starts_with("source=message ") || c.starts_with("source=commit ")),
        "{calls:?}"
    );
    assert_no_requests(&standin, &out);
}

// ---------------------------------------------------------------------------------------------
// Which index and which repository the hook reads
// ---------------------------------------------------------------------------------------------

#[test]
fn commit_all_sends_the_modified_tracked_file_and_not_the_untracked_one() {
    let reply = "Extend alpha";
    let (standin, env) = world(reply);
    let repo = env.repo("commit-all");
    repo.stage("alpha.txt", "alpha\n");
    repo.git_ok(&["commit", "-q", "-m", "Add alpha"]);
    repo.install_hook();
    repo.write("alpha.txt", "alpha\nmore alpha\n");
    repo.write("zulu.txt", "untracked\n");

    let out = repo.git(&["commit", "-a"]);

    assert_ok(&out, "git commit -a");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert!(
        user.contains("M alpha.txt +1\n"),
        "modified file not listed:\n{user}"
    );
    assert!(!user.contains("zulu.txt"), "untracked file sent:\n{user}");
}

#[test]
fn commit_with_a_path_sends_only_that_path() {
    let reply = "Extend alpha";
    let (standin, env) = world(reply);
    let repo = env.repo("commit-path");
    repo.stage("alpha.txt", "alpha\n");
    repo.stage("bravo.txt", "bravo\n");
    repo.git_ok(&["commit", "-q", "-m", "Add alpha and bravo"]);
    repo.install_hook();
    repo.stage("alpha.txt", "alpha\nmore alpha\n");
    repo.stage("bravo.txt", "bravo\nmore bravo\n");

    let out = repo.git(&["commit", "alpha.txt"]);

    assert_ok(&out, "git commit alpha.txt");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    assert_eq!(
        repo.git_ok(&["show", "--name-only", "--format=", "HEAD"]),
        "alpha.txt\n"
    );
    let user = user_message(&standin, &out);
    assert!(
        user.contains("M alpha.txt +1\n"),
        "path not listed:\n{user}"
    );
    assert!(!user.contains("bravo"), "other staged file sent:\n{user}");
}

#[test]
fn first_commit_on_an_unborn_branch_gets_the_reply() {
    let reply = "Add the first file";
    let (standin, env) = world(reply);
    let repo = env.repo("unborn");
    repo.install_hook();
    repo.stage("first.txt", "first\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "first git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert!(
        user.contains("A first.txt +1\n"),
        "new file not listed:\n{user}"
    );
}

#[test]
fn linked_worktree_shares_the_hook_and_sends_the_worktree_change() {
    let reply = "Write the feature day";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "main-wt");
    repo.install_hook();
    repo.git_ok(&["worktree", "add", "-q", "../wt", "-b", "feature"]);
    let wt = env.root().join("wt");
    let wt_git = |args: &[&str]| {
        let out = env.git(&wt, args);
        assert_ok(&out, &format!("git {} in the worktree", args.join(" ")));
        out
    };
    let hooks_of = |dir: &Path| {
        let out = env.git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
        );
        assert_ok(&out, "git rev-parse --git-path hooks");
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end());
        fs::canonicalize(&path).unwrap_or(path)
    };
    assert_eq!(hooks_of(&wt), hooks_of(repo.path()));
    assert!(hooks_of(&wt).join("prepare-commit-msg").is_file());
    fs::write(wt.join("journal.txt"), "day 1\nfeature day\n").expect("write in the worktree");
    wt_git(&["add", "journal.txt"]);

    let out = wt_git(&["commit"]);

    let message = String::from_utf8_lossy(&wt_git(&["log", "-1", "--format=%B"]).stdout)
        .trim_end()
        .to_owned();
    assert_eq!(message, reply);
    let user = user_message(&standin, &out);
    assert!(
        user.contains("M journal.txt +1\n"),
        "worktree change not listed:\n{user}"
    );
    assert!(
        user.contains("+feature day"),
        "worktree diff not sent:\n{user}"
    );
    assert_eq!(repo.commit_msg_of("main"), "Start the journal");
}

#[test]
fn split_index_falls_back_to_git_and_still_gets_the_reply() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "split-index");
    repo.install_hook();
    repo.git_ok(&["config", "core.splitIndex", "true"]);
    repo.stage("journal.txt", "day 1\nday 2\n");
    repo.git_ok(&["update-index", "--split-index"]);
    let shared = fs::read_dir(repo.git_dir())
        .expect("read the git dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."));
    assert!(shared, "the index was not split");
    // The reason for the fallback: libgit2 cannot read this index.
    let libgit2 = git2::Repository::open(repo.path()).and_then(|r| r.index().map(|_| ()));
    assert!(
        libgit2.is_err(),
        "libgit2 read the split index; this test no longer exercises the fallback"
    );

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a split index");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert!(
        user.contains("M journal.txt +1\n"),
        "staged file not listed with its line counts:\n{user}"
    );
    assert!(user.contains("+day 2"), "diff not sent:\n{user}");
}
