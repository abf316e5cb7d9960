//! `api = "openai"`: the hook against a stand-in OpenAI-compatible server, through the real
//! `git commit`. The streamed reply becomes the message; every failure falls back with exit 0,
//! the summary as the message and one `ai-commit: ` line; the API key goes only into the
//! Authorization header; a repository's file cannot choose the server or the key.

use crate::support::ai_commit_lines;
use crate::support::ollama::closed_port_url;
use crate::support::openai::{Behavior, StandIn, CHAT_PATH};
use crate::support::{assert_within, describe, stderr, stdout, timed, TestEnv};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// The configured timeout of every test here, in seconds.
const TIMEOUT_SECS: f64 = 2.0;
/// Correctness bound on a whole `git commit` beyond the timeout; not a benchmark.
const MARGIN_SECS: f64 = 1.5;
/// The crate's default model, asked for by name.
const MODEL: &str = "gemma3:4b";
/// The fallback summary for a new file `hello.txt`.
const ADD_HELLO: &str = "Add hello.txt";
/// The variable the tests name in `api_key_env`, and the key they put in it.
const KEY_VAR: &str = "AI_COMMIT_TEST_API_KEY";
const KEY: &str = "sk-test-4f9a2c81e7d35b60aa";
/// Text that must never reach a committed message.
const FORBIDDEN: &[&str] = &[
    "error",
    "Error",
    "ai-commit",
    "model server",
    "API key",
    "<html",
    "{",
    "\u{1b}",
];

fn bound() -> Duration {
    Duration::from_secs_f64(TIMEOUT_SECS + MARGIN_SECS)
}

/// The user config pointing at `url`, with `extra` lines.
fn config_for(url: &str, extra: &str) -> String {
    // `body = true`: these replies carry bodies, and the request the configured `max_tokens`.
    format!("api = \"openai\"\nbase_url = \"{url}\"\ntimeout = 2\nbody = true\n{extra}")
}

/// One `git commit` of a new `hello.txt` through the installed hook.
struct Committed {
    out: Output,
    elapsed: Duration,
    /// The committed message, empty when nothing was committed.
    message: String,
    /// The environment, kept for looking at its files.
    env: TestEnv,
}

/// A new environment with `config` as the user's file and `vars` set, a repository with the
/// hook and `hello.txt` staged, then `git commit` (the editor saves the file unchanged).
fn commit_with_config(config: &str, vars: &[(&str, &str)], repo_file: Option<&str>) -> Committed {
    let env = TestEnv::new();
    env.write_config(config);
    for (key, value) in vars {
        env.set_env(key, value);
    }
    let repo = env.repo("repo");
    if let Some(text) = repo_file {
        repo.write(".ai-commit.toml", text);
    }
    repo.stage("hello.txt", "Hello, world!\n");
    repo.install_hook();
    let (out, elapsed) = timed(|| repo.git(&["commit"]));
    let message = if out.status.success() {
        repo.commit_msg_of("HEAD")
    } else {
        String::new()
    };
    drop(repo);
    Committed {
        out,
        elapsed,
        message,
        env,
    }
}

/// Starts a stand-in with `behavior` and commits against it.
fn commit_with(behavior: Behavior) -> (StandIn, Committed) {
    let standin = StandIn::start(behavior);
    let c = commit_with_config(&config_for(&standin.url(), ""), &[], None);
    (standin, c)
}

/// The commit went on, in time, with `expected` as its message and one `ai-commit: ` line,
/// which is returned.
fn assert_committed(c: &Committed, expected: &str) -> String {
    assert!(
        c.out.status.success(),
        "git commit failed\n{}",
        describe(&c.out)
    );
    assert_eq!(c.message, expected, "{}", describe(&c.out));
    for bad in FORBIDDEN {
        assert!(!c.message.contains(bad), "the message contains {bad:?}");
    }
    let lines = ai_commit_lines(&c.out);
    assert_eq!(lines.len(), 1, "{}", describe(&c.out));
    assert_within(c.elapsed, bound(), "git commit");
    lines[0].clone()
}

/// The commit got the model's message.
fn assert_model_message(c: &Committed, expected: &str) {
    let line = assert_committed(c, expected);
    assert!(
        line.starts_with(&format!("ai-commit: message from {MODEL} in ")),
        "{line:?}"
    );
}

