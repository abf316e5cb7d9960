//! Repository shapes and special files, driven through the real git CLI with the installed hook:
//! what the file list sent to the model says about binaries, mode changes, lockfiles,
//! submodules, renames and excluded paths, and that repositories libgit2 reads differently or
//! not at all (reftable, sparse index, `GIT_WORK_TREE` from outside, `--amend` with the
//! `commit` source, a huge file) still get the model's message for exactly the staged change.

use crate::support::{assert_ok, chat_messages, repo_with_journal, user_message, world};
use std::fs;
use std::os::unix::fs::PermissionsExt;

/// The file list of a user message (everything before the `Diff:` part) and the diff part
/// (empty when there is none).
fn split_prompt(user: &str) -> (&str, &str) {
    user.split_once("\nDiff:\n").unwrap_or((user, ""))
}

/// The lines of the file list, the `Changed files (...)` header included.
fn list_lines(user: &str) -> Vec<&str> {
    // The list ends at its first blank line; computed facts may follow it.
    split_prompt(user)
        .0
        .lines()
        .take_while(|l| !l.is_empty())
        .collect()
}

/// Panics unless the file list has exactly this line.
fn assert_listed(user: &str, line: &str) {
    assert!(
        list_lines(user).contains(&line),
        "the file list has no line {line:?}; user message:\n{user}"
    );
}

// ---------------------------------------------------------------------------------------------
// Special files in the list
// ---------------------------------------------------------------------------------------------

/// Bytes that git and libgit2 both take for binary (NULs early on), with a readable marker
/// that must never reach the prompt.
fn binary_bytes(marker: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10".to_vec();
    bytes.extend(marker.as_bytes());
    bytes.extend([0, 0, 0xff, 0xfe, 0, 1, 2, 3, 0, 0x80, 0x81, b'\n', 0]);
    bytes
}

#[test]
fn binary_mode_change_and_lockfile_are_names_only() {
    let reply = "Update run.sh and the logo";
    let (standin, env) = world(reply);
    let repo = env.repo("special-files");
    repo.stage("logo.png", binary_bytes("OLDLOGOMARKER"));
    repo.stage("run.sh", "#!/bin/sh\necho run\n");
    repo.stage(
        "Cargo.lock",
        "[[package]]\nname = \"alpha\"\nversion = \"1.0.0\"\n",
    );
    repo.stage("README.md", "Readme\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the project"]);
    repo.install_hook();

    repo.stage("logo.png", binary_bytes("NEWLOGOMARKER"));
    repo.stage("icon.ico", binary_bytes("ICONMARKER"));
    let run_sh = repo.path().join("run.sh");
    fs::set_permissions(&run_sh, fs::Permissions::from_mode(0o755)).expect("chmod +x run.sh");
    repo.git_ok(&["add", "--", "run.sh"]);
    repo.stage(
        "Cargo.lock",
        "[[package]]\nname = \"alpha\"\nversion = \"1.1.0\"\nLOCKMARKER = \"x\"\nchecksum = \"y\"\n",
    );
    repo.stage("README.md", "Readme\nHow to run it\n");
    let staged = repo.git_ok(&["diff", "--cached", "--raw"]);
    assert!(
        staged.contains(":100644 100755 ") && staged.contains("\trun.sh\n"),
        "the mode change is not staged:\n{staged}"
    );

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(&user, "M logo.png (binary)");
    assert_listed(&user, "A icon.ico (binary)");
    assert_listed(&user, "M run.sh (mode 100644 -> 100755)");
    assert_listed(&user, "M Cargo.lock +3 -1 (lockfile, diff not shown)");
    assert_listed(&user, "M README.md +1");
    assert!(!user.contains('\0'), "a NUL reached the prompt:\n{user:?}");
    assert!(
        !user.contains('\u{fffd}'),
        "undecodable binary bytes reached the prompt:\n{user:?}"
    );
    for marker in ["OLDLOGOMARKER", "NEWLOGOMARKER", "ICONMARKER", "LOCKMARKER"] {
        assert!(
            !user.contains(marker),
            "{marker} (file content) reached the prompt:\n{user}"
        );
    }
    let (_, diff) = split_prompt(&user);
    assert!(
        diff.contains("--- README.md\n") && diff.contains("+How to run it\n"),
        "the text file's diff is missing:\n{user}"
    );
    for name in ["Cargo.lock", "logo.png", "icon.ico", "run.sh"] {
        assert!(
            !diff.contains(&format!("--- {name}")),
            "{name} has a diff section:\n{user}"
        );
    }
    assert!(
        !diff.contains("version = "),
        "a Cargo.lock hunk reached the diff:\n{user}"
    );
}

