//! Repository states, driven through the real git CLI with the installed hook: operations that
//! stopped on a conflict and were concluded by hand (merge, rebase, cherry-pick, revert keep the
//! message git prepared and ask the server nothing), a detached HEAD, a bare repository, SHA-256
//! object names, a Git LFS pointer, a 200 MB binary, 100,000 tracked files, a read-only message
//! file, a missing or unreadable config, a rebase of 200 commits (cost next to the same rebase
//! without the hook) and two commits at once in two linked worktrees.

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{ai_commit_lines, assert_no_requests, the_ai_commit_line};
use crate::support::{
    assert_ok, assert_within, describe, hook_calls, repo_with_journal, stderr, timed, user_message,
    world, Repo, TestEnv,
};
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A reply that must never end up anywhere: the states that carry a message do not ask for it.
const UNWANTED: &str = "Model message that must not appear";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Panics unless the hook ran exactly once, with a source that already carries a message
/// (`merge`, `message` or `commit`), never as a plain commit that would get a model message.
fn assert_one_carried_source_call(log: &Path, out: &Output) -> String {
    let calls = hook_calls(log);
    assert_eq!(
        calls.len(),
        1,
        "expected one hook run, got {calls:?}\n{}",
        describe(out)
    );
    let call = calls[0].clone();
    assert!(
        ["source=merge ", "source=message ", "source=commit "]
            .iter()
            .any(|s| call.starts_with(s)),
        "the hook ran with a source that gets a model message: {call:?}\n{}",
        describe(out)
    );
    call
}

/// Nothing on stderr says ai-commit panicked or failed inside.
fn assert_no_panic(out: &Output) {
    let err = stderr(out);
    for bad in ["panicked", "internal error", "RUST_BACKTRACE"] {
        assert!(!err.contains(bad), "{bad:?} on stderr\n{}", describe(out));
    }
}

/// The file list of a user message, line by line: the `Changed files (...)` header and the
/// lines up to the first blank line (notes and the `Diff:` part follow it).
fn list_lines(user: &str) -> Vec<&str> {
    user.lines().take_while(|l| !l.is_empty()).collect()
}

/// The journal repository with `main` and `feature` changing the same line of journal.txt:
/// every merge, rebase or cherry-pick between them stops on a conflict. Returns the repository
/// (on `main`) and the full message of the feature commit.
fn conflicting_branches<'a>(env: &'a TestEnv, name: &str) -> (Repo<'a>, String) {
    let repo = repo_with_journal(env, name);
    let feature_message = "Write the feature day\n\nThe feature gets its own line in the journal.";
    repo.git_ok(&["switch", "-q", "-c", "feature"]);
    repo.stage("journal.txt", "day 1\nfeature day\n");
    repo.git_ok(&["commit", "-q", "-m", feature_message]);
    repo.git_ok(&["switch", "-q", "main"]);
    repo.stage("journal.txt", "day 1\nmain day\n");
    repo.git_ok(&["commit", "-q", "-m", "Write the main day"]);
    (repo, feature_message.to_owned())
}

/// Panics unless `path` is unmerged in the index (the operation stopped on its conflict).
fn assert_conflicted(repo: &Repo<'_>, path: &str, stopped: &Output) {
    assert!(
        !stopped.status.success(),
        "expected the operation to stop on a conflict\n{}",
        describe(stopped)
    );
    let unmerged = repo.git_ok(&["ls-files", "-u", "--", path]);
    assert!(
        !unmerged.is_empty(),
        "{path} is not unmerged\n{}",
        describe(stopped)
    );
}

/// Writes the resolution of `path` and stages it.
fn resolve(repo: &Repo<'_>, path: &str, content: &str) {
    repo.stage(path, content);
    assert_eq!(repo.git_ok(&["ls-files", "-u"]), "", "conflict left");
}

/// Spawns `git <args>` in `cwd` with the test's environment, in its own process group, without
/// waiting.
fn spawn_git(env: &TestEnv, cwd: &Path, args: &[&str]) -> Child {
    let mut cmd: Command = env.command("git", cwd);
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    cmd.spawn()
        .unwrap_or_else(|e| panic!("spawn git {}: {e}", args.join(" ")))
}

