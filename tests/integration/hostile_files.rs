//! Every file the binary opens is untrusted: the repository's `.ai-commit.toml`, the user's
//! config (`AI_COMMIT_CONFIG`) and the message file may be links to `/dev/zero`,
//! `/dev/urandom` or `/dev/ptmx` (a terminal that never answers), FIFOs with no writer,
//! directories, sparse files of gigabytes, or link loops. Each is left alone with one stderr
//! line, and the commit goes on.
//!
//! Every command here runs under `ulimit -v` and a short watchdog, so a regression fails the
//! test instead of taking the machine's memory or hanging the suite. `/dev/tty` is not among the
//! cases: without a controlling terminal (as here) opening it fails at once; `/dev/ptmx` is the
//! device that blocks a read forever.

use std::fs;
use std::os::unix::fs::{symlink, FileTypeExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::support::{
    assert_no_requests, assert_ok, describe, repo_with_journal, the_ai_commit_line, world, Repo,
    TestEnv, BIN,
};

const REPLY: &str = "Add the second day to journal.txt";
/// The address space every command here may use: far above what git and the hook need.
const MEMORY_KIB: u64 = 1 << 20;
/// Far above a hook's run, far below the default watchdog.
const LIMIT: Duration = Duration::from_secs(30);
/// Larger than any bound the binary reads up to, and than [`MEMORY_KIB`].
const HUGE: u64 = 2 << 30;

/// The kinds of thing a path can be that must not be read.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    DevZero,
    DevUrandom,
    DevPtmx,
    Fifo,
    Directory,
    Huge,
    LinkLoop,
}

const ALL: [Hostile; 7] = [
    Hostile::DevZero,
    Hostile::DevUrandom,
    Hostile::DevPtmx,
    Hostile::Fifo,
    Hostile::Directory,
    Hostile::Huge,
    Hostile::LinkLoop,
];

impl Hostile {
    /// Makes `at` this kind of thing.
    fn make(self, at: &Path) {
        match self {
            Hostile::DevZero => symlink("/dev/zero", at).expect("link to /dev/zero"),
            Hostile::DevUrandom => symlink("/dev/urandom", at).expect("link to /dev/urandom"),
            Hostile::DevPtmx => symlink("/dev/ptmx", at).expect("link to /dev/ptmx"),
            Hostile::Fifo => {
                let made = std::process::Command::new("mkfifo")
                    .arg(at)
                    .status()
                    .expect("run mkfifo");
                assert!(made.success(), "mkfifo {}", at.display());
            }
            Hostile::Directory => fs::create_dir(at).expect("create a directory"),
            Hostile::Huge => {
                // Sparse: gigabytes long, no disk used.
                let file = fs::File::create(at).expect("create the huge file");
                file.set_len(HUGE).expect("extend the huge file");
            }
            Hostile::LinkLoop => {
                let other = at.with_extension("loop");
                symlink(&other, at).expect("link one way");
                symlink(at, &other).expect("link back");
            }
        }
    }

    /// What the stderr line says about it.
    fn reason(self) -> &'static str {
        match self {
            Hostile::DevZero | Hostile::DevUrandom | Hostile::DevPtmx => {
                "not a regular file (a character device)"
            }
            Hostile::Fifo => "not a regular file (a FIFO)",
            Hostile::Directory => "not a regular file (a directory)",
            Hostile::Huge => "larger than ",
            Hostile::LinkLoop => "Too many levels of symbolic links",
        }
    }

    /// Panics unless `at` is still what [`Hostile::make`] made.
    fn assert_intact(self, at: &Path) {
        let link = |target: &str| {
            let read = fs::read_link(at).unwrap_or_else(|e| panic!("{}: {e}", at.display()));
            assert_eq!(read, Path::new(target), "{} was replaced", at.display());
            let meta = fs::metadata(target).expect("the device");
            assert!(meta.file_type().is_char_device(), "{target} was replaced");
        };
        let meta = fs::symlink_metadata(at).unwrap_or_else(|e| panic!("{}: {e}", at.display()));
        match self {
            Hostile::DevZero => link("/dev/zero"),
            Hostile::DevUrandom => link("/dev/urandom"),
            Hostile::DevPtmx => link("/dev/ptmx"),
            Hostile::Fifo => assert!(meta.file_type().is_fifo(), "{at:?} was replaced"),
            Hostile::Directory => assert!(meta.is_dir(), "{at:?} was replaced"),
            Hostile::Huge => assert!(meta.is_file() && meta.len() == HUGE, "{at:?} changed"),
            Hostile::LinkLoop => assert!(meta.file_type().is_symlink(), "{at:?} was replaced"),
        }
    }
}

