//! `install --global` through the real git CLI: the global `core.hooksPath` pointed at
//! ai-commit's hooks directory, the pass-through that keeps every repository's own hooks
//! running (arguments, stdin, environment, exit status), an earlier global hooksPath kept
//! running and restored, `--hooks-dir` and `--config-hook`, and `uninstall --global`.

use crate::support::ollama::StandIn;
use crate::support::{
    assert_ok, assert_within, describe, doctor_problem, repo_with_journal, stderr, stdout, timed,
    world, Repo, TestEnv, BIN,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// A reply the message cleaner keeps as it is (every change the tests commit mentions notes).
const REPLY: &str = "Add the global notes";

/// Every hook name git runs from a hooks directory (githooks(5)) but those of
/// [`NOT_PASSED_THROUGH`]: the global directory holds a pass-through under each of them.
const HOOK_NAMES: [&str; 25] = [
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
];

/// The hook names git knows that the global directory deliberately leaves out:
/// `reference-transaction` runs for every ref update (about sixteen times per commit), and the
/// mere presence of `push-to-checkout` or `sendemail-validate` changes what git does. `doctor`
/// names a repository's own one instead.
const NOT_PASSED_THROUGH: [&str; 3] = [
    "reference-transaction",
    "push-to-checkout",
    "sendemail-validate",
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Exit code, panicking when the process was killed by a signal.
fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\n{}", describe(out)))
}

fn assert_code(out: &Output, expected: i32, what: &str) {
    assert_eq!(code(out), expected, "{what}\n{}", describe(out));
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// PATH without any directory that holds an `ai-commit` executable.
fn path_without_ai_commit() -> String {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let dirs: Vec<&str> = path
        .split(':')
        .filter(|d| !d.is_empty() && !is_executable(&Path::new(d).join("ai-commit")))
        .collect();
    dirs.join(":")
}

/// The paths install may record for the binary under test.
fn binary_paths() -> Vec<String> {
    let mut paths = vec![BIN.to_owned()];
    if let Ok(canonical) = fs::canonicalize(BIN) {
        paths.push(canonical.display().to_string());
    }
    paths
}

/// Where `install --global` puts its hooks when `XDG_DATA_HOME` is not set.
fn default_hooks_dir(env: &TestEnv) -> PathBuf {
    env.home().join(".local/share/ai-commit/hooks")
}

/// `git config --global --get core.hooksPath`: `None` when git says it is not set (exit 1).
fn global_hooks_path(env: &TestEnv) -> Option<String> {
    let out = env.git(
        env.root(),
        &["config", "--global", "--get", "core.hooksPath"],
    );
    match code(&out) {
        0 => Some(stdout(&out).trim_end_matches('\n').to_owned()),
        1 => {
            assert_eq!(stderr(&out), "", "{}", describe(&out));
            None
        }
        _ => panic!(
            "git config --global --get core.hooksPath\n{}",
            describe(&out)
        ),
    }
}

/// The global git config file's bytes.
fn global_config_text(env: &TestEnv) -> String {
    fs::read_to_string(env.global_git_config()).expect("read the global git config")
}

/// `ai-commit <args>` in `cwd`, asserting exit 0.
fn ai_commit_ok(env: &TestEnv, cwd: &Path, args: &[&str]) -> Output {
    let out = env.ai_commit(cwd, args);
    assert_code(&out, 0, &format!("ai-commit {}", args.join(" ")));
    out
}

/// `ai-commit install --global`, run outside every repository, asserting exit 0.
fn install_global(env: &TestEnv) -> Output {
    ai_commit_ok(env, env.root(), &["install", "--global"])
}

/// Writes an executable `#!/bin/sh` hook (creating its directory).
fn write_hook(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create the hook's directory");
    }
    fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the hook");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

/// A repository's own hook `name` in `.git/hooks`.
fn own_hook(repo: &Repo<'_>, name: &str, body: &str) {
    write_hook(&repo.git_dir().join("hooks").join(name), body);
}

/// A file under `<root>/marks` for hooks to write into; shell-quoted path and real path.
fn mark(env: &TestEnv, name: &str) -> (String, PathBuf) {
    let dir = env.root().join("marks");
    fs::create_dir_all(&dir).expect("create the marks directory");
    let path = dir.join(name);
    (crate::support::sh_quote(&path), path)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Asserts `dir` holds exactly the 25 hook scripts (none of [`NOT_PASSED_THROUGH`], nothing else),
/// each an executable `#!/bin/sh` script of ours recording the binary's absolute path.
fn assert_hook_set(dir: &Path) {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = HOOK_NAMES.iter().map(|n| (*n).to_owned()).collect();
    expected.sort();
    assert_eq!(names, expected, "entries of {}", dir.display());
    for name in NOT_PASSED_THROUGH {
        assert!(!dir.join(name).exists(), "{name} is passed through");
    }
    for name in HOOK_NAMES {
        let path = dir.join(name);
        assert!(is_executable(&path), "{} is not executable", path.display());
        let text = read(&path);
        assert!(text.starts_with("#!/bin/sh\n"), "{name}:\n{text}");
        assert!(text.contains("ai-commit-shim"), "{name}:\n{text}");
        assert!(
            binary_paths()
                .iter()
                .any(|p| text.contains(&format!("AI_COMMIT_INSTALLED_BIN='{p}'\n"))),
            "{name} does not record the binary ({:?}):\n{text}",
            binary_paths()
        );
    }
}

/// Number of `/api/chat` requests for a message so far (not the pre-commit pass-through's
/// warm-up, a chat with no messages).
fn chats(standin: &StandIn) -> usize {
    standin.draft_requests().len()
}

/// As pre-commit, the global hook starts warming the model (the draft's prompt for a one-token
/// reply), a moment before the draft, without delaying the commit or changing the pre-commit's
/// status.
#[test]
fn the_pre_commit_pass_through_warms_the_model() {
    let (standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "warm");
    install_global(&env);
    own_hook(&repo, "pre-commit", "exit \"${PRE_COMMIT_EXIT:-0}\"\n");
    repo.stage("notes.txt", "notes\n");
    let out = repo.git_with(&["commit"], &[("PRE_COMMIT_EXIT", "1")]);
    assert_ne!(code(&out), 0, "the own pre-commit's status still decides");
    let seen = standin.wait_for_requests(1, std::time::Duration::from_secs(10));
    let warm: Vec<_> = seen
        .iter()
        .filter(|r| r.route() == "/api/chat" && crate::support::ollama::is_warm_up(&r.body))
        .collect();
    assert_eq!(warm.len(), 1, "{seen:#?}");
    assert_eq!(chats(&standin), 0);
    // With the server down the commit goes on as before.
    env.set_ollama(&crate::support::ollama::closed_port_url());
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit with the server down");
}

/// A plain `git commit` (the hermetic editor keeps the file) of a new staged file; asserts it
/// succeeded and returns its output.
fn commit_new_file(repo: &Repo<'_>, file: &str) -> Output {
    repo.stage(file, format!("notes of {file}\n"));
    let out = repo.git(&["commit"]);
    assert_ok(&out, &format!("git commit of {file}"));
    out
}

// ---------------------------------------------------------------------------------------------
// 1. install --global: the setting, the directory, and a repository with no local install
// ---------------------------------------------------------------------------------------------

#[test]
fn install_global_points_hooks_path_home_and_drafts_in_a_repository_without_local_install() {
    let (standin, env) = world(REPLY);
    assert_eq!(global_hooks_path(&env), None, "precondition");
    let repo = env.repo("plain");

    let out = install_global(&env);

    let dir = default_hooks_dir(&env);
    assert_eq!(
        global_hooks_path(&env).as_deref(),
        Some(dir.to_str().expect("UTF-8 temp path")),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).contains("installed"), "{}", describe(&out));
    assert_hook_set(&dir);
    // No local install: nothing in the repository's own hooks directory.
    let own = repo.git_dir().join("hooks");
    let own_entries = fs::read_dir(&own).map_or(0, |d| d.count());
    assert_eq!(own_entries, 0, "{} is not empty", own.display());
    // git resolves the hooks directory to ours.
    let resolved = repo.git_ok(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"]);
    assert_eq!(Path::new(resolved.trim_end()), dir);

    let out = commit_new_file(&repo, "notes.txt");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));

    // The recorded absolute path works without AI_COMMIT_BIN and with no ai-commit on PATH.
    env.unset_env("AI_COMMIT_BIN");
    env.set_env("PATH", &path_without_ai_commit());
    let out = commit_new_file(&repo, "more.txt");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 2, "{}", describe(&out));
}