/// The commit got the fallback summary; the reason names each of `parts` and never Ollama.
fn assert_fallback(c: &Committed, parts: &[&str]) -> String {
    let line = assert_committed(c, ADD_HELLO);
    let reason = line
        .strip_prefix("ai-commit: no model message (")
        .and_then(|rest| rest.strip_suffix("); wrote a summary instead"))
        .unwrap_or_else(|| panic!("not a fallback line: {line:?}"))
        .to_owned();
    for part in parts {
        assert!(
            reason.contains(part),
            "the reason should mention {part:?}: {line:?}"
        );
    }
    assert!(
        !reason.contains("Ollama") && !reason.contains("ollama"),
        "{line:?}"
    );
    reason
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("read a directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_key_in_no_file(root: &Path) {
    let mut files = Vec::new();
    files_under(root, &mut files);
    assert!(files.len() > 10, "{files:?}");
    for file in files {
        let bytes = fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the key is in {}",
            file.display()
        );
    }
}

// The reply.

#[test]
fn streamed_reply_becomes_the_commit_message() {
    let (standin, c) = commit_with(Behavior::Stream("Add greeting to hello.txt".into()));
    assert_model_message(&c, "Add greeting to hello.txt");
    assert_eq!(standin.chat_requests().len(), 1);
}

#[test]
fn non_streaming_json_answer_is_accepted() {
    let (_standin, c) = commit_with(Behavior::Whole("Add greeting to hello.txt".into()));
    assert_model_message(&c, "Add greeting to hello.txt");
}

#[test]
fn finish_reason_length_keeps_the_complete_paragraphs() {
    let (_standin, c) = commit_with(Behavior::StreamTruncated(
        "Add hello.txt\n\nThe first paragraph is complete.\n\nThe second one is cut in the mid"
            .into(),
    ));
    assert_model_message(&c, "Add hello.txt\n\nThe first paragraph is complete.");
}

// The request.

/// `body = "auto"` asks a small change for its subject alone: one line, which the server ends
/// at the newline (`stop`), so the model writes nothing that is then thrown away.
#[test]
fn a_subject_alone_is_asked_for_as_one_line() {
    let standin = StandIn::start(Behavior::Stream(
        "Add greeting to hello.txt\n\nThe body nobody asked for.".into(),
    ));
    let config = format!(
        "api = \"openai\"\nbase_url = \"{}\"\ntimeout = 2\n",
        standin.url()
    );
    let c = commit_with_config(&config, &[], None);
    assert!(c.out.status.success(), "{}", describe(&c.out));
    assert_eq!(
        c.message,
        "Add greeting to hello.txt",
        "{}",
        describe(&c.out)
    );
    let body = &standin.chat_requests()[0].body;
    assert_eq!(body["stop"], serde_json::json!(["\n"]), "{body:#}");
    assert_eq!(body.get("response_format"), None, "{body:#}");
    assert_eq!(body["max_tokens"].as_u64(), Some(52), "{body:#}");
}

#[test]
fn request_carries_model_limits_stream_and_both_messages_and_no_key() {
    let standin = StandIn::start(Behavior::Stream("Add greeting to hello.txt".into()));
    let extra = "model = \"qwen2.5-coder:1.5b\"\nnum_predict = 100\ntemperature = 0.5\n";
    // A variable that is set but not named in `api_key_env` is never sent.
    let c = commit_with_config(&config_for(&standin.url(), extra), &[(KEY_VAR, KEY)], None);
    assert!(c.out.status.success(), "{}", describe(&c.out));
    assert_eq!(
        c.message,
        "Add greeting to hello.txt",
        "{}",
        describe(&c.out)
    );
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1, "{:#?}", standin.requests());
    let chat = &chats[0];
    assert_eq!(chat.path, CHAT_PATH);
    assert_eq!(chat.header("authorization"), None, "{chat:#?}");
    assert_eq!(
        chat.header("content-type"),
        Some("application/json"),
        "{chat:#?}"
    );
    let body = &chat.body;
    assert_eq!(body["model"], "qwen2.5-coder:1.5b", "{body:#}");
    assert_eq!(body["stream"], Value::Bool(true), "{body:#}");
    assert_eq!(body["max_tokens"].as_u64(), Some(100), "{body:#}");
    assert_eq!(body["temperature"].as_f64(), Some(0.5), "{body:#}");
    assert!(body.get("options").is_none() && body.get("keep_alive").is_none());
    let messages = body["messages"].as_array().expect("messages is an array");
    assert_eq!(messages.len(), 2, "{body:#}");
    assert_eq!(messages[0]["role"], "system", "{body:#}");
    let system = messages[0]["content"].as_str().expect("system content");
    assert!(system.contains("commit message"), "{system}");
    assert_eq!(messages[1]["role"], "user", "{body:#}");
    let user = messages[1]["content"].as_str().expect("user content");
    assert!(
        user.contains("hello.txt") && user.contains("Hello, world!"),
        "{user}"
    );
}