#[test]
fn submodule_bump_is_listed_with_short_ids() {
    let reply = "Bump vendor/lib to the second commit";
    let (standin, env) = world(reply);
    let sub = env.repo("sub");
    sub.stage("lib.txt", "first\n");
    sub.git_ok(&["commit", "-q", "-m", "First lib commit"]);
    let first = sub.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
    sub.stage("lib.txt", "first\nsecond\n");
    sub.git_ok(&["commit", "-q", "-m", "Second lib commit"]);
    let second = sub.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();

    let repo = repo_with_journal(&env, "super");
    let sub_path = sub.path().to_string_lossy().into_owned();
    repo.git_ok(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &sub_path,
        "vendor/lib",
    ]);
    let lib = repo.path().join("vendor/lib");
    assert_ok(
        &env.git(&lib, &["checkout", "-q", &first]),
        "checkout of the first commit in vendor/lib",
    );
    repo.git_ok(&["add", "vendor/lib"]);
    repo.git_ok(&["commit", "-q", "-m", "Add vendor/lib"]);
    repo.install_hook();
    assert_ok(
        &env.git(&lib, &["checkout", "-q", &second]),
        "checkout of the second commit in vendor/lib",
    );
    repo.git_ok(&["add", "vendor/lib"]);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit of the submodule bump");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(
        &user,
        &format!(
            "M vendor/lib (submodule {} -> {})",
            &first[..7],
            &second[..7]
        ),
    );
    assert!(
        !user.contains("Subproject commit"),
        "git's submodule diff text reached the prompt:\n{user}"
    );
}

#[test]
fn rename_without_edits_is_listed_as_old_to_new() {
    let reply = "Move old.txt to new/place.txt";
    let (standin, env) = world(reply);
    let repo = env.repo("rename");
    let content: String = (1..=12)
        .map(|n| format!("line {n} of the text\n"))
        .collect();
    repo.stage("old.txt", &content);
    repo.git_ok(&["commit", "-q", "-m", "Add old.txt"]);
    repo.install_hook();
    fs::create_dir_all(repo.path().join("new")).expect("create new/");
    repo.git_ok(&["mv", "old.txt", "new/place.txt"]);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit of the rename");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_eq!(
        list_lines(&user),
        ["Changed files (1, +0 -0):", "R old.txt -> new/place.txt"],
        "expected the header and one rename line:\n{user}"
    );
}

#[test]
fn excluded_path_is_named_without_its_content() {
    let reply = "Regenerate docs/generated/api.md";
    let (standin, env) = world(reply);
    env.write_config("exclude = [\"docs/generated/**\"]\n");
    let repo = repo_with_journal(&env, "exclude");
    repo.install_hook();
    let generated: String = (1..=5)
        .map(|n| format!("GENERATEDMARKER entry {n}\n"))
        .collect();
    repo.stage("docs/generated/api.md", &generated);
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with an excluded path");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(
        &user,
        "A docs/generated/api.md +5 (excluded, diff not shown)",
    );
    assert_listed(&user, "M journal.txt +1");
    assert!(
        !user.contains("GENERATEDMARKER"),
        "the excluded file's content reached the prompt:\n{user}"
    );
    let (_, diff) = split_prompt(&user);
    assert!(
        !diff.contains("--- docs/generated/api.md"),
        "the excluded file has a diff section:\n{user}"
    );
    assert!(
        diff.contains("+day 2\n"),
        "the other diff is missing:\n{user}"
    );
}

// ---------------------------------------------------------------------------------------------
// Repositories libgit2 reads differently or not at all
// ---------------------------------------------------------------------------------------------

#[test]
fn reftable_repository_gets_the_reply() {
    let reply = "Add notes.txt";
    let (standin, env) = world(reply);
    let path = env.root().join("reftable");
    fs::create_dir_all(&path).expect("create the repository directory");
    assert_ok(
        &env.git(&path, &["init", "-q", "--ref-format=reftable"]),
        "git init --ref-format=reftable",
    );
    // Re-running `git init` in the repository only hands us the harness's Repo for it.
    let repo = env.repo("reftable");
    assert_eq!(
        repo.git_ok(&["rev-parse", "--show-ref-format"]),
        "reftable\n"
    );
    repo.install_hook();
    repo.stage("notes.txt", "first note\n");
    let libgit2 = git2::Repository::open(repo.path()).and_then(|r| r.head().map(|_| ()));
    assert!(
        libgit2.is_err(),
        "libgit2 read the reftable repository; this test no longer exercises the fallback"
    );

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit in a reftable repository");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(&user, "A notes.txt +1");
    assert!(user.contains("+first note\n"), "diff not sent:\n{user}");
}

#[test]
fn sparse_index_gets_the_reply_for_the_staged_file_only() {
    let reply = "Add the watering schedule to d1/x";
    let (standin, env) = world(reply);
    let repo = env.repo("sparse");
    repo.stage("d1/x", "x\n");
    repo.stage("d2/y", "y\n");
    repo.stage("top.txt", "top\n");
    repo.git_ok(&["commit", "-q", "-m", "Add d1 and d2"]);
    repo.git_ok(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git_ok(&["sparse-checkout", "set", "d1"]);
    let entries = repo.git_ok(&["ls-files", "--sparse"]);
    assert!(
        entries.lines().any(|l| l == "d2/"),
        "the index has no sparse directory entry for d2/:\n{entries}"
    );
    repo.install_hook();
    repo.stage("d1/x", "x\nwatering schedule\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a sparse index");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(&user, "M d1/x +1");
    assert_eq!(
        list_lines(&user),
        ["Changed files (1, +1 -0):", "M d1/x +1"],
        "the list is not exactly the staged file:\n{user}"
    );
    assert!(
        user.contains("+watering schedule\n"),
        "diff not sent:\n{user}"
    );
}

#[test]
fn git_dir_and_work_tree_given_from_outside_get_the_reply() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "outside");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");
    let git_dir = format!("--git-dir={}", repo.path().join(".git").display());
    let work_tree = format!("--work-tree={}", repo.path().display());

    let out = env.git(env.root(), &[&git_dir, &work_tree, "commit"]);

    assert_ok(&out, "git --git-dir --work-tree commit from outside");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(&user, "M journal.txt +1");
    assert!(user.contains("+day 2\n"), "diff not sent:\n{user}");
}