#[test]
fn install_global_uses_xdg_data_home_when_set() {
    let (standin, env) = world(REPLY);
    let data = env.root().join("data");
    env.set_env("XDG_DATA_HOME", data.to_str().expect("UTF-8 temp path"));
    let repo = env.repo("xdg");

    let out = install_global(&env);

    let dir = data.join("ai-commit/hooks");
    assert_eq!(
        global_hooks_path(&env).as_deref(),
        Some(dir.to_str().expect("UTF-8 temp path")),
        "{}",
        describe(&out)
    );
    assert_hook_set(&dir);
    assert!(
        !env.home().join(".local/share/ai-commit").exists(),
        "wrote under HOME although XDG_DATA_HOME is set"
    );

    let out = commit_new_file(&repo, "notes.txt");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// 2. A repository's own hooks keep running through the global directory
// ---------------------------------------------------------------------------------------------

#[test]
fn own_pre_commit_runs_with_the_environment_and_its_status_decides_the_commit() {
    let (standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "pre-commit");
    install_global(&env);
    let head = repo.git_ok(&["rev-parse", "HEAD"]);
    let (q, marker) = mark(&env, "pre-commit");
    own_hook(
        &repo,
        "pre-commit",
        &format!("printf '%s|%s\\n' \"$#\" \"$MY_VAR\" >> {q}\nexit \"${{PRE_COMMIT_EXIT:-0}}\"\n"),
    );

    // Exit 1 blocks the commit: nothing committed, the model never asked.
    repo.stage("blocked.txt", "blocked notes\n");
    let out = repo.git_with(&["commit"], &[("MY_VAR", "1"), ("PRE_COMMIT_EXIT", "1")]);
    assert_ne!(code(&out), 0, "a failing pre-commit let the commit through");
    assert_eq!(repo.git_ok(&["rev-parse", "HEAD"]), head);
    assert_eq!(read(&marker), "0|1\n", "pre-commit arguments and MY_VAR");
    assert_eq!(chats(&standin), 0, "{}", describe(&out));

    // Exit 0 lets it through, and the message is drafted.
    let out = repo.git_with(&["commit"], &[("MY_VAR", "2"), ("PRE_COMMIT_EXIT", "0")]);
    assert_ok(&out, "git commit with a passing pre-commit");
    assert_ne!(repo.git_ok(&["rev-parse", "HEAD"]), head);
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    assert_eq!(read(&marker), "0|1\n0|2\n");
    assert_eq!(chats(&standin), 1, "{}", describe(&out));
}

#[test]
fn own_message_hooks_run_after_the_draft_and_post_commit_runs() {
    let (standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "message-hooks");
    install_global(&env);
    let (pq, prepare_log) = mark(&env, "prepare-commit-msg");
    let (cq, commit_msg_log) = mark(&env, "commit-msg");
    let (hq, post_commit_log) = mark(&env, "post-commit");
    // Runs after ai-commit: the reply is already in the file when it looks.
    own_hook(
        &repo,
        "prepare-commit-msg",
        &format!(
            "printf '%s|%s|%s\\n' \"$#\" \"$1\" \"$MY_VAR\" > {pq}\n\
             if grep -qx '{REPLY}' \"$1\"; then echo reply-seen >> {pq}; fi\n\
             printf 'Ticket: X\\n' >> \"$1\"\n"
        ),
    );
    own_hook(
        &repo,
        "commit-msg",
        &format!(
            "printf '%s|%s\\n' \"$#\" \"$1\" > {cq}\n\
             printf 'Reviewed-by: commit-msg\\n' >> \"$1\"\n"
        ),
    );
    own_hook(
        &repo,
        "post-commit",
        &format!("git rev-parse HEAD > {hq}\n"),
    );

    repo.stage("notes.txt", "notes\n");
    let out = repo.git_with(&["commit"], &[("MY_VAR", "1")]);
    assert_ok(&out, "git commit with the repository's own message hooks");

    assert_eq!(
        read(&prepare_log),
        "1|.git/COMMIT_EDITMSG|1\nreply-seen\n",
        "own prepare-commit-msg: arguments, MY_VAR, and whether the reply was there"
    );
    assert_eq!(read(&commit_msg_log), "1|.git/COMMIT_EDITMSG\n");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("{REPLY}\n\nTicket: X\nReviewed-by: commit-msg"),
        "{}",
        describe(&out)
    );
    assert_eq!(read(&post_commit_log), repo.git_ok(&["rev-parse", "HEAD"]));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));

    // The own prepare-commit-msg's exit status counts too.
    own_hook(&repo, "prepare-commit-msg", "exit 1\n");
    let head = repo.git_ok(&["rev-parse", "HEAD"]);
    repo.stage("more.txt", "more notes\n");
    let out = repo.git(&["commit"]);
    assert_ne!(
        code(&out),
        0,
        "a failing own prepare-commit-msg let the commit through"
    );
    assert_eq!(repo.git_ok(&["rev-parse", "HEAD"]), head);
}