/// `program args...` in `cwd` under `ulimit -v` and the short watchdog.
fn limited(env: &TestEnv, cwd: &Path, program: &str, args: &[&str]) -> Output {
    env.set_command_limit(LIMIT);
    let mut cmd = env.command("sh", cwd);
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$@\""))
        .arg("sh")
        .arg(program)
        .args(args);
    env.run(cmd)
}

/// A repository with the hook installed and a change staged.
fn staged_repo<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = repo_with_journal(env, name);
    repo.install_hook();
    repo.stage("journal.txt", "day 1\nday 2\n");
    repo
}

/// A plain `git commit` with `config` made hostile commits the model's message, says once that
/// the file was skipped, and leaves it as it was.
fn assert_config_skipped(kind: Hostile, config: impl Fn(&Repo<'_>) -> PathBuf) {
    let (_standin, env) = world(REPLY);
    let repo = staged_repo(&env, "repo");
    let path = config(&repo);
    kind.make(&path);

    let out = limited(&env, repo.path(), "git", &["commit", "-q"]);

    assert_ok(
        &out,
        &format!("git commit with {kind:?} as {}", path.display()),
    );
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        REPLY,
        "{kind:?}\n{}",
        describe(&out)
    );
    let line = the_ai_commit_line(&out);
    assert!(
        line.contains(&format!(
            "config skipped: cannot read config file {}: {}",
            path.display(),
            kind.reason()
        )),
        "{kind:?}: {line}"
    );
    kind.assert_intact(&path);
}

#[test]
fn a_hostile_repository_config_is_skipped() {
    for kind in ALL {
        assert_config_skipped(kind, |repo| repo.path().join(".ai-commit.toml"));
    }
}

#[test]
fn a_hostile_user_config_is_skipped() {
    for kind in ALL {
        assert_config_skipped(kind, |repo| repo.env().config_path());
    }
}

/// `ai-commit hook <file>` with the message file made hostile: exit 0, one line saying why,
/// no request to the model, and the file as it was.
#[test]
fn a_hostile_message_file_is_left_alone() {
    for kind in ALL {
        let (standin, env) = world(REPLY);
        let repo = staged_repo(&env, "repo");
        let path = env.root().join("message");
        kind.make(&path);
        let arg = path.to_string_lossy().into_owned();

        let out = limited(&env, repo.path(), BIN, &["hook", &arg]);

        assert_ok(&out, &format!("ai-commit hook with {kind:?}"));
        let line = the_ai_commit_line(&out);
        assert!(
            line.starts_with(&format!("ai-commit: cannot read {arg}: {}", kind.reason()))
                && line.ends_with("; message left as it was"),
            "{kind:?}: {line}"
        );
        assert_no_requests(&standin, &out);
        kind.assert_intact(&path);
    }
}

/// The size bound is the one the README states.
#[test]
fn a_huge_message_file_is_named_by_its_bound() {
    let (_standin, env) = world(REPLY);
    let repo = staged_repo(&env, "repo");
    let path = env.root().join("message");
    Hostile::Huge.make(&path);
    let arg = path.to_string_lossy().into_owned();
    let out = limited(&env, repo.path(), BIN, &["hook", &arg]);
    let line = the_ai_commit_line(&out);
    assert!(line.contains("larger than 64 MiB"), "{line}");
}

/// git writes through a `COMMIT_EDITMSG` that links to `/dev/null`; the hook must not replace
/// the link with a file of its own (as root, a rename over `/dev/null` itself would replace the
/// device). git then finds the message empty and aborts, as it does without the hook.
#[test]
fn a_message_file_linked_to_dev_null_is_left_alone_through_git() {
    let (_standin, env) = world(REPLY);
    let repo = staged_repo(&env, "repo");
    let msgfile = repo.git_dir().join("COMMIT_EDITMSG");
    fs::remove_file(&msgfile).expect("remove the first commit's COMMIT_EDITMSG");
    symlink("/dev/null", &msgfile).expect("link COMMIT_EDITMSG to /dev/null");

    let out = limited(&env, repo.path(), "git", &["commit", "-q"]);

    let line = the_ai_commit_line(&out);
    assert!(
        line.contains("not a regular file (a character device); message left as it was"),
        "{line}\n{}",
        describe(&out)
    );
    assert_eq!(
        fs::read_link(&msgfile).ok().as_deref(),
        Some(Path::new("/dev/null"))
    );
    let null = fs::metadata("/dev/null").expect("/dev/null");
    assert!(null.file_type().is_char_device(), "/dev/null was replaced");
    assert_eq!(repo.commit_msg_of("HEAD"), "Start the journal");
}