#[test]
fn api_key_goes_only_into_the_authorization_header() {
    let standin = StandIn::start(Behavior::Stream("Add greeting to hello.txt".into()));
    let config = config_for(&standin.url(), &format!("api_key_env = \"{KEY_VAR}\"\n"));
    let c = commit_with_config(&config, &[(KEY_VAR, KEY)], None);
    assert_model_message(&c, "Add greeting to hello.txt");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1);
    assert_eq!(
        chats[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert!(!stdout(&c.out).contains(KEY) && !stderr(&c.out).contains(KEY));
    assert!(!c.message.contains(KEY));

    // `ai-commit config` names the variable, never the key.
    let repo = c.env.root().join("repo");
    let out = c.env.ai_commit(&repo, &["config"]);
    assert!(out.status.success(), "{}", describe(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("api_key_env = \"{KEY_VAR}\"  # ")),
        "{text}"
    );
    assert!(text.contains("api = \"openai\"  # "), "{text}");
    assert!(
        text.contains(&format!("base_url = \"{}\"  # ", standin.url())),
        "{text}"
    );
    assert!(!text.contains(KEY) && !stderr(&out).contains(KEY), "{text}");
    assert_key_in_no_file(c.env.root());
}

#[test]
fn unset_or_empty_key_variable_falls_back_naming_it_without_connecting() {
    let missing = "AI_COMMIT_TEST_UNSET_KEY";
    for vars in [&[][..], &[(missing, "")][..]] {
        let standin = StandIn::start(Behavior::Stream("Add greeting to hello.txt".into()));
        let config = config_for(&standin.url(), &format!("api_key_env = \"{missing}\"\n"));
        let c = commit_with_config(&config, vars, None);
        assert_fallback(&c, &[missing, "api_key_env", "not set or is empty"]);
        assert_eq!(
            standin.connections(),
            0,
            "the request went out without its key"
        );
    }
}

// Failures.

#[test]
fn connection_refused_names_the_model_server_and_its_url() {
    let url = format!("{}/v1", closed_port_url());
    let c = commit_with_config(&config_for(&url, ""), &[], None);
    assert_fallback(
        &c,
        &[&format!("could not connect to the model server at {url}")],
    );
}

#[test]
fn status_401_says_the_key_was_refused_and_never_shows_it() {
    let standin = StandIn::start(Behavior::Status(
        401,
        json!({"error": {"message": "Incorrect API key provided: sk-tes***60aa.",
            "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
    ));
    let config = config_for(&standin.url(), &format!("api_key_env = \"{KEY_VAR}\"\n"));
    let c = commit_with_config(&config, &[(KEY_VAR, KEY)], None);
    assert_fallback(&c, &["401", "the API key was refused", KEY_VAR]);
    assert!(!stderr(&c.out).contains("sk-tes"), "{}", describe(&c.out));
}

#[test]
fn status_404_for_a_wrong_path_or_model_names_both() {
    // `base_url` without `/v1`: the server's router answers 404.
    let standin = StandIn::start(Behavior::Stream("Add greeting to hello.txt".into()));
    let url = standin.url().trim_end_matches("/v1").to_owned();
    let c = commit_with_config(&config_for(&url, ""), &[], None);
    assert_fallback(&c, &["404", "/chat/completions not found", "base_url"]);
    assert!(standin.chat_requests().is_empty());
    // vLLM's answer for a model it does not serve.
    let (_standin, c) = commit_with(Behavior::Status(
        404,
        json!({"object": "error", "message": "The model `gemma3:4b` does not exist.",
            "type": "NotFoundError", "param": null, "code": 404}),
    ));
    assert_fallback(&c, &["404", "model \"gemma3:4b\"", "does not exist"]);
}

#[test]
fn status_429_with_a_plain_error_string_falls_back() {
    let (_standin, c) = commit_with(Behavior::Status(
        429,
        json!({"error": "too many pending requests"}),
    ));
    assert_fallback(&c, &["429", "too many pending requests"]);
}

#[test]
fn status_500_with_an_error_object_falls_back() {
    let (_standin, c) = commit_with(Behavior::Status(
        500,
        json!({"error": {"code": 500, "message": "failed to load model", "type": "server_error"}}),
    ));
    assert_fallback(&c, &["500", "failed to load model"]);
}

#[test]
fn hung_server_cannot_hold_the_commit_past_the_deadline() {
    let (_standin, c) = commit_with(Behavior::Hang);
    assert_fallback(&c, &["no answer from gemma3:4b within 2s"]);
    assert!(
        c.elapsed >= Duration::from_secs_f64(TIMEOUT_SECS),
        "gave up after {:?}, before the timeout",
        c.elapsed
    );
}

#[test]
fn connection_dropped_mid_stream_falls_back() {
    let (_standin, c) = commit_with(Behavior::DropMidStream {
        before: "Add greeting to hel".into(),
    });
    assert_fallback(&c, &[]);
}

#[test]
fn html_page_with_status_200_falls_back() {
    let html = "<html><head><title>Router login</title></head><body>Log in</body></html>\n";
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{html}",
        html.len()
    );
    let (_standin, c) = commit_with(Behavior::Raw(raw.into_bytes()));
    assert_fallback(&c, &["the model server's reply could not be read"]);
}

#[test]
fn error_event_inside_the_stream_falls_back() {
    let (_standin, c) = commit_with(Behavior::StreamError {
        before: "Fix ".into(),
        event: json!({"error": {"message": "an error occurred while running the model",
            "type": "server_error"}}),
    });
    assert_fallback(
        &c,
        &["the model server failed while answering: an error occurred"],
    );
}

#[test]
fn remote_plain_http_base_url_is_refused_before_connecting() {
    // TEST-NET-1: never routed, and never tried.
    let c = commit_with_config(&config_for("http://192.0.2.1:8080/v1", ""), &[], None);
    assert_fallback(
        &c,
        &[
            "not sending the diff to http://192.0.2.1:8080/v1",
            "allow_remote_http",
        ],
    );
    assert_within(c.elapsed, Duration::from_secs(2), "a refused destination");
    // https, which needs no such consent, is tested against a TLS stand-in in `https.rs`.
}

// A repository's own file.

#[test]
fn repository_file_cannot_choose_the_api_the_server_or_the_key() {
    let other = StandIn::start(Behavior::Stream("Add something else entirely".into()));
    for repo_file in [
        format!("base_url = \"{}\"\n", other.url()),
        "api = \"ollama\"\n".to_owned(),
        format!("api_key_env = \"{KEY_VAR}\"\n"),
        format!("api = \"openai\"\nbase_url = \"{}\"\n", other.url()),
    ] {
        let standin = StandIn::start(Behavior::Stream("Add greeting to hello.txt".into()));
        let c = commit_with_config(
            &config_for(&standin.url(), ""),
            &[(KEY_VAR, KEY)],
            Some(&repo_file),
        );
        assert!(c.out.status.success(), "{}", describe(&c.out));
        assert_eq!(
            c.message,
            "Add greeting to hello.txt",
            "{}",
            describe(&c.out)
        );
        let err = stderr(&c.out);
        assert!(
            err.contains("is not allowed in a repository file"),
            "{repo_file:?}\n{}",
            describe(&c.out)
        );
        let chats = standin.chat_requests();
        assert_eq!(chats.len(), 1, "{repo_file:?}");
        assert_eq!(chats[0].header("authorization"), None, "{repo_file:?}");
        assert!(!err.contains(KEY));
    }
    assert_eq!(
        other.connections(),
        0,
        "the repository's server was contacted"
    );
}