/// Waits for a spawned child until `deadline`; kills its process group and panics after it.
fn finish(mut child: Child, deadline: Instant, what: &str) -> Output {
    loop {
        if child.try_wait().expect("wait for the child").is_some() {
            // The outputs are a few lines: the pipes never filled, so reading them now is safe.
            return child
                .wait_with_output()
                .expect("collect the child's output");
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running at the deadline; killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ---------------------------------------------------------------------------------------------
// Operations concluded after a conflict: the prepared message is kept, nothing is asked
// ---------------------------------------------------------------------------------------------

/// A merge that stopped on a conflict, resolved by hand and concluded with a plain `git commit`
/// (editor flow, no `-m`): git passes the `merge` source, and the hook leaves git's
/// "Merge branch 'feature'" message alone, says nothing and sends no request to the server.
#[test]
fn merge_with_a_resolved_conflict_keeps_gits_merge_message() {
    let (standin, env) = world(UNWANTED);
    let (repo, _) = conflicting_branches(&env, "merge-conflict");
    repo.install_hook();
    let log = repo.log_hook_calls();

    let stopped = repo.git(&["merge", "feature"]);
    assert_conflicted(&repo, "journal.txt", &stopped);
    assert!(
        hook_calls(&log).is_empty(),
        "the stopped merge ran the hook"
    );
    resolve(&repo, "journal.txt", "day 1\nmain day\nfeature day\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit concluding the merge");
    assert_eq!(repo.commit_msg_of("HEAD"), "Merge branch 'feature'");
    assert_eq!(
        repo.git_ok(&["rev-list", "--count", "--merges", "HEAD"]),
        "1\n",
        "no merge commit was made"
    );
    assert_eq!(hook_calls(&log), ["source=merge rev=(absent)"]);
    assert_eq!(
        ai_commit_lines(&out),
        Vec::<String>::new(),
        "{}",
        describe(&out)
    );
    assert_no_requests(&standin, &out);
}

/// A rebase that stopped on a conflicting pick, resolved by hand and concluded with
/// `git rebase --continue` (GIT_EDITOR=true): the pick keeps the original commit's whole
/// message (subject and body), the hook runs with a source that carries a message and sends no
/// request.
#[test]
fn rebase_continue_after_a_conflict_keeps_the_original_message() {
    let (standin, env) = world(UNWANTED);
    let (repo, feature_message) = conflicting_branches(&env, "rebase-conflict");
    repo.git_ok(&["switch", "-q", "feature"]);
    repo.install_hook();
    let log = repo.log_hook_calls();

    let stopped = repo.git(&["rebase", "main"]);
    assert_conflicted(&repo, "journal.txt", &stopped);
    resolve(&repo, "journal.txt", "day 1\nmain day\nfeature day\n");

    let out = repo.git_with(&["rebase", "--continue"], &[("GIT_EDITOR", "true")]);

    assert_ok(&out, "git rebase --continue");
    assert!(
        !repo.git_dir().join("rebase-merge").exists(),
        "the rebase is still in progress\n{}",
        describe(&out)
    );
    assert_eq!(
        repo.git_ok(&["symbolic-ref", "HEAD"]),
        "refs/heads/feature\n"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), feature_message);
    assert_eq!(repo.commit_msg_of("HEAD~1"), "Write the main day");
    assert_eq!(
        repo.git_ok(&["show", "HEAD:journal.txt"]),
        "day 1\nmain day\nfeature day\n"
    );
    assert_one_carried_source_call(&log, &out);
    assert_eq!(
        ai_commit_lines(&out),
        Vec::<String>::new(),
        "{}",
        describe(&out)
    );
    assert_no_requests(&standin, &out);
}

/// A cherry-pick that stopped on a conflict, resolved by hand and concluded with
/// `git cherry-pick --continue`: the new commit keeps the picked commit's whole message (git's
/// commented "Conflicts:" lines are stripped by git, nothing is added by the hook), and the hook
/// sends no request.
#[test]
fn cherry_pick_continue_after_a_conflict_keeps_the_original_message() {
    let (standin, env) = world(UNWANTED);
    let (repo, feature_message) = conflicting_branches(&env, "pick-conflict");
    repo.install_hook();
    let log = repo.log_hook_calls();

    let stopped = repo.git(&["cherry-pick", "feature"]);
    assert_conflicted(&repo, "journal.txt", &stopped);
    resolve(&repo, "journal.txt", "day 1\nmain day\nfeature day\n");

    let out = repo.git(&["cherry-pick", "--continue"]);

    assert_ok(&out, "git cherry-pick --continue");
    assert_eq!(repo.commit_msg_of("HEAD"), feature_message);
    assert_eq!(repo.commit_msg_of("HEAD~1"), "Write the main day");
    assert_eq!(repo.git_ok(&["symbolic-ref", "HEAD"]), "refs/heads/main\n");
    assert!(
        !repo.git_dir().join("CHERRY_PICK_HEAD").exists(),
        "the cherry-pick is still in progress"
    );
    assert_one_carried_source_call(&log, &out);
    assert_eq!(
        ai_commit_lines(&out),
        Vec::<String>::new(),
        "{}",
        describe(&out)
    );
    assert_no_requests(&standin, &out);
}

/// A revert that stopped on a conflict, resolved by hand and concluded with
/// `git revert --continue`: the commit keeps git's `Revert "..."` message with its
/// "This reverts commit <sha>." body, and the hook sends no request.
#[test]
fn revert_continue_after_a_conflict_keeps_gits_revert_message() {
    let (standin, env) = world(UNWANTED);
    let repo = env.repo("revert-conflict");
    repo.stage("mood.txt", "neutral\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the mood"]);
    repo.stage("mood.txt", "calm\n");
    repo.git_ok(&["commit", "-q", "-m", "Set the mood to calm"]);
    let calm = repo.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.stage("mood.txt", "bright\n");
    repo.git_ok(&["commit", "-q", "-m", "Set the mood to bright"]);
    repo.install_hook();
    let log = repo.log_hook_calls();

    let stopped = repo.git(&["revert", &calm]);
    assert_conflicted(&repo, "mood.txt", &stopped);
    resolve(&repo, "mood.txt", "bright and neutral\n");

    let out = repo.git(&["revert", "--continue"]);

    assert_ok(&out, "git revert --continue");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        format!("Revert \"Set the mood to calm\"\n\nThis reverts commit {calm}.")
    );
    assert_eq!(repo.git_ok(&["rev-list", "--count", "HEAD"]), "4\n");
    assert!(
        !repo.git_dir().join("REVERT_HEAD").exists(),
        "the revert is still in progress"
    );
    assert_one_carried_source_call(&log, &out);
    assert_eq!(
        ai_commit_lines(&out),
        Vec::<String>::new(),
        "{}",
        describe(&out)
    );
    assert_no_requests(&standin, &out);
}