#[test]
fn own_pre_push_gets_arguments_stdin_and_status_and_remote_pre_receive_runs() {
    let (_standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "pusher");
    let remote = env.root().join("remote.git");
    assert_ok(
        &env.git(
            env.root(),
            &["init", "-q", "--bare", remote.to_str().unwrap()],
        ),
        "git init --bare",
    );
    let url = remote.to_str().expect("UTF-8 temp path").to_owned();
    repo.git_ok(&["remote", "add", "origin", &url]);
    install_global(&env);
    let (sq, stdin_log) = mark(&env, "pre-push-stdin");
    let (aq, args_log) = mark(&env, "pre-push-args");
    let (rq, received_log) = mark(&env, "pre-receive-stdin");
    own_hook(
        &repo,
        "pre-push",
        &format!(
            "cat > {sq}\nprintf '%s\\n' \"$#\" \"$1\" \"$2\" \"$MY_VAR\" > {aq}\n\
             exit \"${{PRE_PUSH_EXIT:-0}}\"\n"
        ),
    );
    write_hook(&remote.join("hooks/pre-receive"), &format!("cat > {rq}\n"));
    let head = repo.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
    let zeros = "0".repeat(head.len());

    // Exit 1 blocks the push, after the hook saw its input.
    let out = repo.git_with(
        &["push", "-q", "origin", "main"],
        &[("MY_VAR", "1"), ("PRE_PUSH_EXIT", "1")],
    );
    assert_ne!(code(&out), 0, "a failing pre-push let the push through");
    assert_eq!(
        read(&stdin_log),
        format!("refs/heads/main {head} refs/heads/main {zeros}\n")
    );
    assert_eq!(read(&args_log), format!("2\norigin\n{url}\n1\n"));
    let remote_heads = env.git(&remote, &["rev-parse", "--verify", "-q", "refs/heads/main"]);
    assert_ne!(
        code(&remote_heads),
        0,
        "the remote got main: {}",
        describe(&remote_heads)
    );
    assert!(!received_log.exists(), "pre-receive ran for a blocked push");

    // Exit 0 lets it through; the bare remote's own pre-receive gets its stdin too.
    let out = repo.git_with(&["push", "-q", "origin", "main"], &[("MY_VAR", "2")]);
    assert_ok(&out, "git push with a passing pre-push");
    assert_eq!(read(&args_log), format!("2\norigin\n{url}\n2\n"));
    let remote_head = env.git(&remote, &["rev-parse", "refs/heads/main"]);
    assert_eq!(stdout(&remote_head).trim(), head);
    assert_eq!(
        read(&received_log),
        format!("{zeros} {head} refs/heads/main\n")
    );
}

