//! `install --global`, `uninstall --global` and `doctor` read `core.hooksPath` as git does,
//! through the real git CLI: a team's hooks directory set through an `[include]` of the global
//! config (before, after, and without a `[core]` section of the user's), through an
//! `[includeIf]`, or in the system config. Each team hook keeps running, uninstall leaves the
//! config files byte for byte as they were, and doctor names a team directory that a global
//! install of ours shadows, with a fix that is applied here.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::{assert_ok, describe, doctor_problem, stderr, stdout, world, Repo, TestEnv};

const REPLY: &str = "Add the team notes";

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\n{}", describe(out)))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// The team's hooks directory, with a pre-commit that refuses a staged `blocked.txt`, and the
/// file that sets it (to be included from the global or system config).
struct Team {
    hooks: PathBuf,
    gitconfig: PathBuf,
}

fn team(env: &TestEnv) -> Team {
    let hooks = env.root().join("team/hooks");
    fs::create_dir_all(&hooks).expect("create the team's hooks");
    let pre_commit = hooks.join("pre-commit");
    fs::write(
        &pre_commit,
        "#!/bin/sh\nif git diff --cached --name-only | grep -qx blocked.txt; then\n  \
         echo 'team: blocked.txt may not be committed' >&2\n  exit 1\nfi\n",
    )
    .expect("write the team's pre-commit");
    fs::set_permissions(&pre_commit, fs::Permissions::from_mode(0o755)).expect("chmod");
    let gitconfig = env.root().join("team/gitconfig");
    fs::write(
        &gitconfig,
        format!("[core]\n\thooksPath = {}\n", text(&hooks)),
    )
    .expect("write the team's config");
    Team { hooks, gitconfig }
}

/// Where the user's global config includes the team's file.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// `[include]` first, the user's `[core]` after it.
    IncludeBeforeCore,
    /// The user's `[core]` first, `[include]` at the end.
    IncludeAfterCore,
    /// No `[core]` section of the user's at all.
    NoCoreSection,
}

fn include_team(env: &TestEnv, team: &Team, layout: Layout) {
    let path = env.global_git_config();
    let base = read(&path);
    let include = format!("[include]\n\tpath = {}\n", text(&team.gitconfig));
    let new = match layout {
        Layout::IncludeBeforeCore => format!("{include}{base}"),
        Layout::IncludeAfterCore => format!("{base}{include}"),
        Layout::NoCoreSection => {
            let start = base.find("[core]\n").expect("a [core] section");
            let end = start
                + base[start..]
                    .find("[color]")
                    .expect("a section after [core]");
            format!("{}{}{include}", &base[..start], &base[end..])
        }
    };
    fs::write(&path, new).expect("write the global config");
}

fn ours(env: &TestEnv) -> PathBuf {
    env.home().join(".local/share/ai-commit/hooks")
}

/// The `core.hooksPath` git uses in `repo`.
fn hooks_path_in(repo: &Repo<'_>) -> String {
    repo.git_ok(&["config", "--get", "core.hooksPath"])
        .trim_end()
        .to_owned()
}

/// Stages `file` (with new content each time) and commits; the output.
fn commit(repo: &Repo<'_>, file: &str) -> Output {
    static EDITS: AtomicUsize = AtomicUsize::new(0);
    let n = EDITS.fetch_add(1, Ordering::Relaxed);
    repo.stage(file, format!("{file} {n}\n"));
    let out = repo.git(&["commit"]);
    if !out.status.success() {
        repo.git_ok(&["reset", "-q", "--", file]);
        fs::remove_file(repo.path().join(file)).expect("remove the refused file");
    }
    out
}