/// A `COMMIT_EDITMSG` that links to a regular file gets the message in that file, and stays a
/// link.
#[test]
fn a_linked_message_file_stays_a_link() {
    let (_standin, env) = world(REPLY);
    let repo = staged_repo(&env, "repo");
    let msgfile = repo.git_dir().join("COMMIT_EDITMSG");
    fs::remove_file(&msgfile).expect("remove the first commit's COMMIT_EDITMSG");
    let target = env.root().join("elsewhere.txt");
    fs::write(&target, "").expect("write the link's target");
    symlink(&target, &msgfile).expect("link COMMIT_EDITMSG");

    let out = limited(&env, repo.path(), "git", &["commit", "-q"]);

    assert_ok(&out, "git commit through a linked COMMIT_EDITMSG");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    let meta = fs::symlink_metadata(&msgfile).expect("COMMIT_EDITMSG");
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert!(
        fs::read_to_string(&target).unwrap().starts_with(REPLY),
        "the message did not reach the link's target"
    );
}

/// A repository can commit a `.gitattributes` that is a link, here to a FIFO, on any changed
/// path: at the top, beside the changed file, or in the directory a file moved out of. libgit2
/// would follow it and wait for ever; git does not follow it, and the staged changes are read
/// as git reads them. (Found by a second pass over the same class.)
#[test]
fn a_linked_gitattributes_does_not_hang_the_staged_diff() {
    for (attributes, before, after) in [
        (".gitattributes", "notes.txt", "notes.txt"),
        ("sub/.gitattributes", "sub/notes.txt", "sub/notes.txt"),
        ("old/.gitattributes", "old/notes.txt", "new/notes.txt"),
    ] {
        let (standin, env) = world(REPLY);
        let repo = env.repo("attributes");
        let fifo = env.root().join("fifo");
        Hostile::Fifo.make(&fifo);
        repo.write(before, "notes\n");
        symlink(&fifo, repo.path().join(attributes)).expect("link .gitattributes to a FIFO");
        repo.git_ok(&["add", "--", before, attributes]);
        repo.git_ok(&["commit", "-q", "-m", "Start the notes"]);
        repo.install_hook();
        if before == after {
            repo.stage(after, "more notes\n");
        } else {
            fs::create_dir_all(repo.path().join("new")).expect("create new/");
            repo.git_ok(&["mv", before, after]);
        }
        let out = limited(&env, repo.path(), "git", &["commit", "-q"]);
        let what = format!("git commit with {attributes} linked to a FIFO");
        assert_ok(&out, &what);
        let user = crate::support::user_message(&standin, &out);
        assert!(
            user.contains(after),
            "{what}: the prompt misses {after}:\n{user}"
        );
    }
}

/// A hook in a repository's own hooks directory that is a link to a device or a FIFO is never
/// read by `install` or `doctor`.
#[test]
fn a_hostile_hook_file_is_never_read() {
    for kind in [Hostile::Fifo, Hostile::DevZero, Hostile::Huge] {
        let (_standin, env) = world(REPLY);
        let repo = env.repo("hooks");
        repo.git_ok(&["config", "core.hooksPath", ".githooks"]);
        fs::create_dir_all(repo.path().join(".githooks")).unwrap();
        kind.make(&repo.path().join(".githooks/prepare-commit-msg"));
        let bin = crate::support::BIN;
        let install = limited(&env, repo.path(), bin, &["install"]);
        assert_ne!(install.status.code(), None, "install was killed: {kind:?}");
        let doctor = limited(&env, repo.path(), bin, &["doctor"]);
        assert_ne!(doctor.status.code(), None, "doctor was killed: {kind:?}");
        kind.assert_intact(&repo.path().join(".githooks/prepare-commit-msg"));
    }
}
