//! `ai-commit doctor`: every problem it is meant to find, each with its fix and exit status 1,
//! and a clean bill of health (exit 0) when all is well. Also the generated completions and
//! man page.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use crate::support::ollama::{closed_port_url, Behavior, StandIn, CONTEXT_LENGTH, VERSION};
use crate::support::{describe, stdout, the_ai_commit_line, world, Repo, TestEnv};

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

#[test]
fn hooks_path_shadowing_and_skipped_local_hooks_are_problems() {
    let (_standin, env) = world("ok");
    let repo = env.repo("shadow");
    repo.install_hook();
    let pre_commit = repo.git_dir().join("hooks/pre-commit");
    fs::write(&pre_commit, "#!/bin/sh\nexit 0\n").unwrap();
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
        "is ai-commit's, but git does not run it",
        "ai-commit install",
    );
    assert_problem(
        &out,
        "git skips this repository's own hooks (pre-commit)",
        "ai-commit install --global --force",
    );

    // With ai-commit's own global install, the same local hooks run through it: no problem.
    env.git(
        env.root(),
        &["config", "--global", "--unset", "core.hooksPath"],
    );
    let out = repo.ai_commit(&["install", "--global"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let out = doctor(&repo);
    assert_ok_line(
        &out,
        "own hooks run through ai-commit's global hooks: pre-commit",
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
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