#[test]
fn relative_git_dir_and_work_tree_from_outside_get_the_reply() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "outside-relative");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = env.git(
        env.root(),
        &[
            "--git-dir=outside-relative/.git",
            "--work-tree=outside-relative",
            "commit",
        ],
    );

    assert_ok(&out, "git with a relative --git-dir and --work-tree");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert_listed(&user, "M journal.txt +1");
    assert!(user.contains("+day 2\n"), "diff not sent:\n{user}");
}

#[test]
fn relative_work_tree_from_outside_is_where_the_attributes_are_read() {
    // git exports GIT_WORK_TREE=. to the hook: the top of the work tree, not of the git dir.
    let (standin, env) = world("Regenerate the API bindings");
    let repo = env.repo("outside-attributes");
    repo.stage(".gitattributes", "api.rs linguist-generated\n");
    repo.git_ok(&["commit", "-q", "-m", "Add attributes"]);
    repo.install_hook();
    repo.stage("api.rs", "pub fn generated_marker() {}\n");

    let out = env.git(
        env.root(),
        &[
            "--git-dir=outside-attributes/.git",
            "--work-tree=outside-attributes",
            "commit",
        ],
    );

    assert_ok(&out, "git with a relative --work-tree and a generated file");
    let user = user_message(&standin, &out);
    assert_listed(&user, "A api.rs +1 (generated, diff not shown)");
    assert!(!user.contains("generated_marker"), "diff sent:\n{user}");
}

#[test]
fn amend_with_the_commit_source_sends_the_whole_amended_change() {
    let reply = "Add c.txt next to b.txt";
    let (standin, env) = world(reply);
    env.write_config("sources = [\"plain\", \"template\", \"commit\"]\n");
    let repo = env.repo("amend");
    repo.stage("a.txt", "alpha\n");
    repo.git_ok(&["commit", "-q", "-m", "Add the alpha file"]);
    repo.stage("b.txt", "bravo\n");
    repo.git_ok(&["commit", "-q", "-m", "Add the bravo file"]);
    repo.install_hook();
    repo.stage("c.txt", "charlie\n");

    // The base environment's GIT_EDITOR=true: the editor flow, the file saved unchanged.
    let out = repo.git(&["commit", "--amend"]);

    assert_ok(&out, "git commit --amend");
    // A fresh draft; the old message was in the editor as comments, which git dropped.
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    assert_eq!(repo.git_ok(&["rev-list", "--count", "HEAD"]), "2\n");
    let user = user_message(&standin, &out);
    assert_listed(&user, "A b.txt +1");
    assert_listed(&user, "A c.txt +1");
    assert_eq!(
        list_lines(&user),
        ["Changed files (2, +2 -0):", "A b.txt +1", "A c.txt +1"],
        "the list is not the amended commit's change:\n{user}"
    );
    assert!(!user.contains("a.txt"), "a.txt is in the prompt:\n{user}");
}

#[test]
fn huge_file_is_cut_to_the_window_and_says_so() {
    let reply = "Add journal.txt about the garden";
    let (standin, env) = world(reply);
    env.write_config("num_ctx = 8192\n");
    let repo = env.repo("huge");
    repo.stage("README.md", "Garden notes\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the garden notes"]);
    repo.install_hook();
    let journal: String = (1..=46_505)
        .map(|n| format!("Day {n}: wrote about the garden\n"))
        .collect();
    repo.stage("journal.txt", &journal);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit of a 46,505-line file");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let (system, user) = chat_messages(&standin, &out);
    let limit = (8192 * 5 / 2_usize).saturating_sub(system.len());
    assert!(
        user.len() < limit,
        "the user message is {} bytes, not under {limit} (8192 * 5 / 2 minus the {}-byte \
         system prompt)",
        user.len(),
        system.len()
    );
    assert_listed(&user, "A journal.txt +46505");
    assert!(
        user.contains("lines not shown ...]"),
        "no note that the file was cut:\n{user}"
    );
    // The head and the tail of the insertion, with the count of what is between.
    assert!(
        user.contains("+Day 46505: wrote about the garden\n"),
        "the tail of the file is missing:\n{user}"
    );
    assert!(
        user.contains("+Day 1: wrote about the garden\n"),
        "the head of the file is missing:\n{user}"
    );
}
