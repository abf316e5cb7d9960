//! How both shims (the local `prepare-commit-msg` and the global pass-through) decide a commit
//! that already has a message, through the real git CLI: with the shell's own `read`, only
//! from a regular file. A config that is a link to /dev/zero or /dev/tty, or a FIFO nobody
//! writes, as the user's file or the repository's, never hangs or spins `git commit -m`, a
//! rebase or a plain commit; and every way a config file can set `sources` is still seen.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::{assert_ok, describe, repo_with_journal, stderr, timed, world, Repo, TestEnv};

const REPLY: &str = "Add the shim notes";

/// How a repository gets the hook.
#[derive(Debug, Clone, Copy)]
enum Install {
    Local,
    Global,
}

fn install(env: &TestEnv, repo: &Repo<'_>, how: Install) {
    let args: &[&str] = match how {
        Install::Local => &["install"],
        Install::Global => &["install", "--global"],
    };
    assert_ok(
        &repo.ai_commit(args),
        &format!("ai-commit {}", args.join(" ")),
    );
    let _ = env;
}

/// What a config file is.
#[derive(Debug, Clone, Copy)]
enum Odd {
    DevZero,
    DevTty,
    Fifo,
}

fn make_odd(path: &Path, odd: Odd) {
    let _ = fs::remove_file(path);
    match odd {
        Odd::DevZero => symlink("/dev/zero", path).expect("link to /dev/zero"),
        Odd::DevTty => symlink("/dev/tty", path).expect("link to /dev/tty"),
        Odd::Fifo => {
            let status = Command::new("mkfifo")
                .arg(path)
                .status()
                .expect("run mkfifo");
            assert!(status.success(), "mkfifo {}", path.display());
        }
    }
}

/// Each command may take this long before the watchdog calls it a hang.
const HANG: Duration = Duration::from_secs(20);

fn assert_finishes(out: &Output, elapsed: Duration, what: &str) {
    assert_ok(out, what);
    assert!(elapsed < HANG, "{what} took {elapsed:?}");
}

/// `git commit -m`, a rebase of five commits and a plain `git commit`, with the user's config
/// or the repository's `.ai-commit.toml` an odd file (and, for the user's file, a regular
/// repository file beside it, which once made the shim read the user's file with grep): each
/// finishes, the messages given are kept, and the plain commit gets a message.
#[test]
fn a_config_that_is_no_regular_file_never_hangs_a_commit_or_a_rebase() {
    for how in [Install::Local, Install::Global] {
        for odd in [Odd::DevZero, Odd::DevTty, Odd::Fifo] {
            for user_file in [true, false] {
                let case = format!(
                    "{how:?} install, {} config {odd:?}",
                    if user_file { "user" } else { "repository" }
                );
                let (_standin, env) = world(REPLY);
                env.set_command_limit(HANG * 2);
                let repo = repo_with_journal(&env, "odd");
                for n in 1..=4 {
                    repo.stage(&format!("n{n}.txt"), format!("{n}\n"));
                    repo.git_ok(&["commit", "-q", "-m", &format!("Add note {n}")]);
                }
                install(&env, &repo, how);
                if user_file {
                    make_odd(&env.config_path(), odd);
                    repo.write(".ai-commit.toml", "max_subject = 60\n");
                } else {
                    make_odd(&repo.path().join(".ai-commit.toml"), odd);
                }
                let log = repo.git_ok(&["log", "--format=%B"]);

                repo.stage("m.txt", "m\n");
                let (out, elapsed) = timed(|| repo.git(&["commit", "-m", "Keep this message"]));
                assert_finishes(&out, elapsed, &format!("{case}: git commit -m"));
                assert_eq!(repo.commit_msg_of("HEAD"), "Keep this message", "{case}");
                repo.git_ok(&["reset", "-q", "--hard", "HEAD~1"]);

                let (out, elapsed) = timed(|| repo.git(&["rebase", "-q", "-f", "--root"]));
                assert_finishes(&out, elapsed, &format!("{case}: git rebase -f --root"));
                assert_eq!(repo.git_ok(&["log", "--format=%B"]), log, "{case}");

                repo.stage("plain.txt", "plain notes\n");
                let (out, elapsed) = timed(|| repo.git(&["commit"]));
                assert_finishes(&out, elapsed, &format!("{case}: git commit"));
                assert!(
                    !repo.commit_msg_of("HEAD").is_empty(),
                    "{case}\n{}",
                    describe(&out)
                );
            }
        }
    }
}

/// Every way the user's config can ask for `-m` commits in `sources` (leading blanks, a quoted
/// key, CRLF lines, no final newline, a list over several lines, past the 200 lines the shim
/// reads), and files that do not (no `sources`, a commented one, a one-line list without
/// "message" such as the default): a `-m` commit is drafted exactly when the file asks,
/// through either shim.
#[test]
fn the_shims_see_every_way_a_config_sets_sources() {
    let padding: String = (0..250).map(|n| format!("# comment line {n}\n")).collect();
    // (text, drafted, how often the binary starts): where the shim decides, it starts none.
    let cases: Vec<(String, bool, usize)> = vec![
        ("sources = [\"message\"]\n".into(), true, 1),
        ("  \tsources=[\"message\"]\n".into(), true, 1),
        ("\"sources\" = [\"message\"]\n".into(), true, 1),
        (
            "model = \"gemma3:4b\"\r\nsources = [\"message\"]\r\n".into(),
            true,
            1,
        ),
        ("timeout = 10\nsources = [\"message\"]".into(), true, 1),
        (format!("{padding}sources = [\"message\"]\n"), true, 1),
        (
            "sources = [\n  \"plain\",\n  \"message\",\n]\n".into(),
            true,
            1,
        ),
        ("sources = ['plain', 'message']\n".into(), true, 1),
        ("sources = [\"plain\", \"template\"]\n".into(), false, 0),
        ("sources = [\"merge\"] # not for -m\n".into(), false, 0),
        (
            "# sources = [\"message\"]\nmodel = \"gemma3:4b\"\n".into(),
            false,
            0,
        ),
        ("model = \"gemma3:4b\"\n".into(), false, 0),
        // Longer than the shim reads: ai-commit reads it, and finds nothing.
        (padding.clone(), false, 1),
    ];
    for how in [Install::Local, Install::Global] {
        for (text, drafted, starts) in &cases {
            let (standin, env) = world(REPLY);
            let starts_log = env.root().join("binary-starts.log");
            env.write_script(
                "logged-ai-commit",
                &format!(
                    "echo started >> {}\nexec {} \"$@\"\n",
                    crate::support::sh_quote(&starts_log),
                    crate::support::sh_quote(Path::new(crate::support::BIN))
                ),
            );
            let wrapper = env.root().join("scripts/logged-ai-commit");
            env.set_env("AI_COMMIT_BIN", wrapper.to_str().expect("UTF-8"));
            let repo = repo_with_journal(&env, "sources");
            install(&env, &repo, how);
            env.write_config(text);
            repo.stage("m.txt", "m\n");
            let out = repo.git(&["commit", "-m", "Given message"]);
            assert_ok(&out, "git commit -m");
            let case = format!("{how:?}: config {:?}", text.lines().last());
            let asked = !standin.chat_requests().is_empty();
            assert_eq!(asked, *drafted, "{case}\n{}", describe(&out));
            let started = fs::read_to_string(&starts_log)
                .unwrap_or_default()
                .lines()
                .count();
            assert_eq!(
                started,
                *starts,
                "{case}: binary starts\n{}",
                describe(&out)
            );
            assert!(!stderr(&out).contains("cannot open"), "{}", describe(&out));
        }
    }
}
