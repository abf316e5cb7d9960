//! `ai-commit doctor`: every problem it is meant to find, each with its fix and exit status 1,
//! and a clean bill of health (exit 0) when all is well. Also the generated completions and
//! man page.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::ollama::{closed_port_url, Behavior, StandIn, CONTEXT_LENGTH, VERSION};
use crate::support::{describe, sh_quote, stdout, the_ai_commit_line, world, Repo, TestEnv, BIN};

fn doctor(repo: &Repo<'_>) -> Output {
    repo.ai_commit(&["doctor"])
}

/// The report's line for a finding containing `needle`, and the fix line under it, if any.
fn finding(out: &Output, needle: &str) -> (String, Option<String>) {
    let text = stdout(out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no finding with {needle:?}\n{}", describe(out)));
    let fix = lines
        .get(at + 1)
        .and_then(|l| l.trim_start().strip_prefix("fix: "))
        .map(str::to_owned);
    (lines[at].to_owned(), fix)
}

fn assert_problem(out: &Output, needle: &str, fix_part: &str) {
    let (line, fix) = finding(out, needle);
    assert!(line.starts_with("PROBLEM "), "{line}\n{}", describe(out));
    let fix = fix.unwrap_or_else(|| panic!("no fix under {line:?}\n{}", describe(out)));
    assert!(
        fix.contains(fix_part),
        "fix {fix:?} should say {fix_part:?}"
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
}

fn assert_ok_line(out: &Output, needle: &str) {
    let (line, _) = finding(out, needle);
    assert!(line.starts_with("ok "), "{line}\n{}", describe(out));
}

fn assert_no_problem(out: &Output) {
    assert!(
        !stdout(out).contains("PROBLEM"),
        "doctor still reports a problem\n{}",
        describe(out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(out));
}

/// A directory holding `ai-commit` (the binary under test), for running doctor's fixes as a
/// person would type them.
fn bin_dir(env: &TestEnv) -> PathBuf {
    let dir = env.root().join("bin");
    if !dir.join("ai-commit").exists() {
        fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(BIN, dir.join("ai-commit")).unwrap();
    }
    dir
}

/// Runs a fix as printed, up to its explanation in parentheses, with sh in `cwd`.
fn apply_fix(env: &TestEnv, cwd: &Path, fix: &str) -> Output {
    let command = fix.split(" (").next().unwrap_or(fix).trim();
    let path = format!(
        "{}:{}",
        bin_dir(env).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = env.command("sh", cwd);
    cmd.args(["-c", command]).env("PATH", path);
    let out = env.run(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the fix `{command}` failed\n{}",
        describe(&out)
    );
    out
}

#[test]
fn healthy_setup_reports_no_problem_and_exits_zero() {
    let (standin, env) = world("ok");
    env.write_config("timeout = 5\n");
    let repo = env.repo("healthy");
    repo.install_hook();

    let out = doctor(&repo);

    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_ok_line(
        &out,
        &format!("config file {} parsed", env.config_path().display()),
    );
    assert_ok_line(
        &out,
        &format!("Ollama {VERSION} answers at {}", standin.url()),
    );
    assert_ok_line(&out, "model gemma3:4b is pulled");
    assert_ok_line(
        &out,
        &format!("num_ctx = 8192 fits gemma3:4b's context length of {CONTEXT_LENGTH}"),
    );
    assert_ok_line(&out, "a tiny request to gemma3:4b took");
    assert_ok_line(&out, "hook installed and active");
    assert!(
        stdout(&out).ends_with("No problems found.\n"),
        "{}",
        describe(&out)
    );
    assert_eq!(standin.chat_requests().len(), 1, "one tiny timed request");
}

#[test]
fn server_down_is_a_problem_with_the_command_that_fixes_it() {
    let env = TestEnv::new();
    env.set_ollama(&closed_port_url());
    let repo = env.repo("down");
    repo.install_hook();

    let out = doctor(&repo);

    assert_problem(&out, "Ollama is not reachable at", "ollama serve");
    assert!(!stdout(&out).contains("is pulled"), "{}", describe(&out));
}

#[test]
fn model_not_pulled_names_the_pull_command() {
    let standin = StandIn::with_model(Behavior::Reply("ok".into()), "llama3.2:1b");
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("nomodel");
    repo.install_hook();

    let out = doctor(&repo);

    assert_problem(
        &out,
        "model gemma3:4b is not pulled",
        "ollama pull gemma3:4b",
    );
    assert!(
        standin.chat_requests().is_empty(),
        "no request for a missing model"
    );
}

#[test]
fn num_ctx_over_the_models_context_length_is_a_problem() {
    let (_standin, env) = world("ok");
    env.write_config(&format!("num_ctx = {}\n", CONTEXT_LENGTH * 2));
    let repo = env.repo("ctx");
    repo.install_hook();

    let out = doctor(&repo);

    assert_problem(
        &out,
        &format!("num_ctx = {} is over", CONTEXT_LENGTH * 2),
        &format!("num_ctx = {CONTEXT_LENGTH}"),
    );
}

#[test]
fn broken_config_file_is_named_with_its_line() {
    let (_standin, env) = world("ok");
    env.write_config("model = \"m\"\ntimeout = \"soon\"\n");
    let repo = env.repo("badconfig");
    repo.install_hook();

    let out = doctor(&repo);

    let (line, _) = finding(&out, "config file skipped");
    assert!(
        line.contains(&format!("{}:2:", env.config_path().display())),
        "{line}"
    );
    assert!(line.contains("timeout"), "{line}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn hook_missing_foreign_or_not_executable_is_a_problem() {
    let (_standin, env) = world("ok");
    let repo = env.repo("hooks");

    let out = doctor(&repo);
    assert_problem(&out, "no prepare-commit-msg hook in", "ai-commit install");

    fs::write(repo.hook_path(), "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(repo.hook_path(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = doctor(&repo);
    assert_problem(&out, "is not ai-commit's hook", "ai-commit install --force");

    fs::remove_file(repo.hook_path()).unwrap();
    repo.install_hook();
    fs::set_permissions(repo.hook_path(), fs::Permissions::from_mode(0o644)).unwrap();
    let out = doctor(&repo);
    assert_problem(&out, "is not executable", "chmod +x");
}

/// A shim in `.git/hooks` and a pre-commit there, while the global core.hooksPath names
/// another directory: both are problems, and their fix (take the directory over with
/// `install --global --force`) is applied: then neither is reported, and the pre-commit and
/// the draft both run through ai-commit's pass-throughs.
#[test]
fn hooks_path_shadowing_and_skipped_local_hooks_are_problems_the_fix_mends() {
    let (standin, env) = world("Add the shadow notes");
    let repo = env.repo("shadow");
    repo.install_hook();
    let pre_commit = repo.git_dir().join("hooks/pre-commit");
    let mark = env.root().join("pre-commit.log");
    fs::write(
        &pre_commit,
        format!("#!/bin/sh\necho ran >> {}\n", sh_quote(&mark)),
    )
    .unwrap();
    fs::set_permissions(&pre_commit, fs::Permissions::from_mode(0o755)).unwrap();
    let elsewhere = env.root().join("team-hooks");
    fs::create_dir_all(&elsewhere).unwrap();
    let hooks_path = elsewhere.display().to_string();
    env.git(
        env.root(),
        &["config", "--global", "core.hooksPath", &hooks_path],
    );

    let out = doctor(&repo);

    assert_problem(
        &out,
        &format!("no prepare-commit-msg hook in {hooks_path} (ai-commit's hook in"),
        "ai-commit install --global --force",
    );
    let (line, fix) = finding(&out, "git skips this repository's own hooks (pre-commit)");
    assert!(line.contains(&hooks_path), "{line}");
    let fix = fix.expect("a fix");
    assert!(
        fix.starts_with("ai-commit install --global --force"),
        "{fix}"
    );

    apply_fix(&env, repo.path(), &fix);
    let out = doctor(&repo);
    assert_no_problem(&out);
    assert_ok_line(
        &out,
        "own hooks run through ai-commit's global hooks: pre-commit",
    );
    let asked = standin.chat_requests().len();
    repo.stage("notes.txt", "notes\n");
    let committed = repo.git(&["commit"]);
    assert_eq!(committed.status.code(), Some(0), "{}", describe(&committed));
    assert_eq!(repo.commit_msg_of("HEAD"), "Add the shadow notes");
    assert_eq!(fs::read_to_string(&mark).unwrap(), "ran\n");
    assert_eq!(
        standin.draft_requests().len(),
        asked + 1,
        "one draft, not two"
    );
}

#[test]
fn remote_host_without_consent_is_a_problem_before_any_connection() {
    let env = TestEnv::new();
    env.set_ollama("http://192.0.2.1:11434");
    let repo = env.repo("remote");
    repo.install_hook();

    let out = doctor(&repo);
    assert_problem(
        &out,
        "not sending the diff to http://192.0.2.1:11434",
        "allow_remote_http",
    );

    // No request was tried: the check comes before any connection.
    assert!(
        !stdout(&out).contains("is not reachable"),
        "{}",
        describe(&out)
    );
}

#[test]
fn openai_server_is_checked_through_its_own_api_and_key_variable() {
    use crate::support::openai;
    let standin = openai::StandIn::start(openai::Behavior::Stream("ok".into()));
    let env = TestEnv::new();
    env.write_config(&format!(
        "api = \"openai\"\nbase_url = \"{}\"\napi_key_env = \"TEAM_KEY\"\n",
        standin.url()
    ));
    let repo = env.repo("openai");
    repo.install_hook();

    let out = doctor(&repo);
    assert_problem(
        &out,
        "api_key_env names TEAM_KEY, which is not set",
        "export TEAM_KEY=",
    );
    assert!(standin.requests().is_empty(), "no request without the key");

    env.set_env("TEAM_KEY", "sk-test-key-0123456789");
    let out = doctor(&repo);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_ok_line(&out, "the API key is set in TEAM_KEY");
    assert_ok_line(
        &out,
        &format!("the model server answers at {}", standin.url()),
    );
    assert_ok_line(&out, "a tiny request to gemma3:4b took");
    assert!(!stdout(&out).contains("sk-test-key"), "the key was printed");
    let models = standin
        .requests()
        .into_iter()
        .find(|r| r.path == openai::MODELS_PATH)
        .expect("a /models request");
    assert_eq!(
        models.header("authorization"),
        Some("Bearer sk-test-key-0123456789")
    );
    assert_eq!(standin.chat_requests().len(), 1);
}

/// Doctor judges the key in `api_key_env` by the hook's own rule: a variable that is set but
/// holds no key the client would send (only blanks; a space inside, which is no key) is
/// refused by both, for the same reason, and neither sends anything to the server.
#[test]
fn doctor_refuses_the_api_keys_the_hook_refuses() {
    use crate::support::openai;
    for bad in [" \t ", "sk-test two-words"] {
        let standin =
            openai::StandIn::start(openai::Behavior::Stream("Add greeting to hello.txt".into()));
        let env = TestEnv::new();
        env.write_config(&format!(
            "api = \"openai\"\nbase_url = \"{}\"\napi_key_env = \"TEAM_KEY\"\n",
            standin.url()
        ));
        env.set_env("TEAM_KEY", bad);
        let repo = env.repo("badkey");
        repo.install_hook();
        repo.stage("hello.txt", "Hello, world!\n");

        let committed = repo.git(&["commit"]);
        assert_eq!(committed.status.code(), Some(0), "{}", describe(&committed));
        let hook_says = the_ai_commit_line(&committed);
        assert!(
            hook_says.contains("no API key: TEAM_KEY"),
            "the hook should refuse {bad:?}: {hook_says}"
        );
        assert_eq!(standin.connections(), 0, "the hook sent a request");

        let out = doctor(&repo);
        assert!(
            !stdout(&out).contains("the API key is set"),
            "doctor calls {bad:?} a key\n{}",
            describe(&out)
        );
        assert_problem(&out, "no API key: TEAM_KEY", "export TEAM_KEY=");
        let (line, _) = finding(&out, "no API key: TEAM_KEY");
        let doctor_says = line.trim_start_matches("PROBLEM ");
        assert!(
            hook_says.contains(doctor_says),
            "doctor says {doctor_says:?}, the hook {hook_says:?}"
        );
        assert_eq!(standin.connections(), 0, "doctor sent a request");
    }
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.ai_commit(env.root(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let text = stdout(&out);
        for word in ["install", "uninstall", "doctor", "global", "no-fallback"] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
    let script = env.root().join("ai-commit.bash");
    fs::write(
        &script,
        stdout(&env.ai_commit(env.root(), &["completions", "bash"])),
    )
    .unwrap();
    let check = env.run({
        let mut c = env.command("bash", env.root());
        c.args(["-n", &script.display().to_string()]);
        c
    });
    assert!(check.status.success(), "bash -n: {}", describe(&check));

    let out = env.ai_commit(env.root(), &["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let man = stdout(&out);
    assert!(
        man.starts_with(".ie") || man.contains(".TH ai-commit 1"),
        "{man}"
    );
    for word in ["doctor", "install", "\\-\\-timeout"] {
        assert!(man.contains(word), "the man page lacks {word}");
    }
}

/// doctor shows the speed it assumes before any reply, and the one learned after.
#[test]
fn doctor_shows_the_learned_speed() {
    let standin = StandIn::start(Behavior::Reply(r#"{"subject": "Greet the reader"}"#.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("speed");
    let out = repo.ai_commit(&["doctor"]);
    let text = stdout(&out);
    assert!(
        text.contains("no speed learned yet for gemma3:4b: assuming it reads 50 tokens/s"),
        "{text}"
    );
    standin.set_pace(50_000_000, 100_000_000);
    repo.install_hook();
    repo.stage("hello.txt", "Hello, reader!\n");
    assert!(repo.git(&["commit", "--no-edit"]).status.success());
    let out = repo.ai_commit(&["doctor"]);
    let text = stdout(&out);
    assert!(
        text.contains("gemma3:4b reads 20 tokens/s, writes 10 tokens/s")
            && text.contains("(learned from 1 replies)"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// The hook checks tell the truth, and every fix they print is applied here
// ---------------------------------------------------------------------------------------------

fn write_exec(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A bare repository is a repository: doctor says it is bare (no prepare-commit-msg runs
/// there) and checks the hooks a push runs, instead of "not inside a git repository". With a
/// hook installed there, and with the global hooks and an own pre-receive (passed through) or
/// reference-transaction (not passed through, named with a fix that is applied).
#[test]
fn a_bare_repository_is_checked_and_its_fix_works() {
    let (_standin, env) = world("ok");
    let bare = env.root().join("bare.git");
    let out = env.git(
        env.root(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let installed = env.ai_commit(&bare, &["install"]);
    assert_eq!(installed.status.code(), Some(0), "{}", describe(&installed));

    let out = env.ai_commit(&bare, &["doctor"]);
    assert!(
        !stdout(&out).contains("not inside a git repository"),
        "{}",
        describe(&out)
    );
    let (line, _) = finding(&out, "a bare repository");
    assert!(line.starts_with("note "), "{line}");
    assert_no_problem(&out);

    let uninstalled = env.ai_commit(&bare, &["uninstall"]);
    assert_eq!(
        uninstalled.status.code(),
        Some(0),
        "{}",
        describe(&uninstalled)
    );
    let global = env.ai_commit(env.root(), &["install", "--global"]);
    assert_eq!(global.status.code(), Some(0), "{}", describe(&global));
    write_exec(
        &bare.join("hooks/pre-receive"),
        "#!/bin/sh\ncat >/dev/null\n",
    );
    write_exec(
        &bare.join("hooks/reference-transaction"),
        "#!/bin/sh\ncat >/dev/null\n",
    );
    let out = env.ai_commit(&bare, &["doctor"]);
    assert_ok_line(
        &out,
        "own hooks run through ai-commit's global hooks: pre-receive",
    );
    let (_, fix) = finding(
        &out,
        "do not run this repository's own reference-transaction",
    );
    apply_fix(&env, &bare, &fix.expect("a fix"));
    let out = env.ai_commit(&bare, &["doctor"]);
    assert_no_problem(&out);
}

/// The binary a hook recorded is gone (installed from a copy, then the copy deleted): doctor
/// names it, and its fix is the install that wrote that hook: for one repository, for every
/// repository (`--global`; `ai-commit install` there changes nothing), and for a hook set of
/// `--hooks-dir`. Each is applied, and the problem is gone.
#[test]
fn a_moved_binary_is_named_with_the_install_that_wrote_the_hook() {
    for kind in ["local", "global", "hooks-dir"] {
        let (_standin, env) = world("ok");
        let repo = env.repo("moved");
        let old = env.root().join("old-bin/ai-commit");
        fs::create_dir_all(old.parent().unwrap()).unwrap();
        // Copied by another process: a file this multi-threaded test process had open for
        // writing could be inherited by a child another test forks meanwhile, and then
        // running it fails with "text file busy".
        let copied = std::process::Command::new("cp")
            .arg(BIN)
            .arg(&old)
            .status()
            .unwrap();
        assert!(copied.success(), "cp the binary");
        let set = env.root().join("hook-set");
        let args: Vec<&str> = match kind {
            "local" => vec!["install"],
            "global" => vec!["install", "--global"],
            _ => vec!["install", "--hooks-dir", set.to_str().unwrap()],
        };
        let mut cmd = env.command(&old, repo.path());
        cmd.args(&args);
        let out = env.run(cmd);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", describe(&out));
        if kind == "hooks-dir" {
            repo.git_ok(&["config", "core.hooksPath", set.to_str().unwrap()]);
        }
        fs::remove_file(&old).unwrap();

        let out = doctor(&repo);
        let needle = format!("the hook runs {}, which no longer exists", old.display());
        let (line, fix) = finding(&out, &needle);
        assert!(line.starts_with("PROBLEM "), "{kind}: {line}");
        let fix = fix.expect("a fix");
        let expected = match kind {
            "local" => "ai-commit install (".to_string(),
            "global" => "ai-commit install --global (".to_string(),
            _ => format!("ai-commit install --hooks-dir {} (", set.display()),
        };
        assert!(fix.starts_with(&expected), "{kind}: {fix}");

        apply_fix(&env, repo.path(), &fix);
        let out = doctor(&repo);
        assert_no_problem(&out);
    }
}

/// No prepare-commit-msg where git looks: the fix depends on why, and each one printed is
/// applied: no hooksPath (either of the two installs it offers), a hooksPath of the
/// repository's own, a global one of someone else's, and one that only some repositories get
/// through an includeIf (which `install --global` refuses).
#[test]
fn each_fix_for_a_missing_hook_installs_one_git_runs() {
    for case in [
        "local install",
        "global install",
        "own hooksPath",
        "team hooksPath",
        "team hooksPath for some repositories",
    ] {
        let (_standin, env) = world("ok");
        let repo = env.repo("missing");
        match case {
            "own hooksPath" => {
                repo.git_ok(&["config", "core.hooksPath", ".githooks"]);
            }
            "team hooksPath" => {
                let team = env.root().join("team-hooks");
                write_exec(&team.join("post-merge"), "#!/bin/sh\nexit 0\n");
                env.git(
                    env.root(),
                    &[
                        "config",
                        "--global",
                        "core.hooksPath",
                        team.to_str().unwrap(),
                    ],
                );
            }
            "team hooksPath for some repositories" => {
                let team = env.root().join("team-hooks");
                write_exec(&team.join("post-merge"), "#!/bin/sh\nexit 0\n");
                let included = env.root().join("team.gitconfig");
                let setting = format!("[core]\n\thooksPath = {}\n", team.display());
                fs::write(&included, setting).unwrap();
                let global = env.global_git_config();
                let text = fs::read_to_string(&global).unwrap();
                let condition = format!("gitdir:{}/", repo.path().display());
                let include = format!(
                    "[includeIf \"{condition}\"]\n\tpath = {}\n",
                    included.display()
                );
                fs::write(&global, format!("{text}{include}")).unwrap();
            }
            _ => {}
        }

        let out = doctor(&repo);
        let (line, fix) = finding(&out, "no prepare-commit-msg hook in");
        assert!(line.starts_with("PROBLEM "), "{case}: {line}");
        let fix = fix.expect("a fix");
        let command = match case {
            "local install" => {
                assert!(fix.contains("ai-commit install --global"), "{case}: {fix}");
                "ai-commit install".to_string()
            }
            "global install" => "ai-commit install --global".to_string(),
            "own hooksPath" => {
                assert!(fix.starts_with("ai-commit install ("), "{case}: {fix}");
                fix.clone()
            }
            "team hooksPath" => {
                assert!(
                    fix.starts_with("ai-commit install --global --force"),
                    "{case}: {fix}"
                );
                fix.clone()
            }
            _ => {
                // install --global refuses a directory only some repositories use.
                assert!(
                    fix.starts_with("ai-commit install (writes it into"),
                    "{case}: {fix}"
                );
                fix.clone()
            }
        };
        apply_fix(&env, repo.path(), &command);
        let out = doctor(&repo);
        assert_no_problem(&out);
    }
}

/// A prepare-commit-msg of someone else's: both fixes doctor offers work (set it aside with
/// `--force`; or add `ai-commit hook "$@"` to it, which doctor then sees); in a team's global
/// hooks directory the fix keeps it running through ours instead; and a hook of ours that is
/// not executable is fixed by the chmod doctor prints. After each, git runs ai-commit.
#[test]
fn each_fix_for_a_foreign_or_disabled_hook_works() {
    for case in ["force", "add the line", "chmod", "team's"] {
        let (standin, env) = world("Add the mended notes");
        let repo = env.repo("foreign");
        if case == "team's" {
            let team = env.root().join("team-hooks");
            fs::create_dir_all(&team).unwrap();
            let team = team.to_str().unwrap();
            env.git(env.root(), &["config", "--global", "core.hooksPath", team]);
        }
        let hook = repo.hook_path();
        match case {
            "chmod" => {
                repo.install_hook();
                fs::set_permissions(&hook, fs::Permissions::from_mode(0o644)).unwrap();
            }
            _ => write_exec(&hook, "#!/bin/sh\necho 'Ticket: 7' >> \"$1\"\n"),
        }
        let out = doctor(&repo);
        let (line, fix) = if case == "chmod" {
            finding(&out, "is not executable")
        } else {
            finding(&out, "is not ai-commit's hook")
        };
        assert!(line.starts_with("PROBLEM "), "{case}: {line}");
        let fix = fix.expect("a fix");
        match case {
            "force" => {
                assert!(fix.starts_with("ai-commit install --force"), "{fix}");
                apply_fix(&env, repo.path(), "ai-commit install --force");
            }
            "add the line" => {
                assert!(
                    fix.contains("add the line `ai-commit hook \"$@\"` to it"),
                    "{fix}"
                );
                let text = fs::read_to_string(&hook).unwrap();
                fs::write(&hook, format!("{text}ai-commit hook \"$@\"\n")).unwrap();
            }
            "chmod" => {
                assert_eq!(fix, format!("chmod +x {}", hook.display()));
                apply_fix(&env, repo.path(), &fix);
            }
            _ => {
                // The team's hook serves every repository: keep it running, through ours.
                assert!(
                    fix.starts_with("ai-commit install --global --force"),
                    "{fix}"
                );
                apply_fix(&env, repo.path(), &fix);
            }
        }
        let out = doctor(&repo);
        assert_no_problem(&out);
        // And git runs ai-commit now.
        let before = standin.draft_requests().len();
        repo.stage("notes.txt", "notes\n");
        let mut cmd = env.command("git", repo.path());
        cmd.args(["commit"]).env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir(&env).display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        let committed = env.run(cmd);
        assert_eq!(
            committed.status.code(),
            Some(0),
            "{case}: {}",
            describe(&committed)
        );
        assert_eq!(standin.draft_requests().len(), before + 1, "{case}");
        assert!(
            repo.commit_msg_of("HEAD")
                .starts_with("Add the mended notes"),
            "{case}: {}",
            repo.commit_msg_of("HEAD")
        );
    }
}

/// A repository whose hooks husky manages (`core.hooksPath = .husky/_`): `ai-commit install
/// --force` refuses there, so doctor's fix is the line for `.husky/prepare-commit-msg`; with
/// it (through a stand-in of husky's wrapper) the commit is drafted and doctor is clean.
#[test]
fn husky_repository_gets_the_fix_husky_can_use() {
    let (standin, env) = world("Add the husky notes");
    let repo = env.repo("husky");
    repo.git_ok(&["config", "core.hooksPath", ".husky/_"]);
    // What husky 9 writes: a wrapper per hook name that runs .husky/<name> when it exists.
    write_exec(
        &repo.path().join(".husky/_/prepare-commit-msg"),
        "#!/bin/sh\nh=\"$(dirname \"$0\")/../prepare-commit-msg\"\n[ -f \"$h\" ] || exit 0\nexec sh -e \"$h\" \"$@\"\n",
    );

    let out = doctor(&repo);
    let (line, fix) = finding(&out, "husky manages this repository's hooks");
    assert!(line.starts_with("PROBLEM "), "{line}");
    let fix = fix.expect("a fix");
    let user_hook = repo.path().join(".husky/prepare-commit-msg");
    assert!(
        fix.starts_with(&format!(
            "add the line `ai-commit hook \"$@\"` to {}",
            user_hook.display()
        )),
        "{fix}"
    );
    let forced = repo.ai_commit(&["install", "--force"]);
    assert_eq!(forced.status.code(), Some(1), "{}", describe(&forced));

    fs::write(&user_hook, "ai-commit hook \"$@\"\n").unwrap();
    let out = doctor(&repo);
    assert_no_problem(&out);
    assert_ok_line(&out, "husky runs ai-commit from");
    let before = standin.draft_requests().len();
    repo.stage("notes.txt", "notes\n");
    let mut cmd = env.command("git", repo.path());
    cmd.args(["commit"]).env(
        "PATH",
        format!(
            "{}:{}",
            bin_dir(&env).display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    let committed = env.run(cmd);
    assert_eq!(committed.status.code(), Some(0), "{}", describe(&committed));
    assert_eq!(repo.commit_msg_of("HEAD"), "Add the husky notes");
    assert_eq!(standin.draft_requests().len(), before + 1);
}

/// The repository's own `core.hooksPath` (not husky) while `.git/hooks` holds a pre-commit:
/// `install --global --force` changes nothing for it, so doctor no longer prints that as a
/// fix: it says, as a note, that git runs the hooks of the repository's own directory, and
/// with ai-commit installed there, reports no problem.
#[test]
fn an_own_hooks_path_is_noted_not_fixed_with_a_global_install() {
    let (_standin, env) = world("ok");
    let repo = env.repo("own-path");
    write_exec(
        &repo.git_dir().join("hooks/pre-commit"),
        "#!/bin/sh\nexit 0\n",
    );
    repo.git_ok(&["config", "core.hooksPath", ".githooks"]);
    write_exec(
        &repo.path().join(".githooks/pre-commit"),
        "#!/bin/sh\nexit 0\n",
    );
    repo.install_hook();

    let out = doctor(&repo);

    let (line, fix) = finding(&out, "git skips this repository's own hooks (pre-commit)");
    assert!(line.starts_with("note "), "{line}");
    assert!(line.contains("this repository's own setting"), "{line}");
    assert_eq!(fix, None);
    assert!(
        !stdout(&out).contains("--global --force"),
        "{}",
        describe(&out)
    );
    assert_no_problem(&out);
}

/// husky's `.husky/prepare-commit-msg` is repository content: one that a repository links to
/// /dev/zero or /dev/tty is not read (doctor would spin or wait), it is reported as not
/// running ai-commit, and doctor finishes.
#[test]
fn doctor_never_reads_a_device_a_repository_links_a_hook_to() {
    for device in ["/dev/zero", "/dev/tty"] {
        let (_standin, env) = world("ok");
        env.set_command_limit(std::time::Duration::from_secs(20));
        let repo = env.repo("hostile");
        repo.git_ok(&["config", "core.hooksPath", ".husky/_"]);
        write_exec(
            &repo.path().join(".husky/_/prepare-commit-msg"),
            "#!/bin/sh\nexit 0\n",
        );
        std::os::unix::fs::symlink(device, repo.path().join(".husky/prepare-commit-msg")).unwrap();

        let out = doctor(&repo);

        assert_problem(
            &out,
            "husky manages this repository's hooks",
            "add the line `ai-commit hook \"$@\"`",
        );
    }
}
