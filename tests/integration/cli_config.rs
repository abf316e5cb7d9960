//! The configuration layers as `ai-commit config` shows them and the binary uses them, the
//! repository file's trust boundary, the command line, and `install`/`uninstall` with the shim.

use crate::support::ollama::{closed_port_url, Behavior, StandIn};
use crate::support::{
    assert_no_requests, assert_ok, describe, stderr, stdout, the_ai_commit_line, TestEnv, BIN,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A reply the message cleaner keeps as it is.
const REPLY: &str = "Add notes file";

/// Every key `ai-commit config` prints, in the README's order.
const KEYS: [&str; 12] = [
    "model",
    "host",
    "prompt",
    "timeout",
    "num_ctx",
    "num_predict",
    "temperature",
    "keep_alive",
    "exclude",
    "sources",
    "fallback",
    "max_subject",
];

/// The shipped shim, as it is in the source tree.
fn shipped_shim() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/prepare-commit-msg");
    fs::read_to_string(&path).expect("read hooks/prepare-commit-msg")
}

/// The line of `ai-commit config`'s output that sets `key`.
fn config_line(out: &Output, key: &str) -> String {
    let text = stdout(out);
    let prefix = format!("{key} = ");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{key} = ` line\n{}", describe(out)))
        .to_owned()
}

/// Exit code, panicking when the process was killed by a signal.
fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal\n{}", describe(out)))
}

fn assert_code(out: &Output, expected: i32, what: &str) {
    assert_eq!(code(out), expected, "{what}\n{}", describe(out));
}

fn make_executable(path: &Path) {
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod 755");
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// A directory outside every repository.
fn outside_dir(env: &TestEnv) -> PathBuf {
    let dir = env.root().join("outside");
    fs::create_dir_all(&dir).expect("create a directory outside any repository");
    dir
}

/// The prompt of config.example.toml (documented as every key at its default).
fn example_prompt() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = fs::read_to_string(path).expect("read config.example.toml");
    let table: toml::Table = toml::from_str(&text).expect("config.example.toml is TOML");
    table["prompt"]
        .as_str()
        .expect("prompt is a string")
        .to_owned()
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

// ---------------------------------------------------------------------------------------------
// Config files that cannot be used
// ---------------------------------------------------------------------------------------------

#[test]
fn config_unknown_key_names_path_line_and_key_and_skips_the_file() {
    let env = TestEnv::new();
    env.write_config("model = \"a:1b\"\ntimeout = 10\nmodle = \"x\"\n");
    let path = env.config_path().display().to_string();

    let out = env.ai_commit(&outside_dir(&env), &["config"]);

    assert_code(&out, 1, "ai-commit config with an unknown key");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{path}:3:")),
        "stderr does not name `{path}:3:`\n{}",
        describe(&out)
    );
    assert!(err.contains("modle"), "{}", describe(&out));
    // Skipped as a whole: the file's valid keys do not apply either.
    assert_eq!(
        config_line(&out, "model"),
        "model = \"gemma3:4b\"  # default"
    );
    assert_eq!(config_line(&out, "timeout"), "timeout = 30  # default");
}

#[test]
fn config_wrong_type_names_path_line_and_key() {
    let env = TestEnv::new();
    env.write_config("model = \"a:1b\"\ntimeout = \"soon\"\n");
    let path = env.config_path().display().to_string();

    let out = env.ai_commit(&outside_dir(&env), &["config"]);

    assert_code(&out, 1, "ai-commit config with a wrong type");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{path}:2: key `timeout`: invalid type: string \"soon\", expected f64"
        )),
        "stderr does not carry the README's form of the error\n{}",
        describe(&out)
    );
    assert_eq!(
        config_line(&out, "model"),
        "model = \"gemma3:4b\"  # default"
    );
}

#[test]
fn config_out_of_range_value_is_reported() {
    let env = TestEnv::new();
    env.write_config("model = \"a:1b\"\n\nnum_predict = 5\n");
    let path = env.config_path().display().to_string();

    let out = env.ai_commit(&outside_dir(&env), &["config"]);

    assert_code(&out, 1, "ai-commit config with num_predict out of range");
    let err = stderr(&out);
    assert!(err.contains(&format!("{path}:3:")), "{}", describe(&out));
    assert!(err.contains("num_predict"), "{}", describe(&out));
}

#[test]
fn hook_runs_with_defaults_when_the_user_config_is_broken() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    env.write_config("model = \"a:1b\"\ntimeout = 10\nmodle = \"x\"\n");
    let path = env.config_path().display().to_string();
    let repo = env.repo("broken-config");
    repo.install_hook();
    repo.stage("notes.txt", "some notes\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a broken config");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1, "{chats:#?}\n{}", describe(&out));
    assert_eq!(chats[0]["model"], "gemma3:4b");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one stderr line expected\n{}",
        describe(&out)
    );
    assert!(lines[0].starts_with("ai-commit: "), "{}", describe(&out));
    assert!(lines[0].contains("config skipped"), "{}", describe(&out));
    assert!(lines[0].contains(&path), "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

#[test]
fn config_shows_each_layer_winning_with_its_origin() {
    let env = TestEnv::new();
    env.write_config("model = \"a:1b\"\nnum_predict = 100\n");
    let user = env.config_path().display().to_string();
    let repo = env.repo("layers");
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        let out = env.ai_commit_with(repo.path(), args, envs);
        assert_ok(&out, &format!("ai-commit {}", args.join(" ")));
        out
    };

    let out = run(&["config"], &[]);
    assert_eq!(
        config_line(&out, "model"),
        format!("model = \"a:1b\"  # {user}")
    );
    // The base environment's OLLAMA_HOST is some closed port; only its origin matters here.
    assert!(config_line(&out, "host").ends_with("  # environment OLLAMA_HOST"));
    assert_eq!(config_line(&out, "num_ctx"), "num_ctx = 8192  # default");
    assert_eq!(
        config_line(&out, "num_predict"),
        format!("num_predict = 100  # {user}")
    );

    // The repository's file, not committed, at the top of the work tree.
    repo.write(".ai-commit.toml", "model = \"b:1b\"\nnum_ctx = 4096\n");
    let repo_file = repo.path().join(".ai-commit.toml").display().to_string();
    let out = run(&["config"], &[]);
    assert_eq!(
        config_line(&out, "model"),
        format!("model = \"b:1b\"  # {repo_file}")
    );
    assert_eq!(
        config_line(&out, "num_ctx"),
        format!("num_ctx = 4096  # {repo_file}")
    );
    assert_eq!(
        config_line(&out, "num_predict"),
        format!("num_predict = 100  # {user}")
    );

    // Found from a subdirectory too, and once committed.
    fs::create_dir_all(repo.path().join("sub/deeper")).expect("mkdir");
    let out = env.ai_commit(&repo.path().join("sub/deeper"), &["config"]);
    assert_ok(&out, "ai-commit config in a subdirectory");
    assert_eq!(
        config_line(&out, "model"),
        format!("model = \"b:1b\"  # {repo_file}")
    );
    repo.git_ok(&["add", ".ai-commit.toml"]);
    repo.git_ok(&["commit", "-q", "-m", "Add the repository config"]);
    let out = run(&["config"], &[]);
    assert_eq!(
        config_line(&out, "model"),
        format!("model = \"b:1b\"  # {repo_file}")
    );

    let model_env = [("AI_COMMIT_MODEL", "c:1b")];
    let out = run(&["config"], &model_env);
    assert_eq!(
        config_line(&out, "model"),
        "model = \"c:1b\"  # environment AI_COMMIT_MODEL"
    );
    assert_eq!(
        config_line(&out, "num_ctx"),
        format!("num_ctx = 4096  # {repo_file}")
    );

    let out = run(&["config", "--model", "d:1b"], &model_env);
    assert_eq!(
        config_line(&out, "model"),
        "model = \"d:1b\"  # flag --model"
    );

    let out = run(&["config", "--timeout", "7", "--host", "10.9.8.7:1"], &[]);
    assert_eq!(
        config_line(&out, "timeout"),
        "timeout = 7  # flag --timeout"
    );
    assert_eq!(
        config_line(&out, "host"),
        "host = \"10.9.8.7:1\"  # flag --host"
    );
}

/// README: "`--model`, `--host` and `--timeout` override the configuration on any command", so
/// they may come before the command's name as well as after it.
#[test]
fn override_flags_before_the_command_name_are_accepted() {
    let env = TestEnv::new();
    let dir = outside_dir(&env);

    let out = env.ai_commit(&dir, &["--model", "d:1b", "config"]);
    assert_code(&out, 0, "ai-commit --model d:1b config");
    assert_eq!(
        config_line(&out, "model"),
        "model = \"d:1b\"  # flag --model"
    );

    let out = env.ai_commit(&dir, &["--timeout", "7", "config", "--prompt"]);
    assert_code(&out, 0, "ai-commit --timeout 7 config --prompt");
    assert!(
        stdout(&out).contains("at most 72 characters"),
        "{}",
        describe(&out)
    );
}

/// Arguments, extra variables, and the model the stand-in must be asked for.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn generate_asks_for_the_winning_model_of_each_layer() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    env.write_config("model = \"a:1b\"\n");
    let repo = env.repo("layers-run");
    repo.write(".ai-commit.toml", "model = \"b:1b\"\n");
    repo.stage("notes.txt", "some notes\n");
    let model_env = [("AI_COMMIT_MODEL", "c:1b")];

    let cases: [Case; 3] = [
        (&["--model", "d:1b"], &model_env, "d:1b"),
        (&[], &model_env, "c:1b"),
        (&[], &[], "b:1b"),
    ];
    for (i, (args, envs, model)) in cases.iter().enumerate() {
        let out = env.ai_commit_with(repo.path(), args, envs);
        assert_ok(&out, &format!("ai-commit {}", args.join(" ")));
        assert_eq!(stdout(&out), format!("{REPLY}\n"), "{}", describe(&out));
        let chats = standin.chat_requests();
        assert_eq!(chats.len(), i + 1, "{chats:#?}");
        assert_eq!(chats[i]["model"], *model, "case {i}: {}", describe(&out));
    }

    fs::remove_file(repo.path().join(".ai-commit.toml")).expect("remove the repository file");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit with the user's file only");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 4, "{chats:#?}");
    assert_eq!(chats[3]["model"], "a:1b", "{}", describe(&out));

    fs::remove_file(env.config_path()).expect("remove the user's file");
    let out = env.ai_commit(repo.path(), &["generate"]);
    assert_ok(&out, "ai-commit generate with no files");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 5, "{chats:#?}");
    assert_eq!(chats[4]["model"], "gemma3:4b", "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// The repository file may not choose the host
// ---------------------------------------------------------------------------------------------

#[test]
fn repository_file_cannot_send_the_diff_elsewhere() {
    let first = StandIn::start(Behavior::Reply(REPLY.into()));
    let second = StandIn::start(Behavior::Reply("Exfiltrate the diff".into()));
    let env = TestEnv::new();
    env.unset_env("OLLAMA_HOST");
    env.write_config(&format!("host = \"{}\"\n", first.url()));
    let repo = env.repo("trust");
    repo.install_hook();
    repo.write(".ai-commit.toml", format!("host = \"{}\"\n", second.url()));
    repo.stage("notes.txt", "secret notes\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a repository file setting host");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    assert_eq!(first.chat_requests().len(), 1, "{}", describe(&out));
    assert_eq!(second.connections(), 0, "{}", describe(&out));
    assert!(second.requests().is_empty());
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one stderr line expected\n{}",
        describe(&out)
    );
    assert!(lines[0].contains("`host`"), "{}", describe(&out));
    assert!(lines[0].contains("not allowed"), "{}", describe(&out));

    // `ai-commit config` says so too, and keeps the user's host.
    let out = repo.ai_commit(&["config"]);
    assert_code(&out, 1, "ai-commit config with a refused repository file");
    assert!(stderr(&out).contains("not allowed"), "{}", describe(&out));
    let user = env.config_path().display().to_string();
    assert_eq!(
        config_line(&out, "host"),
        format!("host = \"{}\"  # {user}", first.url())
    );
    assert_eq!(second.connections(), 0);
}

#[test]
fn repository_file_host_is_refused_without_a_user_host() {
    let second = StandIn::start(Behavior::Reply("Exfiltrate the diff".into()));
    let env = TestEnv::new();
    // Loopback-safe: OLLAMA_HOST stays at a closed port rather than the default 11434.
    env.set_ollama(&closed_port_url());
    let repo = env.repo("trust-nohost");
    repo.install_hook();
    repo.write(
        ".ai-commit.toml",
        format!("model = \"b:1b\"\nhost = \"{}\"\n", second.url()),
    );
    repo.stage("notes.txt", "secret notes\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(second.connections(), 0, "{}", describe(&out));
    assert!(second.requests().is_empty());
    let err = stderr(&out);
    assert!(err.contains("`host`"), "{}", describe(&out));
    assert!(err.contains("not allowed"), "{}", describe(&out));
    // The commit went on with the fallback summary.
    assert!(
        !repo.commit_msg_of("HEAD").is_empty(),
        "{}",
        repo.commit_msg_of("HEAD")
    );

    repo.stage("more.txt", "more notes\n");
    let out = repo.ai_commit(&[]);
    assert_code(&out, 0, "ai-commit falls back to the summary");
    assert!(stderr(&out).contains("not allowed"), "{}", describe(&out));
    assert_eq!(second.connections(), 0, "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// OLLAMA_HOST
// ---------------------------------------------------------------------------------------------

#[test]
fn ollama_host_without_scheme_or_with_trailing_slash_reaches_the_server() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    let port = standin.addr().port();
    let repo = env.repo("hosts");
    repo.stage("notes.txt", "some notes\n");

    let forms = [
        format!("127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}/"),
    ];
    for (i, form) in forms.iter().enumerate() {
        env.set_ollama(form);
        let out = repo.ai_commit(&[]);
        assert_ok(&out, &format!("ai-commit with OLLAMA_HOST={form}"));
        assert_eq!(stdout(&out), format!("{REPLY}\n"), "{}", describe(&out));
        assert_eq!(standin.chat_requests().len(), i + 1, "{}", describe(&out));

        let out = repo.ai_commit(&["config"]);
        assert_ok(&out, "ai-commit config");
        assert_eq!(
            config_line(&out, "host"),
            format!("host = \"{form}\"  # environment OLLAMA_HOST")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The example file, the prompt
// ---------------------------------------------------------------------------------------------

#[test]
fn example_config_is_valid_and_every_key_comes_from_it() {
    let env = TestEnv::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    fs::copy(&example, env.config_path()).expect("copy config.example.toml");
    env.unset_env("OLLAMA_HOST");
    let path = env.config_path().display().to_string();

    let out = env.ai_commit(&outside_dir(&env), &["config"]);

    assert_code(&out, 0, "ai-commit config with the example file");
    assert_eq!(stderr(&out), "", "{}", describe(&out));
    for key in KEYS {
        let line = config_line(&out, key);
        assert!(
            line.ends_with(&format!("  # {path}")),
            "`{key}` does not come from the file: {line}\n{}",
            describe(&out)
        );
    }
    assert!(!stdout(&out).contains("# default"), "{}", describe(&out));
    assert_eq!(
        config_line(&out, "model"),
        format!("model = \"gemma3:4b\"  # {path}")
    );
    assert_eq!(
        config_line(&out, "host"),
        format!("host = \"http://127.0.0.1:11434\"  # {path}")
    );
    assert_eq!(
        config_line(&out, "sources"),
        format!("sources = [\"plain\", \"template\"]  # {path}")
    );
}

/// The README's configuration table lists exactly the keys `ai-commit config` prints, so the
/// reference cannot fall out of step with the code.
#[test]
fn readme_config_table_lists_every_key_and_no_other() {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), &["config"]);
    let printed: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(" = ").next())
        .map(str::to_owned)
        .collect();
    assert!(printed.len() >= 20, "{}", describe(&out));
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("read README.md");
    let table: Vec<String> = readme
        .split("## Configuration")
        .nth(1)
        .expect("a Configuration section")
        .lines()
        .skip_while(|l| !l.starts_with("| key |"))
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .map(str::to_owned)
        .collect();
    let mut a = printed.clone();
    let mut b = table.clone();
    a.sort();
    b.sort();
    assert_eq!(
        a, b,
        "keys printed by `ai-commit config` vs the README table"
    );
}

/// The system message part of `ai-commit config --prompt`: everything before the retry's note.
fn printed_system(out: &Output) -> String {
    let text = stdout(out);
    match text.split_once("\n\n# When a reply cannot be used") {
        Some((system, _)) => system.to_owned(),
        None => panic!("no retry note in {}", describe(out)),
    }
}

#[test]
fn config_prompt_prints_the_instructions_with_the_subject_limit() {
    let env = TestEnv::new();
    let dir = outside_dir(&env);
    let prompt = example_prompt();
    assert!(prompt.contains("{max_subject}"), "{prompt}");

    // Free text: the system message is the prompt alone.
    env.write_config("format = \"text\"\nbody = true\n");
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    assert_code(&out, 0, "ai-commit config --prompt");
    assert_eq!(
        printed_system(&out).trim_end(),
        prompt.replace("{max_subject}", "72").trim_end(),
        "{}",
        describe(&out)
    );
    assert!(stdout(&out).contains("at most 72 characters"));
    assert!(!stdout(&out).contains("{max_subject}"));
    assert!(stdout(&out).contains("That reply cannot be used as a commit message: <why>."));
    assert!(!stdout(&out).contains("JSON schema"), "{}", describe(&out));

    env.write_config("format = \"text\"\nbody = true\nmax_subject = 50\n");
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    assert_code(&out, 0, "ai-commit config --prompt with max_subject = 50");
    assert_eq!(
        printed_system(&out).trim_end(),
        prompt.replace("{max_subject}", "50").trim_end(),
        "{}",
        describe(&out)
    );

    env.write_config(
        "format = \"text\"\nbody = true\nmax_subject = 40\nprompt = \"Subjects up to {max_subject}.\"\n",
    );
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    assert_code(
        &out,
        0,
        "ai-commit config --prompt with a prompt of one's own",
    );
    assert_eq!(
        printed_system(&out),
        "Subjects up to 40.",
        "{}",
        describe(&out)
    );

    // Structured replies (the default with Ollama): the JSON instruction and the schema too.
    env.write_config("body = true\n");
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    let system = printed_system(&out);
    assert!(system.starts_with(prompt.replace("{max_subject}", "72").trim_end()));
    assert!(
        system.ends_with("when the subject says it all}."),
        "{system}"
    );
    // The default, `body = "auto"`, asks a small change for the subject alone.
    env.write_config("");
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    let system = printed_system(&out);
    assert!(
        system.contains("Write only the subject line, no body."),
        "{system}"
    );
    assert!(!system.contains("JSON"), "{system}");
    assert!(
        stdout(&out)
            .contains("# The reply is asked for as one line: the server ends it at the newline."),
        "{}",
        describe(&out)
    );
    // With `format = "json"`, the schema of the subject alone.
    env.write_config("format = \"json\"\n");
    let out = env.ai_commit(&dir, &["config", "--prompt"]);
    let system = printed_system(&out);
    assert!(
        system.ends_with("{\"subject\": the subject line}."),
        "{system}"
    );
    assert!(
        stdout(&out).contains("\"maxLength\":72"),
        "{}",
        describe(&out)
    );
}

#[test]
fn config_prompt_prints_the_system_message_the_model_gets() {
    let standin = StandIn::start(Behavior::Reply("feat: add a notes file".into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("styled");
    for (file, subject) in [
        ("a.txt", "feat(cli): add a flag"),
        ("b.txt", "fix(cli): handle an empty flag"),
        ("c.txt", "docs: describe the flag"),
        ("d.txt", "feat(core): read the flag"),
    ] {
        repo.stage(file, subject);
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.stage("notes.txt", "some notes\n");
    let printed = repo.ai_commit(&["config", "--prompt"]);
    assert_code(&printed, 0, "ai-commit config --prompt in a repository");
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit");
    let (system, _) = crate::support::chat_messages(&standin, &out);
    assert_eq!(printed_system(&printed), system, "{}", describe(&printed));
    // The style learned from the history is part of it.
    assert!(system.contains("Conventional Commits"), "{system}");
    assert!(system.contains("- feat(cli): add a flag\n"), "{system}");
}

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

#[test]
fn sources_with_message_writes_above_a_given_message() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    env.write_config("sources = [\"plain\", \"template\", \"message\"]\n");
    let repo = env.repo("sources-message");
    repo.install_hook();
    repo.stage("notes.txt", "some notes\n");

    let out = repo.git(&["commit", "-m", "mine"]);

    assert_ok(&out, "git commit -m mine");
    assert_eq!(repo.commit_msg_of("HEAD"), format!("{REPLY}\n\nmine"));
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

#[test]
fn default_sources_leave_a_given_message_alone() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("sources-default");
    repo.install_hook();
    repo.stage("notes.txt", "some notes\n");

    let out = repo.git(&["commit", "-m", "mine"]);

    assert_ok(&out, "git commit -m mine");
    assert_eq!(repo.commit_msg_of("HEAD"), "mine");
    assert_eq!(standin.connections(), 0, "{}", describe(&out));
    assert!(standin.requests().is_empty());
    assert_eq!(stderr(&out), "", "{}", describe(&out));
}

#[test]
fn skipped_source_opens_neither_repository_nor_network() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    env.write_config("model = \"a:1b\"\nmodle = \"x\"\n");
    let dir = outside_dir(&env);
    let msgfile = dir.join("COMMIT_EDITMSG");
    let original = "mine\n\n# a comment\n";
    fs::write(&msgfile, original).expect("write the message file");

    let file_arg = msgfile.display().to_string();
    let out = env.ai_commit(&dir, &["hook", &file_arg, "message"]);

    assert_code(&out, 0, "ai-commit hook <file> message");
    assert_eq!(stderr(&out), "", "{}", describe(&out));
    assert_eq!(stdout(&out), "", "{}", describe(&out));
    assert_eq!(fs::read_to_string(&msgfile).expect("read"), original);
    assert_eq!(standin.connections(), 0);

    // The same for a source git may add in the future.
    let out = env.ai_commit(&dir, &["hook", &file_arg, "someday"]);
    assert_code(&out, 0, "ai-commit hook <file> someday");
    assert_eq!(stderr(&out), "", "{}", describe(&out));
    assert_eq!(fs::read_to_string(&msgfile).expect("read"), original);
    assert_eq!(standin.connections(), 0);
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

/// Runs `ai-commit <args>` and asserts exit 0 and that stdout mentions every needle.
fn assert_help(args: &[&str], needles: &[&str]) {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), args);
    assert_code(&out, 0, &format!("ai-commit {}", args.join(" ")));
    let text = stdout(&out);
    for needle in needles {
        assert!(
            text.contains(needle),
            "`ai-commit {}` does not mention {needle:?} on stdout\n{}",
            args.join(" "),
            describe(&out)
        );
    }
}

#[test]
fn help_says_what_ai_commit_does_and_lists_its_commands() {
    assert_help(
        &["--help"],
        &[
            "Ollama",
            "commit message",
            "generate",
            "hook",
            "install",
            "uninstall",
            "config",
            "--model",
            "--host",
            "--timeout",
            "--version",
        ],
    );
}

#[test]
fn help_of_each_command_says_what_it_does() {
    assert_help(&["install", "--help"], &["Install the hook", "--force"]);
    assert_help(&["uninstall", "--help"], &["Remove the hook"]);
    assert_help(&["config", "--help"], &["configuration", "--prompt"]);
    assert_help(&["generate", "--help"], &["staged", "--no-fallback"]);
    assert_help(&["help", "install"], &["Install the hook"]);
}

/// `hook --help` is a request for help like any other command's, not a hook run.
#[test]
fn hook_help_prints_its_usage() {
    assert_help(
        &["hook", "--help"],
        &["prepare-commit-msg", "Usage:", "MSGFILE"],
    );
}

#[test]
fn version_is_printed() {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), &["--version"]);
    assert_code(&out, 0, "ai-commit --version");
    assert_eq!(stdout(&out), "ai-commit 0.1.0\n");
}

#[test]
fn generate_outside_a_repository_fails() {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), &[]);
    assert_code(&out, 1, "ai-commit outside a repository");
    assert!(
        stderr(&out).contains("error: not inside a git repository"),
        "{}",
        describe(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn generate_with_nothing_staged_fails_with_a_hint() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("nothing-staged");

    let out = repo.ai_commit(&[]);
    assert_code(&out, 1, "ai-commit with nothing staged (unborn branch)");
    let err = stderr(&out);
    assert!(
        err.contains("error: nothing is staged"),
        "{}",
        describe(&out)
    );
    assert!(
        err.lines().any(|l| l.starts_with("hint: ")),
        "no hint line\n{}",
        describe(&out)
    );
    assert_eq!(stdout(&out), "");

    repo.stage("a.txt", "a\n");
    repo.git_ok(&["commit", "-q", "-m", "first"]);
    repo.write("a.txt", "changed but not staged\n");
    let out = repo.ai_commit(&["generate"]);
    assert_code(&out, 1, "ai-commit generate with nothing staged");
    assert!(
        stderr(&out).contains("error: nothing is staged"),
        "{}",
        describe(&out)
    );
    assert_eq!(standin.connections(), 0);
}

#[test]
fn hook_with_bad_arguments_exits_zero() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("bad-args");
    repo.stage("notes.txt", "some notes\n");
    let msgfile = repo.git_dir().join("COMMIT_EDITMSG");
    fs::write(&msgfile, "\n# comment\n").expect("write the message file");
    let file_arg = msgfile.display().to_string();

    let out = repo.ai_commit(&["hook"]);
    assert_code(&out, 0, "ai-commit hook without a message file");
    assert!(stderr(&out).lines().count() <= 1, "{}", describe(&out));

    let out = repo.ai_commit(&["hook", &file_arg, "commit", "HEAD", "extra"]);
    assert_code(&out, 0, "ai-commit hook with a fourth argument");
    assert!(stderr(&out).lines().count() <= 1, "{}", describe(&out));
    assert_eq!(fs::read_to_string(&msgfile).expect("read"), "\n# comment\n");

    let out = repo.ai_commit(&["hook", "--no-such-flag"]);
    assert_code(&out, 0, "ai-commit hook with an unknown flag");
    assert_eq!(standin.connections(), 0);
}

/// What a config file is told about a `timeout` it refuses; `--timeout` is told the same.
const TIMEOUT_RULE: &str = "must be a number of seconds above 0, at most 3600";

/// `ai-commit --timeout <value>` with a change staged, for a value the config file's rule for
/// `timeout` refuses: a usage error naming the flag (clap's exit code 2), on one line, before
/// anything is read or sent, not a panic once the deadline is computed nor a silent default.
fn assert_timeout_flag_refused(value: &str) {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("timeout-flag");
    repo.stage("notes.txt", "some notes\n");

    let out = repo.ai_commit(&["--timeout", value]);

    assert_code(&out, 2, &format!("ai-commit --timeout {value}"));
    let expected =
        format!("error: invalid value '{value}' for '--timeout <SECONDS>': {TIMEOUT_RULE}");
    let err = stderr(&out);
    assert_eq!(
        err.lines().next(),
        Some(expected.as_str()),
        "{}",
        describe(&out)
    );
    assert!(!err.contains("panicked"), "{}", describe(&out));
    assert_eq!(stdout(&out), "", "{}", describe(&out));
    assert_no_requests(&standin, &out);
}

#[test]
fn timeout_flag_infinite_is_refused() {
    assert_timeout_flag_refused("inf");
}

#[test]
fn timeout_flag_too_large_for_a_deadline_is_refused() {
    assert_timeout_flag_refused("1e20");
}

#[test]
fn timeout_flag_negative_is_refused_by_the_rule_not_taken_for_a_flag() {
    assert_timeout_flag_refused("-1");
}

#[test]
fn timeout_flag_not_a_number_is_refused() {
    assert_timeout_flag_refused("nan");
}

/// One rule for the key and the flag: the same value gets the same words from both.
#[test]
fn timeout_in_a_file_and_on_the_command_line_meet_one_rule() {
    let env = TestEnv::new();
    let dir = outside_dir(&env);
    env.write_config("timeout = 1e20\n");
    let path = env.config_path().display().to_string();

    let out = env.ai_commit(&dir, &["config"]);
    assert_code(&out, 1, "ai-commit config with timeout = 1e20");
    assert!(
        stderr(&out).contains(&format!("{path}:1: key `timeout`: {TIMEOUT_RULE}")),
        "{}",
        describe(&out)
    );

    fs::remove_file(env.config_path()).expect("remove the user's file");
    let out = env.ai_commit(&dir, &["config", "--timeout", "1e20"]);
    assert_code(&out, 2, "ai-commit config --timeout 1e20");
    assert!(
        stderr(&out).contains(&format!("'--timeout <SECONDS>': {TIMEOUT_RULE}")),
        "{}",
        describe(&out)
    );
    // A value the rule accepts still goes through.
    let out = env.ai_commit(&dir, &["config", "--timeout", "3600"]);
    assert_code(&out, 0, "ai-commit config --timeout 3600");
    assert_eq!(
        config_line(&out, "timeout"),
        "timeout = 3600  # flag --timeout"
    );
}

/// Every override flag gets its key's rule, not only `--timeout`.
#[test]
fn model_flag_empty_is_refused_like_an_empty_model_key() {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), &["config", "--model", " "]);
    assert_code(&out, 2, "ai-commit config --model ' '");
    assert_eq!(
        stderr(&out).lines().next(),
        Some("error: invalid value ' ' for '--model <NAME>': must not be empty"),
        "{}",
        describe(&out)
    );
}

/// The hook never stops a commit, a refused flag included: one stderr line naming the flag,
/// exit 0, the message file as git wrote it, nothing sent.
#[test]
fn hook_with_a_refused_timeout_flag_leaves_the_message_and_exits_zero() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("hook-timeout-flag");
    repo.stage("notes.txt", "some notes\n");
    let msgfile = repo.git_dir().join("COMMIT_EDITMSG");
    let original = "\n# Please enter the commit message for your changes.\n";
    fs::write(&msgfile, original).expect("write the message file");
    let file_arg = msgfile.display().to_string();

    let out = repo.ai_commit(&["hook", "--timeout", "inf", &file_arg]);

    assert_code(&out, 0, "ai-commit hook --timeout inf <file>");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", describe(&out));
    assert_eq!(
        the_ai_commit_line(&out),
        format!(
            "ai-commit: error: invalid value 'inf' for '--timeout <SECONDS>': {TIMEOUT_RULE}; \
             message left as it was"
        ),
        "{}",
        describe(&out)
    );
    assert_eq!(fs::read_to_string(&msgfile).expect("read"), original);
    assert_no_requests(&standin, &out);
}

// ---------------------------------------------------------------------------------------------
// install / uninstall
// ---------------------------------------------------------------------------------------------

/// The paths install may record for the binary under test.
fn binary_paths() -> Vec<String> {
    let mut paths = vec![BIN.to_owned()];
    if let Ok(canonical) = fs::canonicalize(BIN) {
        paths.push(canonical.display().to_string());
    }
    paths
}

fn assert_is_our_shim(hook: &Path) {
    let text = fs::read_to_string(hook)
        .unwrap_or_else(|e| panic!("read the installed hook {}: {e}", hook.display()));
    assert!(text.starts_with("#!/bin/sh\n"), "{text}");
    assert!(text.contains("ai-commit-shim"), "{text}");
    assert!(
        binary_paths()
            .iter()
            .any(|p| text.contains(&format!("AI_COMMIT_INSTALLED_BIN='{p}'\n"))),
        "the absolute binary path ({:?}) is not recorded:\n{text}",
        binary_paths()
    );
    assert!(is_executable(hook), "{} is not executable", hook.display());
}

#[test]
fn install_writes_an_executable_shim_recording_the_binary() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("install");

    let out = repo.ai_commit(&["install"]);

    assert_code(&out, 0, "ai-commit install");
    let hook = repo.hook_path();
    assert_eq!(hook, repo.git_dir().join("hooks/prepare-commit-msg"));
    assert_is_our_shim(&hook);
    assert!(stdout(&out).contains("installed"), "{}", describe(&out));

    // The recorded path works where PATH has no ai-commit and AI_COMMIT_BIN is unset.
    env.unset_env("AI_COMMIT_BIN");
    env.set_env("PATH", &path_without_ai_commit());
    repo.stage("notes.txt", "some notes\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit through the recorded path");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

#[test]
fn install_honours_a_relative_core_hooks_path() {
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("hookspath");
    repo.git_ok(&["config", "core.hooksPath", ".githooks"]);

    let out = repo.ai_commit(&["install"]);

    assert_code(&out, 0, "ai-commit install with core.hooksPath");
    let hook = repo.path().join(".githooks/prepare-commit-msg");
    assert_is_our_shim(&hook);
    assert!(!repo.git_dir().join("hooks/prepare-commit-msg").exists());

    // git runs it.
    repo.stage("notes.txt", "some notes\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit with core.hooksPath");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
}

#[test]
fn install_from_a_subdirectory_honours_the_relative_hooks_path() {
    let env = TestEnv::new();
    let repo = env.repo("hookspath-sub");
    repo.git_ok(&["config", "core.hooksPath", ".githooks"]);
    let sub = repo.path().join("src/deep");
    fs::create_dir_all(&sub).expect("mkdir");

    let out = env.ai_commit(&sub, &["install"]);

    assert_code(&out, 0, "ai-commit install in a subdirectory");
    // git runs hooks from the top of the work tree: a relative hooksPath is relative to it.
    assert_is_our_shim(&repo.path().join(".githooks/prepare-commit-msg"));
    assert!(
        !sub.join(".githooks").exists(),
        "installed under the subdirectory\n{}",
        describe(&out)
    );
}

#[test]
fn install_refuses_a_foreign_hook_and_force_keeps_it_for_uninstall() {
    let env = TestEnv::new();
    let repo = env.repo("foreign");
    let hook = repo.hook_path();
    let foreign = b"#!/bin/sh\necho mine\n";
    fs::write(&hook, foreign).expect("write a foreign hook");
    make_executable(&hook);
    let backup = PathBuf::from(format!("{}.before-ai-commit", hook.display()));

    let out = repo.ai_commit(&["install"]);
    assert_code(&out, 1, "ai-commit install over a foreign hook");
    let err = stderr(&out);
    assert!(err.contains("is not ai-commit's"), "{}", describe(&out));
    assert!(err.contains("--force"), "{}", describe(&out));
    assert_eq!(fs::read(&hook).expect("read"), foreign);
    assert!(!backup.exists());

    // Uninstall leaves a foreign hook alone too.
    let out = repo.ai_commit(&["uninstall"]);
    assert_code(&out, 1, "ai-commit uninstall of a foreign hook");
    assert!(
        stderr(&out).contains("not ai-commit's"),
        "{}",
        describe(&out)
    );
    assert_eq!(fs::read(&hook).expect("read"), foreign);

    let out = repo.ai_commit(&["install", "--force"]);
    assert_code(&out, 0, "ai-commit install --force");
    assert_is_our_shim(&hook);
    assert_eq!(fs::read(&backup).expect("read the kept hook"), foreign);

    // Re-installing over our own keeps the set-aside hook.
    let out = repo.ai_commit(&["install", "--force"]);
    assert_code(&out, 0, "ai-commit install --force again");
    assert_eq!(fs::read(&backup).expect("read the kept hook"), foreign);

    let out = repo.ai_commit(&["uninstall"]);
    assert_code(&out, 0, "ai-commit uninstall");
    assert_eq!(fs::read(&hook).expect("read the restored hook"), foreign);
    assert!(is_executable(&hook));
    assert!(!backup.exists());
}

#[test]
fn reinstall_updates_and_uninstall_without_a_hook_succeeds() {
    let env = TestEnv::new();
    let repo = env.repo("reinstall");

    let out = repo.ai_commit(&["uninstall"]);
    assert_code(&out, 0, "ai-commit uninstall with nothing installed");

    let out = repo.ai_commit(&["install"]);
    assert_code(&out, 0, "ai-commit install");
    let hook = repo.hook_path();
    // An old copy of the shim: the binary path is updated in place.
    let stale: String = fs::read_to_string(&hook)
        .expect("read")
        .lines()
        .map(|l| {
            if l.starts_with("AI_COMMIT_INSTALLED_BIN=") {
                "AI_COMMIT_INSTALLED_BIN='/old/place/ai-commit'\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(stale.contains("/old/place"), "{stale}");
    fs::write(&hook, stale).expect("write a stale shim");

    let out = repo.ai_commit(&["install"]);
    assert_code(&out, 0, "ai-commit install again");
    assert!(stdout(&out).contains("updated"), "{}", describe(&out));
    assert_is_our_shim(&hook);
    assert!(!fs::read_to_string(&hook)
        .expect("read")
        .contains("/old/place"));

    let out = repo.ai_commit(&["uninstall"]);
    assert_code(&out, 0, "ai-commit uninstall");
    assert!(!hook.exists());
    let out = repo.ai_commit(&["uninstall"]);
    assert_code(&out, 0, "ai-commit uninstall again");
    assert!(!hook.exists());
}

#[test]
fn install_outside_a_repository_fails() {
    let env = TestEnv::new();
    let out = env.ai_commit(&outside_dir(&env), &["install"]);
    assert_code(&out, 1, "ai-commit install outside a repository");
    assert!(stderr(&out).starts_with("error: "), "{}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// The shim never stops a commit
// ---------------------------------------------------------------------------------------------

fn repo_with_shipped_shim<'a>(env: &'a TestEnv, name: &str) -> crate::support::Repo<'a> {
    let repo = env.repo(name);
    let hook = repo.hook_path();
    fs::write(&hook, shipped_shim()).expect("write the shipped shim");
    make_executable(&hook);
    repo.stage("notes.txt", "some notes\n");
    repo
}

#[test]
fn shim_without_a_binary_lets_the_commit_through() {
    let env = TestEnv::new();
    env.set_env("PATH", &path_without_ai_commit());

    env.set_env("AI_COMMIT_BIN", "/nonexistent/ai-commit");
    let repo = repo_with_shipped_shim(&env, "shim-missing");
    let out = repo.git(&["commit", "-m", "x"]);
    assert_ok(&out, "git commit -m x with AI_COMMIT_BIN missing");
    assert_eq!(repo.commit_msg_of("HEAD"), "x");
    assert_eq!(stderr(&out), "", "{}", describe(&out));

    env.unset_env("AI_COMMIT_BIN");
    let repo = repo_with_shipped_shim(&env, "shim-unset");
    let out = repo.git(&["commit", "-m", "x"]);
    assert_ok(&out, "git commit -m x with no binary anywhere");
    assert_eq!(repo.commit_msg_of("HEAD"), "x");
    assert_eq!(stderr(&out), "", "{}", describe(&out));

    // The editor flow too.
    repo.stage("more.txt", "more\n");
    let (editor, _) = env.editor_replace("by hand\n");
    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
    assert_ok(&out, "git commit with no binary anywhere");
    assert_eq!(repo.commit_msg_of("HEAD"), "by hand");
    assert_eq!(stderr(&out), "", "{}", describe(&out));
}

#[test]
fn shim_with_a_failing_binary_lets_the_commit_through() {
    let env = TestEnv::new();
    let failing = env.write_script("failing-ai-commit", "echo boom >&2\nexit 3\n");
    let failing = failing.trim_matches('\'').to_owned();
    env.set_env("AI_COMMIT_BIN", &failing);
    let repo = repo_with_shipped_shim(&env, "shim-failing");

    let out = repo.git(&["commit", "-m", "x"]);
    assert_ok(&out, "git commit -m x with a failing binary");
    assert_eq!(repo.commit_msg_of("HEAD"), "x");

    repo.stage("more.txt", "more\n");
    let (editor, _) = env.editor_replace("by hand\n");
    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
    assert_ok(&out, "git commit in the editor flow with a failing binary");
    assert_eq!(repo.commit_msg_of("HEAD"), "by hand");
}