// ---------------------------------------------------------------------------------------------
// Where HEAD and the repository are unusual
// ---------------------------------------------------------------------------------------------

/// On a detached HEAD a plain `git commit` of a staged change gets the stand-in's reply as its
/// message, for exactly that change, and HEAD stays detached.
#[test]
fn detached_head_commit_gets_the_reply() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let repo = repo_with_journal(&env, "detached");
    repo.git_ok(&["switch", "-q", "--detach", "HEAD"]);
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit on a detached HEAD");
    assert!(
        !repo.git(&["symbolic-ref", "-q", "HEAD"]).status.success(),
        "HEAD is no longer detached"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    assert_eq!(repo.commit_msg_of("main"), "Start the journal");
    let line = the_ai_commit_line(&out);
    assert!(line.contains("message from gemma3:4b"), "{line}");
    let user = user_message(&standin, &out);
    assert_eq!(
        list_lines(&user),
        ["Changed files (1, +1 -0):", "M journal.txt +1"],
        "{user}"
    );
    assert!(user.contains("+day 2\n"), "diff not sent:\n{user}");
}

/// `ai-commit hook <file>` run by hand inside a bare repository (cwd in it, then GIT_DIR
/// pointing at it from elsewhere) fails open: exit 0, the file is left as it was, with one
/// `ai-commit: ` line saying why and nothing sent: a bare
/// repository has no index of its own, so every file would look deleted.
#[test]
fn hook_in_a_bare_repository_exits_zero_and_keeps_the_file() {
    let (standin, env) = world("Record the second day in the journal");
    let source = repo_with_journal(&env, "bare-source");
    source.stage("journal.txt", "day 1\nday 2\n");
    source.git_ok(&["commit", "-q", "-m", "Write the second day"]);
    let bare = env.root().join("bare.git");
    let clone = env.git(
        env.root(),
        &[
            "clone",
            "-q",
            "--bare",
            &source.path().to_string_lossy(),
            &bare.to_string_lossy(),
        ],
    );
    assert_ok(&clone, "git clone --bare");
    assert_eq!(
        String::from_utf8_lossy(
            &env.git(&bare, &["rev-parse", "--is-bare-repository"])
                .stdout
        ),
        "true\n"
    );
    let original = "My own words\n\n# a comment git would strip\n";
    let msgfile = env.root().join("MSG");
    let file_arg = msgfile.to_string_lossy().into_owned();
    let elsewhere = env.root().join("elsewhere");
    fs::create_dir_all(&elsewhere).expect("create a directory outside the repository");
    let bare_arg = bare.to_string_lossy().into_owned();

    let runs = [
        ("cwd inside the bare repository", bare.as_path(), vec![]),
        (
            "GIT_DIR pointing at the bare repository",
            elsewhere.as_path(),
            vec![("GIT_DIR", bare_arg.as_str())],
        ),
    ];
    for (what, cwd, envs) in runs {
        fs::write(&msgfile, original).expect("write the message file");

        let out = env.ai_commit_with(cwd, &["hook", &file_arg], &envs);

        assert_eq!(out.status.code(), Some(0), "{what}\n{}", describe(&out));
        assert_no_panic(&out);
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines.len() <= 1 && lines.iter().all(|l| l.starts_with("ai-commit: ")),
            "{what}: expected at most one `ai-commit: ` line and nothing else\n{}",
            describe(&out)
        );
        let now = fs::read_to_string(&msgfile).expect("read the message file");
        assert_eq!(
            now,
            original,
            "{what}: the file changed\n{}",
            describe(&out)
        );
        assert!(
            err.contains("a bare repository has nothing staged to describe"),
            "{what}: {}",
            describe(&out)
        );
    }
    // A bare repository has no index to commit from: nothing was sent.
    assert!(standin.chat_requests().is_empty());
}

