//! Install and uninstall never write through a link and never lose a backup, through the real
//! git CLI: a dangling or foreign link inside `--hooks-dir`, a repository hook that links into a
//! shared hook set, `install --force` twice with another tool's hook written in between, and
//! `--force` over a dangling link followed by `uninstall`.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{assert_ok, describe, stderr, stdout, world, Repo, TestEnv};

const REPLY: &str = "Add the linked notes";

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\n{}", describe(out)))
}

fn write_hook(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create the hook's directory");
    }
    fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the hook");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

/// The link's target, panicking unless `path` is a link.
fn link_target(path: &Path) -> PathBuf {
    fs::read_link(path).unwrap_or_else(|e| panic!("{} is not a link: {e}", path.display()))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn backup(hook: &Path, n: u32) -> PathBuf {
    let suffix = if n == 1 {
        String::new()
    } else {
        format!(".{n}")
    };
    PathBuf::from(format!("{}.before-ai-commit{suffix}", hook.display()))
}

/// Every entry of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// --hooks-dir with links inside
// ---------------------------------------------------------------------------------------------

/// A dangling link, a link to someone's file outside, and a link to a script of ours elsewhere:
/// none is written through, each stays the link it was, and nothing outside the directory is
/// created or changed.
#[test]
fn hooks_dir_never_writes_through_a_link_inside_it() {
    let env = TestEnv::new();
    let outside = env.root().join("outside");
    fs::create_dir_all(&outside).expect("create the outside directory");
    let elsewhere = env.root().join("elsewhere");
    let out = env.ai_commit(
        env.root(),
        &["install", "--hooks-dir", elsewhere.to_str().expect("UTF-8")],
    );
    assert_ok(&out, "ai-commit install --hooks-dir elsewhere");
    // Still ours by its marker, but edited: a write through the link would show.
    let edited = elsewhere.join("post-merge");
    fs::write(&edited, format!("{}# edited by hand\n", read(&edited))).expect("edit");
    let ours_elsewhere = read(&edited);
    let someone = outside.join("someone-pre-push");
    write_hook(&someone, "echo someone\n");
    let someone_text = read(&someone);

    let links = [
        ("pre-commit", outside.join("dangling-pre-commit")),
        ("pre-push", someone.clone()),
        ("post-merge", elsewhere.join("post-merge")),
    ];
    let dir = env.root().join("system-hooks");
    fs::create_dir_all(&dir).expect("create the hooks directory");
    for (name, target) in &links {
        symlink(target, dir.join(name)).expect("create a link");
    }

    let out = env.ai_commit(
        env.root(),
        &["install", "--hooks-dir", dir.to_str().expect("UTF-8")],
    );

    for (name, target) in &links {
        assert_eq!(
            &link_target(&dir.join(name)),
            target,
            "{name}\n{}",
            describe(&out)
        );
    }
    assert!(
        !outside.join("dangling-pre-commit").exists(),
        "a script was written through the dangling link to {}\n{}",
        outside.display(),
        describe(&out)
    );
    assert_eq!(
        entries(&outside),
        ["someone-pre-push"],
        "{}",
        describe(&out)
    );
    assert_eq!(read(&someone), someone_text, "{}", describe(&out));
    assert_eq!(read(&elsewhere.join("post-merge")), ours_elsewhere);
    assert_eq!(
        code(&out),
        1,
        "install over links claimed success\n{}",
        describe(&out)
    );
    let said = format!("{}{}", stdout(&out), stderr(&out));
    for (name, _) in &links {
        assert!(said.contains(name), "{name} not named\n{}", describe(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// A repository hook that links into a shared hook set
// ---------------------------------------------------------------------------------------------

/// A repository whose `.git/hooks/prepare-commit-msg` links to the shared set's pass-through
/// (written by `install --hooks-dir`): `ai-commit install` there must not overwrite the shared
/// script through the link (every repository using the set would lose its pass-through);
/// `--force` keeps the link aside and uninstall puts it back, the shared script untouched.
#[test]
fn local_install_over_a_link_into_a_shared_hook_set_leaves_the_set_alone() {
    let (_standin, env) = world(REPLY);
    let shared = env.root().join("shared-hooks");
    let out = env.ai_commit(
        env.root(),
        &["install", "--hooks-dir", shared.to_str().expect("UTF-8")],
    );
    assert_ok(&out, "ai-commit install --hooks-dir shared");
    let shared_hook = shared.join("prepare-commit-msg");
    let shared_text = read(&shared_hook);
    let repo = env.repo("linked");
    let hook = repo.hook_path();
    symlink(&shared_hook, &hook).expect("link the repository's hook into the shared set");

    let out = repo.ai_commit(&["install"]);
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(
        stderr(&out).contains("not ai-commit's"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        read(&shared_hook),
        shared_text,
        "the shared script was rewritten"
    );
    assert_eq!(link_target(&hook), shared_hook);

    let out = repo.ai_commit(&["install", "--force"]);
    assert_ok(&out, "ai-commit install --force over the link");
    assert_eq!(
        read(&shared_hook),
        shared_text,
        "the shared script was rewritten"
    );
    assert!(
        fs::symlink_metadata(&hook).is_ok_and(|m| m.file_type().is_file()),
        "the hook is not a file of its own"
    );
    assert_eq!(link_target(&backup(&hook, 1)), shared_hook);

    let out = repo.ai_commit(&["uninstall"]);
    assert_ok(&out, "ai-commit uninstall");
    assert_eq!(link_target(&hook), shared_hook, "{}", describe(&out));
    assert!(fs::symlink_metadata(backup(&hook, 1)).is_err());
    assert_eq!(read(&shared_hook), shared_text);
}

/// The same with ai-commit's real global directory: a repository that runs its own hooks
/// directory (a local `core.hooksPath`) links its prepare-commit-msg to the global
/// pass-through. A local install there leaves the global script as it was, so another
/// repository still gets its draft and its own prepare-commit-msg.
#[test]
fn local_install_over_a_link_into_the_global_directory_keeps_other_repositories_hooks() {
    let (standin, env) = world(REPLY);
    let out = env.ai_commit(env.root(), &["install", "--global"]);
    assert_ok(&out, "ai-commit install --global");
    let global_hook = env
        .home()
        .join(".local/share/ai-commit/hooks/prepare-commit-msg");
    let global_text = read(&global_hook);
    let repo = env.repo("own-dir");
    let own_dir = repo.git_dir().join("hooks");
    repo.git_ok(&["config", "core.hooksPath", own_dir.to_str().expect("UTF-8")]);
    let hook = own_dir.join("prepare-commit-msg");
    symlink(&global_hook, &hook).expect("link into the global directory");

    let out = repo.ai_commit(&["install", "--force"]);
    assert_ok(&out, "ai-commit install --force");
    assert_eq!(
        read(&global_hook),
        global_text,
        "the global pass-through was rewritten"
    );

    let other = env.repo("other");
    let marks = env.root().join("other-own.log");
    write_hook(
        &other.git_dir().join("hooks/prepare-commit-msg"),
        &format!("echo ran >> {}\n", crate::support::sh_quote(&marks)),
    );
    other.stage("notes.txt", "notes\n");
    let out = other.git(&["commit"]);
    assert_ok(&out, "git commit in another repository");
    assert_eq!(other.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(read(&marks), "ran\n", "{}", describe(&out));
    assert_eq!(standin.draft_requests().len(), 1);

    let out = repo.ai_commit(&["uninstall"]);
    assert_ok(&out, "ai-commit uninstall");
    assert_eq!(link_target(&hook), global_hook);
    assert_eq!(read(&global_hook), global_text);
}

// ---------------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------------

fn foreign(repo: &Repo<'_>, text: &str) -> PathBuf {
    let hook = repo.hook_path();
    write_hook(&hook, text);
    hook
}

/// `install --force` over hook A, another tool writes hook B over ours, `install --force`
/// again: A is still kept (the second backup takes a new name), uninstall puts back B (what
/// was there before the latest install) and says where A is.
#[test]
fn force_twice_with_another_tools_hook_between_keeps_both_hooks() {
    let env = TestEnv::new();
    let repo = env.repo("twice");
    let hook = foreign(&repo, "echo first tool\n");
    let a = read(&hook);

    assert_ok(&repo.ai_commit(&["install", "--force"]), "install --force");
    assert_eq!(read(&backup(&hook, 1)), a);
    write_hook(&hook, "echo second tool\n");
    let b = read(&hook);
    let out = repo.ai_commit(&["install", "--force"]);
    assert_ok(&out, "install --force again");

    assert_eq!(
        read(&backup(&hook, 1)),
        a,
        "the first backup was overwritten"
    );
    assert_eq!(read(&backup(&hook, 2)), b, "{}", describe(&out));
    assert!(
        stdout(&out).contains(&backup(&hook, 2).display().to_string()),
        "{}",
        describe(&out)
    );

    let out = repo.ai_commit(&["uninstall"]);
    assert_ok(&out, "uninstall");
    assert_eq!(read(&hook), b, "{}", describe(&out));
    assert!(fs::symlink_metadata(backup(&hook, 2)).is_err());
    assert_eq!(read(&backup(&hook, 1)), a);
    assert!(
        stdout(&out).contains(&backup(&hook, 1).display().to_string()),
        "uninstall does not say where the older hook is\n{}",
        describe(&out)
    );
}

/// The other tool deletes our hook instead: uninstall still puts back what `--force` kept.
#[test]
fn uninstall_puts_the_kept_hook_back_when_ours_was_deleted() {
    let env = TestEnv::new();
    let repo = env.repo("deleted");
    let hook = foreign(&repo, "echo mine\n");
    let a = read(&hook);
    assert_ok(&repo.ai_commit(&["install", "--force"]), "install --force");
    fs::remove_file(&hook).expect("delete our hook");

    let out = repo.ai_commit(&["uninstall"]);

    assert_ok(&out, "uninstall");
    assert_eq!(read(&hook), a, "{}", describe(&out));
    assert!(fs::symlink_metadata(backup(&hook, 1)).is_err());
}

/// A hook that is a link, dangling or to a file: install refuses it like any foreign hook and
/// writes nothing through it; `--force` keeps the link itself aside; uninstall puts the link
/// back and leaves no backup behind.
#[test]
fn force_over_a_link_keeps_the_link_and_uninstall_puts_it_back() {
    for dangling in [true, false] {
        let env = TestEnv::new();
        let repo = env.repo("link");
        let hook = repo.hook_path();
        let target = env.root().join("tool/prepare-commit-msg");
        fs::create_dir_all(target.parent().expect("a parent")).expect("create the tool's dir");
        if !dangling {
            write_hook(&target, "echo tool\n");
        }
        symlink(&target, &hook).expect("link the hook");
        let case = if dangling { "dangling" } else { "to a file" };

        let out = repo.ai_commit(&["install"]);
        assert_eq!(
            code(&out),
            1,
            "install over a link {case}\n{}",
            describe(&out)
        );
        assert_eq!(
            target.exists(),
            !dangling,
            "install wrote through the link {case}\n{}",
            describe(&out)
        );
        if !dangling {
            assert_eq!(read(&target), "#!/bin/sh\necho tool\n");
        }

        let out = repo.ai_commit(&["install", "--force"]);
        assert_ok(&out, &format!("install --force over a link {case}"));
        assert_eq!(link_target(&backup(&hook, 1)), target, "{case}");
        assert_eq!(
            target.exists(),
            !dangling,
            "{case}: written through the link"
        );

        let out = repo.ai_commit(&["uninstall"]);
        assert_ok(&out, &format!("uninstall after --force over a link {case}"));
        assert_eq!(link_target(&hook), target, "{case}\n{}", describe(&out));
        assert!(
            fs::symlink_metadata(backup(&hook, 1)).is_err(),
            "{case}: the backup was left behind\n{}",
            describe(&out)
        );
    }
}
