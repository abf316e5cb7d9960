//! A pass-through of the global hooks directory is a perfect no-op, through the real git CLI:
//! no pass-through stands under a hook name whose mere presence changes what git does
//! (`push-to-checkout` with `receive.denyCurrentBranch=updateInstead`, `sendemail-validate` with
//! `git send-email`), `doctor` names a repository's own hook of such a name with a fix that is
//! applied here, and every hook a pass-through runs sees the environment exactly as git gave it
//! (a hook that is not a shell prints it), whichever way the pass-through runs it.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{
    assert_ok, describe, doctor_problem, repo_with_journal, sh_quote, stderr, stdout, world, Repo,
    TestEnv, BIN,
};

const REPLY: &str = "Add the pushed notes";

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\n{}", describe(out)))
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn write_hook(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create the hook's directory");
    }
    fs::write(path, body).expect("write the hook");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

fn install_global(env: &TestEnv, args: &[&str]) {
    let mut all = vec!["install", "--global"];
    all.extend(args);
    let out = env.ai_commit(env.root(), &all);
    assert_ok(&out, &all.join(" "));
}

/// Runs the shell command a doctor fix prints (up to its parenthesised note) in `cwd`, with
/// `ai-commit` on PATH as the binary under test.
fn apply_fix(env: &TestEnv, cwd: &Path, fix: &str) -> Output {
    let command = fix.split("  (").next().unwrap_or(fix);
    let bin = env.root().join("bin");
    if !bin.join("ai-commit").exists() {
        fs::create_dir_all(&bin).expect("create bin/");
        symlink(BIN, bin.join("ai-commit")).expect("link ai-commit onto PATH");
    }
    let path = format!(
        "{}:{}",
        text(&bin),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = env.command("sh", cwd);
    cmd.args(["-c", command]).env("PATH", path);
    let out = env.run(cmd);
    assert_ok(&out, &format!("the fix `{command}`"));
    out
}

// ---------------------------------------------------------------------------------------------
// push-to-checkout
// ---------------------------------------------------------------------------------------------

/// A non-bare repository that accepts pushes to its checked-out branch and a clone of it.
fn server_and_client<'a>(env: &'a TestEnv) -> (Repo<'a>, PathBuf) {
    let server = repo_with_journal(env, "server");
    server.git_ok(&["config", "receive.denyCurrentBranch", "updateInstead"]);
    let client = env.root().join("client");
    assert_ok(
        &env.git(
            env.root(),
            &["clone", "-q", text(server.path()), text(&client)],
        ),
        "git clone",
    );
    (server, client)
}

/// Commits `file` in the client and pushes it; the push's output.
fn push_new_file(env: &TestEnv, client: &Path, file: &str) -> Output {
    fs::write(client.join(file), format!("{file} from the client\n")).expect("write");
    assert_ok(&env.git(client, &["add", file]), "git add in the client");
    assert_ok(
        &env.git(client, &["commit", "-q", "-m", &format!("Add {file}")]),
        "git commit in the client",
    );
    env.git(client, &["push", "-q", "origin", "main"])
}

/// git's own update of the work tree on a push (`updateInstead`) still happens with the global
/// hooks installed, and so does its refusal when the work tree is not clean.
#[test]
fn push_to_update_instead_updates_the_work_tree_through_the_global_hooks() {
    let env = TestEnv::new();
    let (server, client) = server_and_client(&env);
    install_global(&env, &[]);

    let out = push_new_file(&env, &client, "pushed.txt");
    assert_ok(&out, "git push into an updateInstead repository");
    let client_head = env.git(&client, &["rev-parse", "HEAD"]);
    assert_eq!(server.git_ok(&["rev-parse", "HEAD"]), stdout(&client_head));
    assert_eq!(
        fs::read_to_string(server.path().join("pushed.txt"))
            .ok()
            .as_deref(),
        Some("pushed.txt from the client\n"),
        "HEAD moved but the work tree was left behind\n{}",
        describe(&out)
    );
    assert_eq!(
        server.git_ok(&["status", "--porcelain"]),
        "",
        "the server's status"
    );

    // A work tree with changes of its own refuses the push, as git does without hooks.
    fs::write(
        server.path().join("journal.txt"),
        "day 1, edited on the server\n",
    )
    .expect("edit on the server");
    let head = server.git_ok(&["rev-parse", "HEAD"]);
    let out = push_new_file(&env, &client, "refused.txt");
    assert_ne!(code(&out), 0, "a push over local changes went through");
    assert_eq!(server.git_ok(&["rev-parse", "HEAD"]), head);
    assert_eq!(
        fs::read_to_string(server.path().join("journal.txt")).expect("read"),
        "day 1, edited on the server\n"
    );
    assert!(!server.path().join("refused.txt").exists());
}