/// In a repository with SHA-256 object names (`git init --object-format=sha256`), a plain
/// `git commit` gets the reply, and the staged file's diff reached the server.
#[test]
fn sha256_repository_gets_the_reply_and_sends_the_diff() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let path = env.root().join("sha256");
    fs::create_dir_all(&path).expect("create the repository directory");
    assert_ok(
        &env.git(&path, &["init", "-q", "--object-format=sha256"]),
        "git init --object-format=sha256",
    );
    // Re-running `git init` in the repository only hands us the harness's Repo for it.
    let repo = env.repo("sha256");
    assert_eq!(
        repo.git_ok(&["rev-parse", "--show-object-format"]),
        "sha256\n"
    );
    repo.stage("journal.txt", "day 1\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the journal"]);
    assert_eq!(repo.git_ok(&["rev-parse", "HEAD"]).trim().len(), 64);
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit in a SHA-256 repository");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let line = the_ai_commit_line(&out);
    assert!(line.contains("message from gemma3:4b"), "{line}");
    let user = user_message(&standin, &out);
    assert_eq!(
        list_lines(&user),
        ["Changed files (1, +1 -0):", "M journal.txt +1"],
        "{user}"
    );
    assert!(user.contains("+day 2\n"), "diff not sent:\n{user}");
}