#[test]
fn linked_worktree_runs_the_main_repositorys_own_hooks() {
    let (standin, env) = world(REPLY);
    let repo = repo_with_journal(&env, "main-repo");
    install_global(&env);
    let (q, marker) = mark(&env, "worktree-pre-commit");
    own_hook(&repo, "pre-commit", &format!("pwd >> {q}\n"));
    repo.git_ok(&["worktree", "add", "-q", "../wt", "-b", "side"]);
    let wt = env.root().join("wt");

    fs::write(wt.join("side.txt"), "side notes\n").expect("write in the worktree");
    assert_ok(
        &env.git(&wt, &["add", "side.txt"]),
        "git add in the worktree",
    );
    let out = env.git(&wt, &["commit"]);
    assert_ok(&out, "git commit in the linked worktree");

    let ran_in = read(&marker);
    assert_eq!(
        fs::canonicalize(ran_in.trim_end()).expect("canonicalize"),
        fs::canonicalize(&wt).expect("canonicalize"),
        "the main repository's pre-commit did not run (once) for the worktree commit"
    );
    let message = env.git(&wt, &["log", "-1", "--format=%B"]);
    assert_eq!(stdout(&message).trim_end(), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));

    // Its exit status counts there too.
    own_hook(&repo, "pre-commit", "exit 1\n");
    fs::write(wt.join("blocked.txt"), "blocked notes\n").expect("write in the worktree");
    assert_ok(
        &env.git(&wt, &["add", "blocked.txt"]),
        "git add in the worktree",
    );
    let out = env.git(&wt, &["commit"]);
    assert_ne!(
        code(&out),
        0,
        "a failing pre-commit let the worktree commit through"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Installed locally too: one draft, not two
// ---------------------------------------------------------------------------------------------

#[test]
fn local_install_then_global_install_drafts_once() {
    let (standin, env) = world(REPLY);
    let repo = env.repo("both");
    repo.install_hook();
    let local = repo.git_dir().join("hooks/prepare-commit-msg");
    assert!(local.is_file(), "local install wrote no hook");
    install_global(&env);

    let out = commit_new_file(&repo, "notes.txt");

    assert_eq!(chats(&standin), 1, "{}", describe(&out));
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert!(local.is_file(), "the local hook is gone");
}

/// `ai-commit install` in a repository after `install --global`: git resolves the repository's
/// hooks directory to the global one, so the local install must not replace (nor its uninstall
/// remove) the global directory's pass-through script that every repository shares.
#[test]
fn global_install_then_local_install_and_uninstall_keep_the_global_hook() {
    let (standin, env) = world(REPLY);
    install_global(&env);
    let global_hook = default_hooks_dir(&env).join("prepare-commit-msg");
    let before = read(&global_hook);
    let repo = env.repo("local-after-global");
    let other = env.repo("other");
    let (q, other_log) = mark(&env, "other-prepare-commit-msg");
    own_hook(&other, "prepare-commit-msg", &format!("echo ran >> {q}\n"));

    // Every consequence is collected, so that one failure does not hide the others.
    let mut problems = Vec::new();
    let install = repo.install_hook();
    let out = commit_new_file(&repo, "notes.txt");
    assert_eq!(chats(&standin), 1, "{}", describe(&out));
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    let after = read(&global_hook);
    if after != before {
        let first = after.lines().nth(1).unwrap_or_default().to_owned();
        problems.push(format!(
            "`ai-commit install` in one repository rewrote {} (now: {first:?}); it said: {}",
            global_hook.display(),
            stdout(&install).trim_end()
        ));
    }
    // Every other repository still gets the draft and its own prepare-commit-msg.
    let out = commit_new_file(&other, "notes.txt");
    assert_eq!(other.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    if fs::read_to_string(&other_log).unwrap_or_default() != "ran\n" {
        problems.push(
            "another repository's own prepare-commit-msg no longer runs after that local install"
                .to_owned(),
        );
    }

    let uninstall = repo.ai_commit(&["uninstall"]);
    if !global_hook.is_file() {
        problems.push(format!(
            "`ai-commit uninstall` in one repository deleted {}; it said: {}",
            global_hook.display(),
            stdout(&uninstall).trim_end()
        ));
    }
    other.stage("more.txt", "more notes\n");
    let out = other.git(&["commit"]);
    if !out.status.success() || other.commit_msg_of("HEAD") != REPLY {
        problems.push(format!(
            "after that local uninstall another repository gets no draft: {}",
            describe(&out)
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 4. A global hooksPath of someone else's
// ---------------------------------------------------------------------------------------------

#[test]
fn foreign_global_hooks_path_needs_force_keeps_running_and_is_restored_byte_identical() {
    let (standin, env) = world(REPLY);
    let d = env.home().join("hooks-d");
    let (dq, d_marker) = mark(&env, "d-pre-commit");
    write_hook(&d.join("pre-commit"), &format!("echo d >> {dq}\n"));
    // The raw value, unexpanded: it must come back exactly like this.
    assert_ok(
        &env.git(
            env.root(),
            &["config", "--global", "core.hooksPath", "~/hooks-d"],
        ),
        "git config --global core.hooksPath ~/hooks-d",
    );
    let original = global_config_text(&env);
    assert!(original.contains("hooksPath = ~/hooks-d\n"), "{original}");
    let ours = default_hooks_dir(&env);

    // Without --force: refused, nothing changed.
    let out = env.ai_commit(env.root(), &["install", "--global"]);
    assert_ne!(code(&out), 0, "{}", describe(&out));
    let err = stderr(&out);
    assert!(
        err.contains("core.hooksPath is already set"),
        "{}",
        describe(&out)
    );
    assert!(err.contains("~/hooks-d"), "{}", describe(&out));
    assert!(err.contains("--force"), "{}", describe(&out));
    assert_eq!(global_hooks_path(&env).as_deref(), Some("~/hooks-d"));
    assert_eq!(global_config_text(&env), original);
    assert!(
        !ours.exists(),
        "{} was created by a refused install",
        ours.display()
    );

    // With --force: ours, and both D's and the repository's own pre-commit run.
    ai_commit_ok(&env, env.root(), &["install", "--global", "--force"]);
    assert_eq!(
        global_hooks_path(&env).as_deref(),
        Some(ours.to_str().expect("UTF-8 temp path"))
    );
    let repo = env.repo("forced");
    let (oq, own_marker) = mark(&env, "own-pre-commit");
    own_hook(&repo, "pre-commit", &format!("echo own >> {oq}\n"));
    let out = commit_new_file(&repo, "notes.txt");
    assert_eq!(read(&d_marker), "d\n", "D's pre-commit\n{}", describe(&out));
    assert_eq!(
        read(&own_marker),
        "own\n",
        "own pre-commit\n{}",
        describe(&out)
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));

    // D's failing pre-commit still blocks.
    write_hook(&d.join("pre-commit"), "exit 1\n");
    let head = repo.git_ok(&["rev-parse", "HEAD"]);
    repo.stage("blocked.txt", "blocked notes\n");
    let out = repo.git(&["commit"]);
    assert_ne!(
        code(&out),
        0,
        "D's failing pre-commit let the commit through"
    );
    assert_eq!(repo.git_ok(&["rev-parse", "HEAD"]), head);

    // Uninstall: D again, as the raw string, and our directory gone.
    let out = ai_commit_ok(&env, env.root(), &["uninstall", "--global"]);
    assert_eq!(
        global_hooks_path(&env).as_deref(),
        Some("~/hooks-d"),
        "{}",
        describe(&out)
    );
    assert_eq!(global_config_text(&env), original);
    assert!(!ours.exists(), "{} is still there", ours.display());
    assert!(d.join("pre-commit").is_file(), "D's hook was touched");
}

// ---------------------------------------------------------------------------------------------
// 5. uninstall --global with no previous hooksPath
// ---------------------------------------------------------------------------------------------

/// Install then uninstall, and the global config file's text must be what it was. git 2.47
/// puts the key into an existing `[core]` section and removes a section it emptied, so no
/// difference at all is allowed, with or without a `[core]` section to begin with.
#[test]
fn uninstall_global_unsets_hooks_path_and_leaves_the_global_config_as_it_was() {
    for with_core_section in [true, false] {
        let env = TestEnv::new();
        if !with_core_section {
            let text = global_config_text(&env);
            let start = text.find("[core]\n").expect("a [core] section");
            let end = start
                + text[start..]
                    .find("[color]")
                    .expect("a section after [core]");
            let without = format!("{}{}", &text[..start], &text[end..]);
            fs::write(env.global_git_config(), without).expect("rewrite the global config");
        }
        let before = global_config_text(&env);
        let ours = default_hooks_dir(&env);

        install_global(&env);
        assert!(global_hooks_path(&env).is_some());
        assert!(ours.is_dir());
        // What an older install left (it passed these names through) goes too.
        for name in NOT_PASSED_THROUGH {
            fs::copy(ours.join("pre-commit"), ours.join(name))
                .expect("copy our script as an older install's pass-through");
        }
        let out = ai_commit_ok(&env, env.root(), &["uninstall", "--global"]);

        assert_eq!(global_hooks_path(&env), None, "{}", describe(&out));
        assert_eq!(
            global_config_text(&env),
            before,
            "global config changed (with a [core] section before: {with_core_section})"
        );
        assert!(!ours.exists(), "{} is still there", ours.display());
    }
}

// ---------------------------------------------------------------------------------------------
// 6. A repository with its own core.hooksPath (husky)
// ---------------------------------------------------------------------------------------------

#[test]
fn husky_repository_refuses_local_install_and_global_install_notes_it() {
    let env = TestEnv::new();
    let repo = env.repo("husky");
    repo.git_ok(&["config", "core.hooksPath", ".husky/_"]);
    fs::create_dir_all(repo.path().join(".husky/_")).expect("create .husky/_");
    let before = global_config_text(&env);

    let out = repo.ai_commit(&["install"]);
    assert_code(&out, 1, "ai-commit install in a husky repository");
    assert!(
        stderr(&out).contains(".husky/prepare-commit-msg"),
        "{}",
        describe(&out)
    );
    assert!(!repo.path().join(".husky/_/prepare-commit-msg").exists());
    assert_eq!(global_config_text(&env), before);

    let out = repo.ai_commit(&["install", "--global"]);
    assert_code(&out, 0, "ai-commit install --global in a husky repository");
    let said = stdout(&out);
    assert!(
        said.contains("sets its own core.hooksPath (.husky/_)")
            && said.contains("wins over the global one"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        global_hooks_path(&env).as_deref(),
        Some(default_hooks_dir(&env).to_str().expect("UTF-8 temp path"))
    );
    assert_eq!(
        repo.git_ok(&["config", "--local", "core.hooksPath"])
            .trim_end(),
        ".husky/_"
    );
    assert!(!repo.path().join(".husky/_/prepare-commit-msg").exists());

    // Outside that repository, no such note.
    let out = install_global(&env);
    assert!(
        !stdout(&out).contains("core.hooksPath ("),
        "{}",
        describe(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// 7. --hooks-dir
// ---------------------------------------------------------------------------------------------

#[test]
fn hooks_dir_writes_the_set_and_changes_no_git_config() {
    let (standin, env) = world(REPLY);
    let repo = env.repo("system");
    let before = global_config_text(&env);
    let local_before = read(&repo.git_dir().join("config"));
    let dir = env.root().join("system-hooks");
    let dir_text = dir.to_str().expect("UTF-8 temp path");

    let out = ai_commit_ok(&env, repo.path(), &["install", "--hooks-dir", dir_text]);

    assert_hook_set(&dir);
    assert_eq!(global_config_text(&env), before, "{}", describe(&out));
    assert_eq!(read(&repo.git_dir().join("config")), local_before);
    assert_eq!(global_hooks_path(&env), None);
    assert!(!env.home().join(".local/share/ai-commit").exists());

    let (q, marker) = mark(&env, "system-own-pre-commit");
    own_hook(&repo, "pre-commit", &format!("echo own >> {q}\n"));
    repo.stage("notes.txt", "notes\n");
    let arg = format!("core.hooksPath={dir_text}");
    let out = repo.git(&["-c", &arg, "commit"]);
    assert_ok(&out, "git -c core.hooksPath=DIR commit");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(chats(&standin), 1, "{}", describe(&out));
    assert_eq!(read(&marker), "own\n");
}

// ---------------------------------------------------------------------------------------------
// 8. --config-hook on a git older than 2.54
// ---------------------------------------------------------------------------------------------

#[test]
fn config_hook_on_an_older_git_fails_suggests_global_and_changes_nothing() {
    let env = TestEnv::new();
    let version = stdout(&env.git(env.root(), &["version"]));
    let number: Vec<u32> = version
        .split_whitespace()
        .nth(2)
        .expect("git version x.y.z")
        .split('.')
        .take(2)
        .map(|p| p.parse().expect("numeric version"))
        .collect();
    if (number[0], number[1]) >= (2, 54) {
        eprintln!("skipped: {version} supports config-defined hooks");
        return;
    }
    let before = global_config_text(&env);

    let out = env.ai_commit(env.root(), &["install", "--config-hook"]);

    assert_ne!(code(&out), 0, "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains("git 2.54 or newer"), "{}", describe(&out));
    assert!(
        err.contains(&format!("{}.{}", number[0], number[1])),
        "{}",
        describe(&out)
    );
    assert!(err.contains("--global"), "{}", describe(&out));
    assert_eq!(global_config_text(&env), before);
    assert!(!env.home().join(".local/share/ai-commit").exists());
}

// ---------------------------------------------------------------------------------------------
// 9. A rebase of 50 commits through the global directory
// ---------------------------------------------------------------------------------------------

/// Every pick passes through the global prepare-commit-msg (proved by the repository's own
/// hook, which the pass-through runs), no request reaches the server, every message is kept,
/// and the whole rebase stays within a generous bound.
#[test]
fn rebase_of_fifty_commits_through_the_global_hooks_asks_nothing_and_keeps_every_message() {
    const COMMITS: usize = 50;
    let (standin, env) = world("Unwanted message");
    let repo = env.repo("rebase-50");
    let commits: Vec<(String, String, String)> = (1..=COMMITS)
        .map(|n| {
            (
                format!("Add note {n}\n\nNote {n} has a body line.\n"),
                format!("note-{n}.txt"),
                format!("note {n}\n"),
            )
        })
        .collect();
    repo.import_history(&commits);
    let log_before = repo.git_ok(&["log", "--format=%B%x00"]);
    install_global(&env);
    let (pq, prepare_log) = mark(&env, "rebase-prepare-commit-msg");
    let (rq, rewrite_log) = mark(&env, "rebase-post-rewrite");
    own_hook(
        &repo,
        "prepare-commit-msg",
        &format!("printf '%s\\n' \"$2\" >> {pq}\n"),
    );
    own_hook(
        &repo,
        "post-rewrite",
        &format!("echo \"$1\" > {rq}\ncat >> {rq}\n"),
    );

    let (out, elapsed) = timed(|| repo.git(&["rebase", "-f", "--root"]));

    assert_ok(&out, "git rebase -f --root");
    eprintln!("rebase of {COMMITS} commits through the global hooks: {elapsed:?}");
    assert_eq!(chats(&standin), 0, "{}", describe(&out));
    assert_eq!(repo.git_ok(&["log", "--format=%B%x00"]), log_before);
    assert_eq!(
        repo.git_ok(&["rev-list", "--count", "HEAD"]).trim(),
        COMMITS.to_string()
    );
    let picks = read(&prepare_log);
    assert_eq!(
        picks.lines().count(),
        COMMITS,
        "the own prepare-commit-msg did not run once per pick:\n{picks}"
    );
    let rewrite = read(&rewrite_log);
    assert!(rewrite.starts_with("rebase\n"), "{rewrite}");
    assert_eq!(rewrite.lines().count(), COMMITS + 1, "{rewrite}");
    assert!(
        !stderr(&out).contains("ai-commit:"),
        "the hook spoke during a rebase\n{}",
        describe(&out)
    );
    assert_within(elapsed, Duration::from_secs(15), "a rebase of 50 commits");
}

// ---------------------------------------------------------------------------------------------
// 10. install --global and doctor check every pass-through
// ---------------------------------------------------------------------------------------------

/// A repository whose own pre-commit refuses every commit, and a global install.
fn repo_with_a_refusing_pre_commit<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = repo_with_journal(env, name);
    install_global(env);
    own_hook(
        &repo,
        "pre-commit",
        "echo 'own pre-commit: no' >&2\nexit 1\n",
    );
    repo
}

fn assert_own_pre_commit_runs(repo: &Repo<'_>, when: &str) {
    repo.stage("refused.txt", format!("refused {when}\n"));
    let out = repo.git(&["commit"]);
    assert_ne!(
        code(&out),
        0,
        "{when}: the own pre-commit did not run\n{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("own pre-commit: no"),
        "{when}\n{}",
        describe(&out)
    );
    repo.git_ok(&["reset", "-q"]);
}

/// A pass-through deleted, or made non-executable: `doctor` names it and the repository's own
/// hook that stops running with it; its fix (`ai-commit install --global`) writes it again, and
/// then doctor and the own hook agree that it runs.
#[test]
fn a_deleted_or_disabled_pass_through_is_named_and_the_fix_restores_it() {
    for damage in ["deleted", "not executable"] {
        let (_standin, env) = world(REPLY);
        let repo = repo_with_a_refusing_pre_commit(&env, "damaged");
        let pass_through = default_hooks_dir(&env).join("pre-commit");
        assert_own_pre_commit_runs(&repo, &format!("{damage}: before"));
        match damage {
            "deleted" => fs::remove_file(&pass_through).expect("delete the pass-through"),
            _ => fs::set_permissions(&pass_through, fs::Permissions::from_mode(0o644))
                .expect("chmod 644"),
        }
        repo.stage("slipped.txt", "slipped through\n");
        let out = repo.git(&["commit"]);
        assert_ok(
            &out,
            &format!("{damage}: precondition, the own pre-commit no longer runs"),
        );

        let out = repo.ai_commit(&["doctor"]);
        let (line, fix) = doctor_problem(&out, "is not whole")
            .unwrap_or_else(|| panic!("{damage}: no problem named\n{}", describe(&out)));
        assert!(
            line.contains(&format!(
                "pre-commit {}",
                if damage == "deleted" {
                    "is missing"
                } else {
                    "is not executable"
                }
            )),
            "{line}"
        );
        assert!(line.contains("own pre-commit does not run"), "{line}");
        assert!(
            !stdout(&out).contains("through ai-commit's global hooks: pre-commit"),
            "{damage}: doctor says the own pre-commit runs\n{}",
            describe(&out)
        );
        assert_eq!(fix, "ai-commit install --global", "{damage}");

        let out = ai_commit_ok(&env, repo.path(), &["install", "--global"]);
        assert!(
            stdout(&out).contains("own hooks still run"),
            "{}",
            describe(&out)
        );
        let out = repo.ai_commit(&["doctor"]);
        assert!(
            doctor_problem(&out, "").is_none(),
            "{damage}: after the fix\n{}",
            describe(&out)
        );
        assert!(
            stdout(&out).contains("through ai-commit's global hooks: pre-commit"),
            "{damage}\n{}",
            describe(&out)
        );
        assert_own_pre_commit_runs(&repo, &format!("{damage}: after the fix"));
    }
}

/// A pass-through replaced by someone else's file (a plain file, or a link): `install --global`
/// leaves it alone and fails instead of claiming that each repository's own hooks run; doctor
/// names it with the fix (move it away, install again), which works.
#[test]
fn a_pass_through_replaced_by_someone_else_is_not_claimed_and_the_fix_works() {
    for replacement in ["file", "link"] {
        let (_standin, env) = world(REPLY);
        let repo = repo_with_a_refusing_pre_commit(&env, "replaced");
        let dir = default_hooks_dir(&env);
        let pass_through = dir.join("pre-commit");
        let theirs = env.root().join("theirs-pre-commit");
        write_hook(&theirs, "echo theirs\n");
        fs::remove_file(&pass_through).expect("remove the pass-through");
        match replacement {
            "file" => {
                fs::copy(&theirs, &pass_through).expect("copy theirs in");
            }
            _ => std::os::unix::fs::symlink(&theirs, &pass_through).expect("link theirs in"),
        }
        let before = global_config_text(&env);

        let out = env.ai_commit(env.root(), &["install", "--global"]);
        assert_code(
            &out,
            1,
            &format!("install --global over their {replacement}"),
        );
        let said = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !said.contains("still run"),
            "{replacement}: claimed\n{}",
            describe(&out)
        );
        assert!(
            said.contains(pass_through.to_str().expect("UTF-8")),
            "{}",
            describe(&out)
        );
        assert_eq!(read(&theirs), "#!/bin/sh\necho theirs\n");
        assert!(
            fs::symlink_metadata(&pass_through).is_ok(),
            "their {replacement} is gone"
        );
        assert_eq!(global_config_text(&env), before);

        let out = repo.ai_commit(&["doctor"]);
        let (line, fix) = doctor_problem(&out, "is not whole")
            .unwrap_or_else(|| panic!("{replacement}: no problem named\n{}", describe(&out)));
        assert!(line.contains("pre-commit is not ai-commit's"), "{line}");
        assert!(
            fix.starts_with(&format!("move {} out of", pass_through.display())),
            "{fix}"
        );
        assert!(fix.ends_with("then ai-commit install --global"), "{fix}");

        // The fix, as printed.
        fs::rename(&pass_through, env.root().join("moved-away")).expect("move it away");
        ai_commit_ok(&env, repo.path(), &["install", "--global"]);
        let out = repo.ai_commit(&["doctor"]);
        assert!(
            doctor_problem(&out, "").is_none(),
            "{replacement}\n{}",
            describe(&out)
        );
        assert_own_pre_commit_runs(&repo, &format!("{replacement}: after the fix"));
    }
}

/// A hook set of `--hooks-dir` that the system config names (as the Nix package is used):
/// doctor says the repository's own hooks run through it (not that git skips them, with a
/// global install as the fix), names a pass-through missing there, and its fix
/// (`--hooks-dir DIR` again) restores it.
#[test]
fn a_system_wide_hook_set_is_checked_like_the_global_one() {
    let (_standin, env) = world(REPLY);
    env.unset_env("GIT_CONFIG_NOSYSTEM");
    let set = env.root().join("system-hooks");
    let set_text = set.to_str().expect("UTF-8 temp path");
    ai_commit_ok(&env, env.root(), &["install", "--hooks-dir", set_text]);
    fs::write(
        env.root().join("gitconfig-system"),
        format!("[core]\n\thooksPath = {set_text}\n"),
    )
    .expect("write the system config");
    let repo = repo_with_journal(&env, "system-set");
    own_hook(
        &repo,
        "pre-commit",
        "echo 'own pre-commit: no' >&2\nexit 1\n",
    );

    let out = repo.ai_commit(&["doctor"]);
    assert!(
        stdout(&out).contains(&format!(
            "own hooks run through ai-commit's hook set in {set_text}: pre-commit"
        )),
        "{}",
        describe(&out)
    );
    assert!(doctor_problem(&out, "").is_none(), "{}", describe(&out));
    assert_own_pre_commit_runs(&repo, "through the system hook set");

    fs::remove_file(set.join("pre-commit")).expect("delete a pass-through");
    let out = repo.ai_commit(&["doctor"]);
    let (line, fix) = doctor_problem(&out, "is not whole")
        .unwrap_or_else(|| panic!("not named\n{}", describe(&out)));
    assert!(line.contains("pre-commit is missing"), "{line}");
    assert_eq!(fix, format!("ai-commit install --hooks-dir {set_text}"));
    ai_commit_ok(&env, repo.path(), &["install", "--hooks-dir", set_text]);
    let out = repo.ai_commit(&["doctor"]);
    assert!(doctor_problem(&out, "").is_none(), "{}", describe(&out));
    assert_own_pre_commit_runs(&repo, "after the fix");
}