/// The team's pre-commit refuses `blocked.txt` in `repo`.
fn assert_team_blocks(repo: &Repo<'_>, when: &str) {
    let out = commit(repo, "blocked.txt");
    assert_ne!(
        code(&out),
        0,
        "{when}: the team's pre-commit did not run; blocked.txt was committed\n{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("team: blocked.txt"),
        "{when}\n{}",
        describe(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// install --global and a team hooks directory included by the global config
// ---------------------------------------------------------------------------------------------

#[test]
fn team_hooks_path_through_an_include_needs_force_keeps_running_and_comes_back() {
    for layout in [
        Layout::IncludeBeforeCore,
        Layout::IncludeAfterCore,
        Layout::NoCoreSection,
    ] {
        let (_standin, env) = world(REPLY);
        let team = team(&env);
        include_team(&env, &team, layout);
        let original = read(&env.global_git_config());
        let repo = env.repo("app");
        assert_eq!(
            hooks_path_in(&repo),
            text(&team.hooks),
            "{layout:?}: precondition"
        );
        assert_team_blocks(&repo, &format!("{layout:?}, before install"));

        let out = env.ai_commit(env.root(), &["install", "--global"]);
        assert_eq!(
            code(&out),
            1,
            "{layout:?}: install over the team's\n{}",
            describe(&out)
        );
        let err = stderr(&out);
        assert!(
            err.contains(text(&team.hooks)),
            "{layout:?}\n{}",
            describe(&out)
        );
        assert!(
            err.contains(text(&team.gitconfig)),
            "{layout:?}\n{}",
            describe(&out)
        );
        assert!(err.contains("--force"), "{layout:?}\n{}", describe(&out));
        assert_eq!(read(&env.global_git_config()), original, "{layout:?}");
        assert!(
            !ours(&env).exists(),
            "{layout:?}: a refused install wrote its directory"
        );

        let out = env.ai_commit(env.root(), &["install", "--global", "--force"]);
        assert_ok(&out, &format!("{layout:?}: install --global --force"));
        assert!(
            stdout(&out).contains(&format!("so do those of {}", text(&team.hooks))),
            "{layout:?}\n{}",
            describe(&out)
        );
        assert_eq!(
            hooks_path_in(&repo),
            text(&ours(&env)),
            "{layout:?}: git does not use ai-commit's directory\n{}",
            read(&env.global_git_config())
        );
        assert_team_blocks(&repo, &format!("{layout:?}, installed"));
        let out = commit(&repo, "notes.txt");
        assert_ok(&out, &format!("{layout:?}: a commit the team allows"));
        assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{layout:?}");

        let out = repo.ai_commit(&["doctor"]);
        assert!(
            stdout(&out).contains(&format!(
                "ok      the hooks of {} (core.hooksPath in {}) still run",
                text(&team.hooks),
                text(&team.gitconfig)
            )),
            "{layout:?}\n{}",
            describe(&out)
        );
        assert_eq!(code(&out), 0, "{layout:?}\n{}", describe(&out));

        let out = env.ai_commit(env.root(), &["uninstall", "--global"]);
        assert_ok(&out, &format!("{layout:?}: uninstall --global"));
        assert!(
            stdout(&out).contains(&format!("is {} again", text(&team.hooks))),
            "{layout:?}\n{}",
            describe(&out)
        );
        assert_eq!(read(&env.global_git_config()), original, "{layout:?}");
        assert!(!ours(&env).exists(), "{layout:?}");
        assert_eq!(hooks_path_in(&repo), text(&team.hooks), "{layout:?}");
        assert_team_blocks(&repo, &format!("{layout:?}, after uninstall"));
    }
}

/// A team directory only the repositories under `work/` use (`includeIf "gitdir:..."`):
/// chaining to it from a directory every repository uses would run its hooks everywhere, and
/// taking it over would stop them where they ran, so install refuses, even with `--force`, from
/// inside a matching repository or not, and changes nothing.
#[test]
fn team_hooks_path_through_an_include_if_is_refused_even_with_force() {
    let env = TestEnv::new();
    let team = team(&env);
    let work = env.root().join("work");
    let path = env.global_git_config();
    let include = format!(
        "[includeIf \"gitdir:{}/\"]\n\tpath = {}\n",
        text(&work),
        text(&team.gitconfig)
    );
    fs::write(&path, format!("{}{include}", read(&path))).expect("write the global config");
    let original = read(&path);
    fs::create_dir_all(&work).expect("create work/");
    let app = env.repo("work/app");
    let elsewhere = env.repo("elsewhere");
    assert_team_blocks(&app, "before install");

    for (cwd, force) in [
        (env.root(), false),
        (env.root(), true),
        (app.path(), false),
        (app.path(), true),
        (elsewhere.path(), true),
    ] {
        let mut args = vec!["install", "--global"];
        if force {
            args.push("--force");
        }
        let out = env.ai_commit(cwd, &args);
        let case = format!("{} in {}", args.join(" "), cwd.display());
        assert_eq!(code(&out), 1, "{case}\n{}", describe(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("gitdir:{}/", text(&work))),
            "{case}\n{err}"
        );
        assert!(err.contains(text(&team.hooks)), "{case}\n{err}");
        assert_eq!(read(&path), original, "{case}");
        assert!(!ours(&env).exists(), "{case}");
    }
    assert_team_blocks(&app, "after the refused installs");
    // The hint: install in the repository, which writes where git looks there.
    assert!(
        stderr(&env.ai_commit(app.path(), &["install", "--global"])).contains("ai-commit install"),
        "the hint names the per-repository install"
    );
    assert_ok(
        &app.ai_commit(&["install"]),
        "ai-commit install in work/app",
    );
    assert!(team.hooks.join("prepare-commit-msg").is_file());
    assert_team_blocks(&app, "after the per-repository install");
    let out = commit(&app, "notes.txt");
    assert_ok(&out, "a commit the team allows, drafted");
    assert!(!app.commit_msg_of("HEAD").is_empty(), "{}", describe(&out));
    elsewhere.stage("blocked.txt", "blocked\n");
    let out = elsewhere.git(&["commit", "-m", "Add blocked.txt"]);
    assert_ok(&out, "a repository outside work/ has no team hooks");
}

/// The same team directory in the system config (`GIT_CONFIG_SYSTEM`), which ai-commit never
/// writes: `--force` chains to it, uninstall leaves both files as they were.
#[test]
fn team_hooks_path_in_the_system_config_keeps_running_and_comes_back() {
    let (_standin, env) = world(REPLY);
    env.unset_env("GIT_CONFIG_NOSYSTEM");
    let team = team(&env);
    let system = env.root().join("gitconfig-system");
    fs::write(&system, read(&team.gitconfig)).expect("write the system config");
    let global = read(&env.global_git_config());
    let repo = env.repo("app");
    assert_team_blocks(&repo, "before install");

    let out = env.ai_commit(env.root(), &["install", "--global"]);
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(stderr(&out).contains(text(&system)), "{}", describe(&out));

    assert_ok(
        &env.ai_commit(env.root(), &["install", "--global", "--force"]),
        "install --global --force",
    );
    assert_eq!(hooks_path_in(&repo), text(&ours(&env)));
    assert_team_blocks(&repo, "installed");
    let out = commit(&repo, "notes.txt");
    assert_ok(&out, "a commit the team allows");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));

    assert_ok(
        &env.ai_commit(env.root(), &["uninstall", "--global"]),
        "uninstall --global",
    );
    assert_eq!(read(&env.global_git_config()), global);
    assert_eq!(read(&system), read(&team.gitconfig));
    assert_team_blocks(&repo, "after uninstall");
}

// ---------------------------------------------------------------------------------------------
// doctor, where an earlier install shadowed the team's directory
// ---------------------------------------------------------------------------------------------

/// What an install that read only the global file left: our hook set, chaining to nothing, and
/// our `core.hooksPath` in the user's `[core]` section, which git reads after the include.
fn shadow_the_team(env: &TestEnv) {
    let dir = ours(env);
    assert_ok(
        &env.ai_commit(env.root(), &["install", "--hooks-dir", text(&dir)]),
        "install --hooks-dir into ai-commit's directory",
    );
    assert_ok(
        &env.git(
            env.root(),
            &["config", "--global", "core.hooksPath", text(&dir)],
        ),
        "git config --global core.hooksPath",
    );
}

#[test]
fn doctor_names_a_team_directory_shadowed_by_ours_and_its_fix_brings_it_back() {
    let (_standin, env) = world(REPLY);
    let team = team(&env);
    include_team(&env, &team, Layout::IncludeBeforeCore);
    let repo = env.repo("app");
    shadow_the_team(&env);
    let out = commit(&repo, "blocked.txt");
    assert_ok(&out, "precondition: the shadowed team hook does not run");

    let out = repo.ai_commit(&["doctor"]);
    let needle = format!("git does not run the hooks of {}", text(&team.hooks));
    let (line, fix) = doctor_problem(&out, &needle)
        .unwrap_or_else(|| panic!("no problem {needle:?}\n{}", describe(&out)));
    assert!(line.contains("pre-commit"), "{line}");
    assert!(line.contains(text(&team.gitconfig)), "{line}");
    assert_eq!(code(&out), 1);
    assert!(fix.starts_with("ai-commit install --global"), "{fix}");

    // The fix, as printed.
    assert_ok(
        &env.ai_commit(repo.path(), &["install", "--global"]),
        "the fix: ai-commit install --global",
    );
    let out = repo.ai_commit(&["doctor"]);
    assert!(
        doctor_problem(&out, &needle).is_none(),
        "{}",
        describe(&out)
    );
    assert!(
        stdout(&out).contains(&format!(
            "the hooks of {} (core.hooksPath",
            text(&team.hooks)
        )),
        "{}",
        describe(&out)
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_team_blocks(&repo, "after the fix");
}

/// Shadowed where only the repositories under `work/` read the team's directory: the fix is to
/// take the global install away and install in the repository, and after both the problem is
/// gone and the team's hook blocks again.
#[test]
fn doctor_names_a_conditional_team_directory_shadowed_by_ours_and_its_fix_works() {
    let (_standin, env) = world(REPLY);
    let team = team(&env);
    let work = env.root().join("work");
    fs::create_dir_all(&work).expect("create work/");
    let path = env.global_git_config();
    let include = format!(
        "[includeIf \"gitdir:{}/\"]\n\tpath = {}\n",
        text(&work),
        text(&team.gitconfig)
    );
    fs::write(&path, format!("{include}{}", read(&path))).expect("write the global config");
    let repo = env.repo("work/app");
    shadow_the_team(&env);

    let out = repo.ai_commit(&["doctor"]);
    let needle = format!("git does not run the hooks of {}", text(&team.hooks));
    let (_, fix) = doctor_problem(&out, &needle)
        .unwrap_or_else(|| panic!("no problem {needle:?}\n{}", describe(&out)));
    assert!(
        fix.starts_with("ai-commit uninstall --global, then ai-commit install in this repository"),
        "{fix}"
    );

    assert_ok(
        &env.ai_commit(repo.path(), &["uninstall", "--global"]),
        "the fix: ai-commit uninstall --global",
    );
    assert_ok(&repo.ai_commit(&["install"]), "the fix: ai-commit install");
    let out = repo.ai_commit(&["doctor"]);
    assert!(
        doctor_problem(&out, &needle).is_none(),
        "{}",
        describe(&out)
    );
    assert!(doctor_problem(&out, "").is_none(), "{}", describe(&out));
    assert_team_blocks(&repo, "after the fix");
    let out = commit(&repo, "notes.txt");
    assert_ok(&out, "a commit the team allows");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
}