// ---------------------------------------------------------------------------------------------
// Files the prompt must describe without their content
// ---------------------------------------------------------------------------------------------

/// A staged Git LFS pointer (a text file that stands for a large object, under
/// `filter=lfs diff=lfs`): the pointer's `oid sha256:` text never reaches the prompt, and the
/// file-list line for that path says it is a Git LFS file. (No git-lfs binary: the pointer is
/// written directly.)
#[test]
fn git_lfs_pointer_is_named_as_lfs_without_its_oid() {
    let reply = "Add the weights in assets/model.bin";
    let (standin, env) = world(reply);
    let repo = env.repo("lfs");
    repo.stage(
        ".gitattributes",
        "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    repo.stage("README.md", "Model assets\n");
    repo.git_ok(&["commit", "-q", "-m", "Track binaries with Git LFS"]);
    repo.install_hook();
    let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    let pointer =
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n");
    repo.stage("assets/model.bin", &pointer);
    assert_eq!(repo.git_ok(&["show", ":assets/model.bin"]), pointer);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit of a Git LFS pointer");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let user = user_message(&standin, &out);
    assert!(
        !user.contains("oid sha256:"),
        "the pointer's oid line reached the prompt:\n{user}"
    );
    assert!(!user.contains(oid), "the oid reached the prompt:\n{user}");
    let lines = list_lines(&user);
    let line = lines
        .iter()
        .find(|l| l.contains("assets/model.bin"))
        .unwrap_or_else(|| panic!("assets/model.bin is not in the file list:\n{user}"));
    assert!(
        line.contains("Git LFS"),
        "the list line {line:?} does not say Git LFS:\n{user}"
    );
}

/// A 200 MB binary (sparse zeros, NULs and a readable marker) staged and committed: the commit
/// succeeds with the reply, the prompt names the file but carries none of its content, and the
/// whole `git commit` finishes within the configured timeout (5 s) plus a margin: the hook does
/// not read 200 MB into the prompt.
#[test]
fn binary_of_200_mb_is_named_without_content_and_commits_in_time() {
    const SIZE: u64 = 200 * 1024 * 1024;
    const TIMEOUT_SECS: f64 = 5.0;
    // For git itself (writing the tree, re-hashing a racily clean 200 MB file for the status
    // block) and process start-up on a loaded 2-core machine. A correctness bound.
    const MARGIN_SECS: f64 = 5.0;
    let reply = "Add the disk image big.img";
    let (standin, env) = world(reply);
    env.write_config("timeout = 5\n");
    let repo = repo_with_journal(&env, "big-binary");
    repo.install_hook();
    let path = repo.path().join("big.img");
    {
        let mut file = fs::File::create(&path).expect("create big.img");
        file.set_len(SIZE).expect("size big.img to 200 MB (sparse)");
        file.write_all(b"\0\0\0\0BIGIMAGEHEADERMARKER\0\x01\x02\xff\0")
            .expect("write the head of big.img");
        file.seek(SeekFrom::Start(SIZE / 2))
            .expect("seek to the middle");
        file.write_all(b"\0BIGIMAGEMIDDLEMARKER\0")
            .expect("write the middle of big.img");
    }
    assert_eq!(fs::metadata(&path).expect("stat big.img").len(), SIZE);
    repo.git_ok(&["add", "big.img"]);

    let (out, elapsed) = timed(|| repo.git(&["commit"]));

    eprintln!("git commit of a 200 MB binary took {elapsed:?}");
    assert_ok(&out, "git commit of a 200 MB binary");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    assert_eq!(
        repo.git_ok(&["cat-file", "-s", "HEAD:big.img"]).trim(),
        SIZE.to_string()
    );
    let line = the_ai_commit_line(&out);
    assert!(line.contains("message from gemma3:4b"), "{line}");
    let user = user_message(&standin, &out);
    let lines = list_lines(&user);
    assert!(
        lines.iter().any(|l| l.starts_with("A big.img")),
        "the file is not named in the list:\n{user}"
    );
    for marker in ["BIGIMAGEHEADERMARKER", "BIGIMAGEMIDDLEMARKER"] {
        assert!(
            !user.contains(marker),
            "{marker} reached the prompt:\n{user}"
        );
    }
    assert!(!user.contains('\0'), "a NUL reached the prompt");
    assert!(
        !user.contains("--- big.img"),
        "big.img has a diff section:\n{user}"
    );
    assert!(
        user.len() < 4096,
        "the prompt is {} bytes for one named binary",
        user.len()
    );
    assert_within(
        elapsed,
        Duration::from_secs_f64(TIMEOUT_SECS + MARGIN_SECS),
        "git commit of a 200 MB binary",
    );
}

// ---------------------------------------------------------------------------------------------
// Size of the repository and of the history
// ---------------------------------------------------------------------------------------------

/// In a repository of 100,000 tracked files (400 directories of 250), a change to one file gets
/// the reply, and the prompt lists just that one file: nothing of the other 99,999.
#[test]
fn one_change_among_100000_tracked_files_gets_the_reply_and_a_one_line_list() {
    const DIRS: usize = 400;
    const PER_DIR: usize = 250;
    let reply = "Append the update line to d217/f123.txt";
    let (standin, env) = world(reply);
    let repo = env.repo("many-files");
    let started = Instant::now();
    // One fast-import stream (a single pack, no 100,000 loose objects), then a parallel
    // checkout: creating files is the slow part on the test machine's file system.
    let subject = "Add 100,000 files\n";
    let mut stream = format!(
        "commit refs/heads/main\n\
         committer Test User <test@example.com> 1767268800 +0000\n\
         data {}\n{subject}",
        subject.len()
    );
    for d in 0..DIRS {
        for f in 0..PER_DIR {
            let content = format!("file {d} {f}\n");
            stream.push_str(&format!(
                "M 100644 inline d{d:03}/f{f:03}.txt\ndata {}\n{content}\n",
                content.len()
            ));
        }
    }
    let mut import = env.command("git", repo.path());
    import.args(["fast-import", "--quiet"]);
    assert_ok(
        &env.run_with_stdin(import, stream.as_bytes()),
        "git fast-import of 100,000 files",
    );
    repo.git_ok(&[
        "-c",
        "checkout.workers=8",
        "-c",
        "checkout.thresholdForParallelism=1",
        "reset",
        "-q",
        "--hard",
    ]);
    let tracked = repo.git_ok(&["ls-files"]).lines().count();
    assert_eq!(tracked, DIRS * PER_DIR);
    assert_eq!(repo.read("d217/f123.txt"), "file 217 123\n");
    assert_eq!(
        repo.git_ok(&["status", "--porcelain"]),
        "",
        "work tree not clean"
    );
    eprintln!("setup of {tracked} files took {:?}", started.elapsed());
    repo.install_hook();
    repo.stage("d217/f123.txt", "file 217 123\nupdate line\n");

    let (out, elapsed) = timed(|| repo.git(&["commit"]));

    eprintln!("git commit with the hook took {elapsed:?}");
    assert_ok(&out, "git commit among 100,000 files");
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    assert_eq!(
        repo.git_ok(&["show", "--name-only", "--format=", "HEAD"]),
        "d217/f123.txt\n"
    );
    let line = the_ai_commit_line(&out);
    assert!(line.contains("message from gemma3:4b"), "{line}");
    let user = user_message(&standin, &out);
    assert_eq!(
        list_lines(&user),
        ["Changed files (1, +1 -0):", "M d217/f123.txt +1"],
        "the list is not exactly the one changed file"
    );
    assert!(user.contains("+update line\n"), "diff not sent:\n{user}");
    assert!(
        !user.contains("d000/") && !user.contains("f000.txt"),
        "other files reached the prompt:\n{user}"
    );
}

// ---------------------------------------------------------------------------------------------
// The message file and the config
// ---------------------------------------------------------------------------------------------

/// `ai-commit hook <file>` on a message file of mode 0444 holding text: exit 0, the file is
/// unchanged (bytes and mode), one `ai-commit: ` line says it is read-only, and no request is
/// made for a message that could not be written.
///
/// Tests may run as root, where permission bits stop no write (and the hook replaces the file
/// by rename, which never needs write permission on the file itself): the file stays unchanged
/// only because the hook honours the mode, which is exactly what this checks.
#[test]
fn read_only_message_file_is_left_unchanged_with_one_line() {
    let (standin, env) = world("Record the second day in the journal");
    let repo = repo_with_journal(&env, "read-only");
    repo.stage("journal.txt", "day 1\nday 2\n");
    let msgfile = repo.git_dir().join("COMMIT_EDITMSG");
    let original = "\n# Please enter the commit message for your changes.\n";
    fs::write(&msgfile, original).expect("write the message file");
    fs::set_permissions(&msgfile, fs::Permissions::from_mode(0o444)).expect("chmod 0444");
    let file_arg = msgfile.to_string_lossy().into_owned();

    let out = repo.ai_commit(&["hook", &file_arg]);

    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_no_panic(&out);
    assert_eq!(fs::read_to_string(&msgfile).expect("read"), original);
    let mode = fs::metadata(&msgfile).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o444, "the file's mode changed");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", describe(&out));
    let line = the_ai_commit_line(&out);
    assert!(line.contains("read-only"), "{line}");
    assert!(line.contains("COMMIT_EDITMSG"), "{line}");
    assert!(
        standin.chat_requests().is_empty(),
        "a message was asked for although it cannot be written\n{}",
        describe(&out)
    );
}