/// A repository's own hook of a name that is not passed through (push-to-checkout,
/// reference-transaction): doctor names it, its fix is applied, doctor is then clean and the
/// own hook runs.
#[test]
fn an_own_hook_that_is_not_passed_through_is_named_and_the_fix_runs_it() {
    for name in ["push-to-checkout", "reference-transaction"] {
        let (_standin, env) = world(REPLY);
        let (server, client) = server_and_client(&env);
        let mark = env.root().join(format!("{name}.log"));
        let body = match name {
            "push-to-checkout" => format!(
                "#!/bin/sh\necho ran >> {}\nexec git read-tree -u -m HEAD \"$1\"\n",
                sh_quote(&mark)
            ),
            _ => format!(
                "#!/bin/sh\ncat > /dev/null\necho ran >> {}\n",
                sh_quote(&mark)
            ),
        };
        write_hook(&server.git_dir().join("hooks").join(name), &body);
        install_global(&env, &[]);

        let out = server.ai_commit(&["doctor"]);
        let needle = format!("do not run this repository's own {name}");
        let (_, fix) = doctor_problem(&out, &needle)
            .unwrap_or_else(|| panic!("{name}: not named\n{}", describe(&out)));
        apply_fix(&env, server.path(), &fix);

        let out = server.ai_commit(&["doctor"]);
        assert!(
            doctor_problem(&out, "").is_none(),
            "{name}\n{}",
            describe(&out)
        );
        let _ = fs::remove_file(&mark);
        match name {
            "push-to-checkout" => {
                let out = push_new_file(&env, &client, "pushed.txt");
                assert_ok(&out, "git push");
                assert!(
                    server.path().join("pushed.txt").is_file(),
                    "{}",
                    describe(&out)
                );
            }
            _ => {
                server.stage("notes.txt", "notes\n");
                let out = server.git(&["commit"]);
                assert_ok(&out, "git commit");
                assert_eq!(server.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
            }
        }
        assert!(
            fs::read_to_string(&mark).is_ok_and(|t| t.contains("ran")),
            "{name}: the own hook did not run after the fix"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// sendemail-validate
// ---------------------------------------------------------------------------------------------

/// Seconds since the epoch of an RFC 2822 date as git send-email writes it in UTC
/// (`Tue,  1 Dec 2026 10:04:38 +0000`).
fn rfc2822_seconds(date: &str) -> i64 {
    let parts: Vec<&str> = date.split_whitespace().collect();
    assert_eq!(parts.get(5), Some(&"+0000"), "not a UTC date: {date}");
    let day: i64 = parts[1].parse().expect("day");
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])
    .expect("month") as i64
        + 1;
    let year: i64 = parts[3].parse().expect("year");
    let hms: Vec<i64> = parts[4]
        .split(':')
        .map(|p| p.parse().expect("time"))
        .collect();
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hms[0] * 3_600 + hms[1] * 60 + hms[2]
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs() as i64
}

/// `git send-email` of `patches` through a sendmail stand-in that appends every message to
/// `sent`; the output, or `None` when this git has no send-email.
fn send_email(env: &TestEnv, repo: &Repo<'_>, patches: &Path, sent: &Path) -> Option<Output> {
    let probe = repo.git(&["send-email", "--help"]);
    if stderr(&probe).contains("is not a git command") {
        return None;
    }
    let mta = env.write_script("mta.sh", &format!("cat >> {}\n", sh_quote(sent)));
    let mut files: Vec<String> = fs::read_dir(patches)
        .expect("list the patches")
        .map(|e| e.expect("an entry").path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec![
        "send-email".to_owned(),
        format!("--sendmail-cmd={mta}"),
        "--to=list@example.com".to_owned(),
        "--from=Test User <test@example.com>".to_owned(),
        "--confirm=never".to_owned(),
        "--quiet".to_owned(),
    ];
    args.extend(files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Some(repo.git(&args))
}

/// Twenty patches: with a do-nothing sendemail-validate present, git send-email would date
/// every message twenty seconds in the future. With the global hooks installed, no message is
/// dated after the moment the command finished.
#[test]
fn send_email_dates_are_not_moved_by_the_global_hooks() {
    let env = TestEnv::new();
    let repo = repo_with_journal(&env, "mailer");
    for n in 1..=20 {
        repo.stage(&format!("note-{n}.txt"), format!("note {n}\n"));
        repo.git_ok(&["commit", "-q", "-m", &format!("Add note {n}")]);
    }
    let patches = env.root().join("patches");
    repo.git_ok(&["format-patch", "-q", "-20", "-o", text(&patches)]);
    install_global(&env, &[]);
    let sent = env.root().join("sent.mbox");

    let Some(out) = send_email(&env, &repo, &patches, &sent) else {
        eprintln!("skipped: this git has no send-email");
        return;
    };
    let finished = now_seconds();

    assert_ok(&out, "git send-email");
    let mail = fs::read_to_string(&sent).expect("read what was sent");
    let dates: Vec<i64> = mail
        .lines()
        .filter_map(|l| l.strip_prefix("Date: "))
        .map(rfc2822_seconds)
        .collect();
    assert_eq!(dates.len(), 20, "{mail}");
    let latest = dates.iter().max().copied().unwrap_or_default();
    assert!(
        latest <= finished,
        "a message is dated {}s after send-email finished",
        latest - finished
    );
}

// ---------------------------------------------------------------------------------------------
// The environment of the hooks a pass-through runs
// ---------------------------------------------------------------------------------------------

/// Variables exported before each git command: the names the pass-through once used for its
/// own state, the names it uses now, and values that are hard to put back (quotes, a newline).
const EXPORTED: &[(&str, &str)] = &[
    ("name", "the person's name"),
    ("common", "common"),
    ("own", "own"),
    ("draft", "draft"),
    ("prev", "prev"),
    ("bin", "/usr/local/bin/theirs"),
    ("cfg", "cfg"),
    ("input", "input"),
    ("status", "0"),
    ("ai_commit_env", "it's 'quoted' and $dollar `tick`"),
    ("ai_commit_name", "a\nnewline"),
    ("ai_commit_own", ""),
    ("ai_commit_prev", "prev"),
    ("ai_commit_common", "common"),
    ("ai_commit_draft", "draft"),
    ("ai_commit_cfg", "cfg"),
    ("ai_commit_bin", "bin"),
    ("ai_commit_input", "input"),
    ("ai_commit_status", "status"),
    ("AI_COMMIT_INSTALLED_BIN", "/theirs/ai-commit"),
    ("AI_COMMIT_PREVIOUS_HOOKS", "/theirs/hooks"),
];

/// Variables a shell sets for itself when it starts, as any shell hook would: `PWD` (git
/// passes the directory it started in), and `SHLVL` and `_` where /bin/sh is bash.
const SET_BY_ANY_SHELL: &[&str] = &["PWD", "SHLVL", "_"];

/// A hook that is not a shell script: it writes its environment, NUL-separated, to a new file
/// under `$ENV_LOG` (its name, then a counter), and reads its stdin so a pipe never breaks.
fn env_hook(path: &Path) {
    write_hook(
        path,
        "#!/usr/bin/perl\n\
         my $dir = $ENV{ENV_LOG}; my ($name) = $0 =~ m{([^/]+)$};\n\
         my $n = 0; $n++ while -e \"$dir/$name-$n\";\n\
         open(my $f, '>', \"$dir/$name-$n\") or die \"$dir: $!\";\n\
         print $f join(\"\\0\", map { \"$_=$ENV{$_}\" } sort keys %ENV);\n\
         close $f; if (! -t STDIN) { local $/; my $in = <STDIN>; }\n",
    );
}

/// The environments the hooks wrote since the last call, by file name, and clears them.
fn take_envs(log: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut envs = BTreeMap::new();
    for entry in fs::read_dir(log).expect("list the env log") {
        let path = entry.expect("an entry").path();
        let bytes = fs::read(&path).expect("read an env record");
        let vars = String::from_utf8_lossy(&bytes)
            .split('\0')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| !SET_BY_ANY_SHELL.contains(k))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        envs.insert(name, vars);
        fs::remove_file(&path).expect("clear the env log");
    }
    envs
}

/// One git command, run once with the repository's own hooks alone and once through the
/// global hooks: each hook's environment must be the same both times.
#[test]
fn hooks_run_through_a_pass_through_get_the_environment_git_gave() {
    let (_standin, env) = world(REPLY);
    let log = env.root().join("env-log");
    fs::create_dir_all(&log).expect("create the env log");
    env.set_env("ENV_LOG", text(&log));
    for (key, value) in EXPORTED {
        env.set_env(key, value);
    }
    let repo = repo_with_journal(&env, "printer");
    let remote = env.root().join("remote.git");
    assert_ok(
        &env.git(env.root(), &["init", "-q", "--bare", text(&remote)]),
        "init --bare",
    );
    repo.git_ok(&["remote", "add", "origin", text(&remote)]);
    let hooks = repo.git_dir().join("hooks");
    for name in [
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "pre-push",
        "post-commit",
    ] {
        env_hook(&hooks.join(name));
    }
    // A hooks directory set before ours, which install --force chains to: then both the
    // previous directory's hook and the repository's own run, the first in a subshell, and
    // for pre-push both read a copy of stdin.
    let previous = env.root().join("previous-hooks");
    for name in ["pre-commit", "pre-push"] {
        env_hook(&previous.join(name));
    }

    let mut round = 0;
    let mut run = |label: &str| {
        round += 1;
        repo.stage(&format!("file-{round}.txt"), format!("{round}\n"));
        let out = repo.git(&["commit", "-m", &format!("Commit {round}")]);
        assert_ok(&out, &format!("{label}: git commit -m"));
        // Without ai-commit this commits an empty message; through the global hooks it drafts.
        repo.stage(&format!("plain-{round}.txt"), format!("{round}\n"));
        let out = repo.git(&["commit", "--allow-empty-message"]);
        assert_ok(&out, &format!("{label}: git commit"));
        let out = repo.git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);
        assert_ok(&out, &format!("{label}: git push"));
        take_envs(&log)
    };

    let alone = run("own hooks alone");
    assert!(
        alone.len() >= 8,
        "the hooks did not all run: {:?}",
        alone.keys()
    );
    let baseline = |name: &str| {
        alone
            .iter()
            .find(|(file, _)| file.starts_with(&format!("{name}-")))
            .map(|(_, vars)| vars.clone())
            .unwrap_or_else(|| panic!("no {name} record alone"))
    };
    for (key, value) in EXPORTED {
        assert_eq!(
            baseline("pre-commit").get(*key).map(String::as_str),
            Some(*value),
            "{key} did not reach the hook even without ai-commit"
        );
    }

    install_global(&env, &[]);
    let through_ours = run("through the global hooks");
    assert_same_envs(&alone, &through_ours, "through the global hooks");

    // Chained: a foreign global hooksPath, taken over with --force.
    env.ai_commit(env.root(), &["uninstall", "--global"]);
    assert_ok(
        &env.git(
            env.root(),
            &["config", "--global", "core.hooksPath", text(&previous)],
        ),
        "set a previous global hooksPath",
    );
    install_global(&env, &["--force"]);
    let chained = run("chained to a previous hooks directory");
    for (file, vars) in &chained {
        // The previous directory's hook and the own one run in turn: both see what the own
        // hook saw alone.
        let (name, n) = file.rsplit_once('-').expect("name-counter");
        let n: usize = n.parse().expect("a counter");
        let alone_file = match name {
            "pre-commit" | "pre-push" => format!("{name}-{}", n / 2),
            _ => file.clone(),
        };
        let expected = alone
            .get(&alone_file)
            .unwrap_or_else(|| panic!("no {alone_file} record alone"));
        assert_eq!(
            diff(expected, vars),
            Vec::<String>::new(),
            "chained: {file} saw another environment"
        );
    }
    let pre_commits = chained
        .keys()
        .filter(|k| k.starts_with("pre-commit-"))
        .count();
    assert_eq!(
        pre_commits,
        4,
        "both pre-commits, twice: {:?}",
        chained.keys()
    );
    let pre_pushes = chained
        .keys()
        .filter(|k| k.starts_with("pre-push-"))
        .count();
    assert_eq!(pre_pushes, 2, "both pre-pushes: {:?}", chained.keys());
}

fn diff(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("{k} is gone (was {v:?})")),
            Some(w) if w != v => out.push(format!("{k} is {w:?}, was {v:?}")),
            Some(_) => {}
        }
    }
    for (k, w) in b {
        if !a.contains_key(k) {
            out.push(format!("{k}={w:?} was added"));
        }
    }
    out
}

fn assert_same_envs(
    alone: &BTreeMap<String, BTreeMap<String, String>>,
    through: &BTreeMap<String, BTreeMap<String, String>>,
    label: &str,
) {
    let names: Vec<&String> = alone.keys().collect();
    assert_eq!(
        names,
        through.keys().collect::<Vec<_>>(),
        "{label}: other hooks ran"
    );
    for (file, vars) in alone {
        assert_eq!(
            diff(vars, &through[file]),
            Vec::<String>::new(),
            "{label}: {file} saw another environment"
        );
    }
}