/// With `XDG_CONFIG_HOME` pointing at a directory that does not exist (and no
/// `AI_COMMIT_CONFIG`), the commit gets the reply with the defaults, stderr has the one normal
/// line (no complaint about the missing file), nothing panics, and the hook creates no
/// directory there.
#[test]
fn missing_config_directory_uses_the_defaults_quietly() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    let missing = env.root().join("no-such-dir").join("xdg");
    env.unset_env("AI_COMMIT_CONFIG");
    env.set_env("XDG_CONFIG_HOME", &missing.to_string_lossy());
    let repo = repo_with_journal(&env, "missing-config-dir");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a missing config directory");
    assert_no_panic(&out);
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let line = the_ai_commit_line(&out);
    assert!(
        line.starts_with("ai-commit: message from gemma3:4b in "),
        "{line}"
    );
    assert!(!line.contains("config"), "{line}");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1, "{}", describe(&out));
    assert_eq!(chats[0]["model"], "gemma3:4b");
    assert!(
        !env.root().join("no-such-dir").exists(),
        "the hook created the missing config directory"
    );
}

/// With the user config path (`$XDG_CONFIG_HOME/ai-commit/config.toml`) being a directory, the
/// file is skipped and the defaults apply: the commit gets the reply, the one `ai-commit: ` line
/// says the config was skipped and names the path, and nothing panics.
#[test]
fn config_path_that_is_a_directory_is_skipped_with_a_note() {
    let reply = "Record the second day in the journal";
    let (standin, env) = world(reply);
    env.unset_env("AI_COMMIT_CONFIG");
    let config = env.xdg().join("ai-commit").join("config.toml");
    fs::create_dir_all(&config).expect("create config.toml as a directory");
    let repo = repo_with_journal(&env, "config-is-dir");
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a directory as config file");
    assert_no_panic(&out);
    assert_eq!(repo.commit_msg_of("HEAD"), reply);
    let line = the_ai_commit_line(&out);
    assert!(
        line.starts_with("ai-commit: message from gemma3:4b in "),
        "{line}"
    );
    assert!(line.contains("config skipped"), "{line}");
    assert!(
        line.contains(&config.to_string_lossy().into_owned()),
        "the line does not name {config:?}: {line}"
    );
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------

/// Two `git commit`s started at the same time in two linked worktrees of one repository (the
/// stand-in holds each answer 3 s, so both hooks wait on it together): both succeed, each gets
/// the reply, and each request carried its own worktree's change and not the other's.
#[test]
fn commits_at_once_in_two_linked_worktrees_each_send_their_own_change() {
    let reply = "Add notes.txt for the garden";
    let standin = StandIn::start(Behavior::Delayed {
        delay_ms: 3000,
        then: Box::new(Behavior::Reply(reply.to_owned())),
    });
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = repo_with_journal(&env, "two-wt");
    repo.install_hook();
    repo.git_ok(&["worktree", "add", "-q", "../wt-alpha", "-b", "alpha"]);
    repo.git_ok(&["worktree", "add", "-q", "../wt-bravo", "-b", "bravo"]);
    let alpha = env.root().join("wt-alpha");
    let bravo = env.root().join("wt-bravo");
    for (wt, name) in [(&alpha, "alpha"), (&bravo, "bravo")] {
        let dir = wt.join(name);
        fs::create_dir_all(&dir).expect("create the worktree's directory");
        fs::write(dir.join("notes.txt"), format!("{name} garden notes\n")).expect("write notes");
        assert_ok(
            &env.git(wt, &["add", &format!("{name}/notes.txt")]),
            "git add in a worktree",
        );
    }

    let deadline = Instant::now() + Duration::from_secs(60);
    let first = spawn_git(&env, &alpha, &["commit"]);
    let second = spawn_git(&env, &bravo, &["commit"]);
    // Both hooks reach the stand-in before either answer is written: the commits overlapped.
    let mut running = [first, second];
    let overlap_deadline = Instant::now() + Duration::from_secs(20);
    while standin.chat_requests().len() < 2 && Instant::now() < overlap_deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let both_asked = standin.chat_requests().len() == 2;
    let still_running = running
        .iter_mut()
        .all(|c| c.try_wait().expect("poll a commit").is_none());
    let [first, second] = running;
    let out_alpha = finish(first, deadline, "git commit in wt-alpha");
    let out_bravo = finish(second, deadline, "git commit in wt-bravo");
    assert!(
        both_asked,
        "the stand-in did not get two chats\n{}\n{}",
        describe(&out_alpha),
        describe(&out_bravo)
    );
    assert!(
        still_running,
        "one commit finished before the other asked: they did not run at the same time"
    );

    for (wt, name, out) in [(&alpha, "alpha", &out_alpha), (&bravo, "bravo", &out_bravo)] {
        assert_ok(out, &format!("git commit in wt-{name}"));
        assert_no_panic(out);
        let line = the_ai_commit_line(out);
        assert!(line.contains("message from gemma3:4b"), "{name}: {line}");
        let log = env.git(wt, &["log", "-1", "--format=%B"]);
        assert_ok(&log, "git log in a worktree");
        assert_eq!(String::from_utf8_lossy(&log.stdout).trim_end(), reply);
        let files = env.git(wt, &["show", "--name-only", "--format=", "HEAD"]);
        assert_eq!(
            String::from_utf8_lossy(&files.stdout),
            format!("{name}/notes.txt\n")
        );
    }
    let users: Vec<String> = standin
        .chat_requests()
        .iter()
        .map(|c| {
            c["messages"][1]["content"]
                .as_str()
                .expect("user content is a string")
                .to_owned()
        })
        .collect();
    assert_eq!(users.len(), 2, "{users:#?}");
    for name in ["alpha", "bravo"] {
        let other = if name == "alpha" { "bravo" } else { "alpha" };
        let own: Vec<&String> = users
            .iter()
            .filter(|u| u.contains(&format!("A {name}/notes.txt +1\n")))
            .collect();
        assert_eq!(own.len(), 1, "no single request for {name}: {users:#?}");
        assert!(
            own[0].contains(&format!("+{name} garden notes\n")),
            "{name}'s diff missing:\n{}",
            own[0]
        );
        assert!(
            !own[0].contains(other),
            "{name}'s request carries {other}'s change:\n{}",
            own[0]
        );
    }
    assert_eq!(repo.commit_msg_of("main"), "Start the journal");
}
