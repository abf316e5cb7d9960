//! When Ollama is down, slow or wrong: every fault a server (or a model) can produce, driven
//! through the installed hook and the real `git commit`. The commit always goes on, with the
//! fallback summary (or the cleaned model message), one `ai-commit: ` line on stderr that names
//! the reason, and within the configured timeout plus a margin.

use crate::support::ollama::{closed_port_url, Behavior, StandIn};
use crate::support::the_ai_commit_line;
use crate::support::{assert_within, describe, stderr, stdout, timed, Repo, TestEnv};
use serde_json::Value;
use std::fs;
use std::process::Output;
use std::time::Duration;

/// The configured timeout of every test here, in seconds.
const TIMEOUT_SECS: f64 = 2.0;
/// The user config of every test here.
/// `body = true`: these replies carry bodies, and the request the configured `num_predict`.
const CONFIG: &str = "timeout = 2\nbody = true\n";
/// Correctness bound on a whole `git commit`: the timeout plus a margin for git and process
/// start-up. Not a benchmark.
const MARGIN_SECS: f64 = 1.5;
/// The model the stand-in serves and the crate asks for by default.
const MODEL: &str = "gemma3:4b";
/// The fallback summary for a new file `hello.txt`.
const ADD_HELLO: &str = "Add hello.txt";
/// The fallback summary for a modified `journal.txt`.
const UPDATE_JOURNAL: &str = "Update journal.txt";
/// Text that must never reach a committed message: error text, our name, server output,
/// HTML, JSON, terminal escapes.
const FORBIDDEN: &[&str] = &[
    "error",
    "Error",
    "ai-commit",
    "Ollama",
    "runner",
    "<html",
    "{",
    "\u{1b}",
];
/// The reason the hook gives when the deadline passed with the default model and `timeout = 2`.
const TIMEOUT_REASON: &str = "no answer from gemma3:4b within 2s";

fn bound() -> Duration {
    Duration::from_secs_f64(TIMEOUT_SECS + MARGIN_SECS)
}

/// Panics if a committed (or printed) message carries anything of [`FORBIDDEN`].
fn assert_clean_message(message: &str) {
    for bad in FORBIDDEN {
        assert!(
            !message.contains(bad),
            "the message contains {bad:?}:\n{message}"
        );
    }
}

/// The reason inside `ai-commit: no model message (<reason>); wrote a summary instead`.
fn fallback_reason(line: &str) -> String {
    let reason = line
        .strip_prefix("ai-commit: no model message (")
        .and_then(|rest| rest.strip_suffix("); wrote a summary instead"))
        .unwrap_or_else(|| panic!("not a fallback line: {line:?}"));
    assert!(!reason.trim().is_empty(), "empty reason in {line:?}");
    reason.to_owned()
}

/// What the staged change of a test is.
#[derive(Clone, Copy)]
enum Change {
    /// A new file `hello.txt` in a repository without commits.
    AddHello,
    /// A modification of the committed `journal.txt`.
    UpdateJournal,
}

impl Change {
    fn summary(self) -> &'static str {
        match self {
            Change::AddHello => ADD_HELLO,
            Change::UpdateJournal => UPDATE_JOURNAL,
        }
    }

    fn prepare(self, repo: &Repo<'_>) {
        match self {
            Change::AddHello => repo.stage("hello.txt", "Hello, world!\n"),
            Change::UpdateJournal => {
                repo.stage("journal.txt", "Monday: wrote tests.\n");
                repo.git_ok(&["commit", "-q", "-m", "Start the journal"]);
                repo.stage("journal.txt", "Monday: wrote tests.\nTuesday: ran them.\n");
            }
        }
    }
}

/// One `git commit` through the installed hook, in the editor flow.
struct Committed {
    out: Output,
    elapsed: Duration,
    /// The committed message, or empty when nothing was committed.
    message: String,
    /// The message file as the editor saw it.
    editor_saw: String,
}

/// A new environment pointing at `url` with `config`, a repository with the hook and `change`
/// staged, then `git commit` with an editor that captures the file and saves it unchanged.
fn commit_against(url: &str, config: &str, change: Change) -> Committed {
    let env = TestEnv::new();
    env.set_ollama(url);
    env.write_config(config);
    let repo = env.repo("repo");
    change.prepare(&repo);
    repo.install_hook();
    let (editor, captured) = env.editor_capture();
    let (out, elapsed) = timed(|| repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]));
    let message = if out.status.success() {
        repo.commit_msg_of("HEAD")
    } else {
        String::new()
    };
    let editor_saw = fs::read_to_string(&captured).unwrap_or_default();
    Committed {
        out,
        elapsed,
        message,
        editor_saw,
    }
}

/// What every commit here must satisfy: it went on, in time, with a clean message, one
/// `ai-commit: ` line on stderr and the same line as a comment under the message in the
/// editor. Returns that stderr line.
fn assert_committed(c: &Committed, expected: &str) -> String {
    assert!(
        c.out.status.success(),
        "git commit failed\n{}",
        describe(&c.out)
    );
    assert_eq!(c.message, expected, "{}", describe(&c.out));
    assert_clean_message(&c.message);
    let line = the_ai_commit_line(&c.out);
    let head = format!("{expected}\n# {line}\n");
    assert!(
        c.editor_saw.starts_with(&head),
        "the editor should have seen {head:?} at the top, saw:\n{}",
        c.editor_saw
    );
    assert_within(c.elapsed, bound(), "git commit");
    line
}

/// The commit got the fallback summary; returns the reason, checked to contain each of
/// `reason_parts`.
fn assert_fallback(c: &Committed, change: Change, reason_parts: &[&str]) -> String {
    let line = assert_committed(c, change.summary());
    let reason = fallback_reason(&line);
    for part in reason_parts {
        assert!(
            reason.contains(part),
            "the reason should mention {part:?}: {line:?}"
        );
    }
    reason
}

/// The commit got the model's cleaned message.
fn assert_model_message(c: &Committed, expected: &str) {
    let line = assert_committed(c, expected);
    assert!(
        line.starts_with(&format!("ai-commit: message from {MODEL} in ")),
        "{line:?}"
    );
}

/// Starts a stand-in with `behavior` and commits `change` against it.
fn commit_with(behavior: Behavior, change: Change) -> Committed {
    let standin = StandIn::start(behavior);
    let committed = commit_against(&standin.url(), CONFIG, change);
    drop(standin);
    committed
}

/// A whole HTTP response with a Content-Length body, as `Behavior::Raw` sends it.
fn raw_response(status_line: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{status_line}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

// 1. Nothing listens.

#[test]
fn connection_refused_falls_back_at_once_and_names_ollama_serve() {
    let url = closed_port_url();
    let c = commit_against(&url, CONFIG, Change::UpdateJournal);
    assert_fallback(
        &c,
        Change::UpdateJournal,
        &[
            &format!("could not connect to Ollama at {url}"),
            "ollama serve",
        ],
    );
    assert_within(
        c.elapsed,
        Duration::from_secs(1),
        "a commit against a closed port",
    );
}

// 2. A server that takes the connection and then says nothing.

fn assert_timed_out(c: &Committed) {
    assert_fallback(c, Change::AddHello, &[TIMEOUT_REASON]);
    assert!(
        c.elapsed >= Duration::from_secs_f64(TIMEOUT_SECS),
        "gave up after {:?}, before the configured timeout",
        c.elapsed
    );
}

#[test]
fn server_that_accepts_and_never_reads_times_out() {
    let c = commit_with(Behavior::AcceptNoRead, Change::AddHello);
    assert_timed_out(&c);
}

#[test]
fn server_that_reads_and_never_answers_times_out() {
    let c = commit_with(Behavior::Hang, Change::AddHello);
    assert_timed_out(&c);
}

// 3. A trickle that would keep an idle timeout happy forever.

#[test]
fn slow_bytes_cannot_stretch_the_overall_deadline() {
    let c = commit_with(
        Behavior::SlowBytes {
            content: "Add greeting to hello.txt".into(),
            delay_ms: 50,
        },
        Change::AddHello,
    );
    assert_timed_out(&c);
}

// 4. The connection drops in the middle of the body.

#[test]
fn connection_dropped_mid_body_falls_back() {
    let c = commit_with(
        Behavior::DropMidBody {
            before: "Add greeting to hel".into(),
        },
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
}

// 5. Error statuses.

fn assert_status_falls_back(status: u16, server_text: &str, reason_parts: &[&str]) {
    let c = commit_with(
        Behavior::Status(status, server_text.to_owned()),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, reason_parts);
    assert!(
        !c.message.contains(server_text),
        "the server's text reached the message: {:?}",
        c.message
    );
}

#[test]
fn status_400_falls_back() {
    assert_status_falls_back(
        400,
        "registry.ollama.ai/library/gemma3:4b does not support thinking",
        &["400"],
    );
}

#[test]
fn status_404_model_not_found_says_to_pull_it() {
    assert_status_falls_back(
        404,
        "model \"gemma3:4b\" not found, try pulling it first",
        &["ollama pull gemma3:4b"],
    );
}

#[test]
fn status_429_falls_back() {
    assert_status_falls_back(
        429,
        "server busy, please try again.  maximum pending requests exceeded",
        &["429"],
    );
}

#[test]
fn status_500_runner_crash_falls_back() {
    assert_status_falls_back(500, "llama runner process has terminated", &["500"]);
}

#[test]
fn status_503_falls_back() {
    assert_status_falls_back(503, "server overloaded, please try again later", &["503"]);
}

// 6. Status 200 with something that is not Ollama's reply.

#[test]
fn html_page_with_status_200_falls_back() {
    let html = b"<html><head><title>Router login</title></head>\
                 <body><h1>Please log in</h1></body></html>\n";
    let c = commit_with(
        Behavior::Raw(raw_response("HTTP/1.1 200 OK", "text/html", html)),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
}

#[test]
fn malformed_json_with_status_200_falls_back() {
    let body = b"{\"model\":\"gemma3:4b\",\"message\":{\"role\":\"assistant\",\
                 \"content\":\"Add greeting\"},\"done\":tru\n";
    let c = commit_with(
        Behavior::Raw(raw_response(
            "HTTP/1.1 200 OK",
            "application/x-ndjson",
            body,
        )),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
}

#[test]
fn invalid_utf8_inside_the_content_falls_back() {
    let mut body = Vec::new();
    body.extend_from_slice(
        b"{\"model\":\"gemma3:4b\",\"created_at\":\"2026-01-01T00:00:00Z\",\
          \"message\":{\"role\":\"assistant\",\"content\":\"Add gr\xff\xfeeting \xc3\"},\
          \"done\":false}\n",
    );
    body.extend_from_slice(
        b"{\"model\":\"gemma3:4b\",\"created_at\":\"2026-01-01T00:00:00Z\",\
          \"message\":{\"role\":\"assistant\",\"content\":\"\"},\
          \"done\":true,\"done_reason\":\"stop\"}\n",
    );
    let c = commit_with(
        Behavior::Raw(raw_response(
            "HTTP/1.1 200 OK",
            "application/x-ndjson",
            &body,
        )),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
    assert!(!c.message.contains('\u{fffd}'), "{:?}", c.message);
}

// 7. A reply without end.

#[test]
fn huge_reply_is_cut_off_in_time() {
    let c = commit_with(Behavior::Huge { bytes: 50_000_000 }, Change::AddHello);
    assert!(
        c.out.status.success(),
        "git commit failed\n{}",
        describe(&c.out)
    );
    let line = the_ai_commit_line(&c.out);
    assert!(!c.message.is_empty(), "{}", describe(&c.out));
    assert_clean_message(&c.message);
    if c.message == ADD_HELLO {
        fallback_reason(&line);
    }
    assert!(
        c.editor_saw.contains(&format!("\n# {line}\n")),
        "the editor did not see the comment line:\n{}",
        c.editor_saw
    );
    assert_within(c.elapsed, bound(), "git commit against a huge reply");
}

// 8. Terminal escapes and control characters from the model.

#[test]
fn ansi_escapes_and_control_characters_are_removed() {
    let c = commit_with(
        Behavior::Reply("\u{1b}[31mGreet in\u{1b}[0m hello.txt\u{7}".into()),
        Change::AddHello,
    );
    assert_model_message(&c, "Greet in hello.txt");
    assert!(!c.message.contains('\u{7}'), "{:?}", c.message);
}

// 9. Thinking.

#[test]
fn reply_of_only_a_think_block_falls_back() {
    let c = commit_with(
        Behavior::Reply("<think>pondering</think>".into()),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
    assert!(!c.message.contains("pondering"));
}

#[test]
fn thinking_trace_is_not_used_but_the_content_is() {
    let c = commit_with(
        Behavior::Thinking {
            thinking: "The user added hello.txt; pondering a subject line".into(),
            content: "Add hello.txt greeting".into(),
        },
        Change::AddHello,
    );
    assert_model_message(&c, "Add hello.txt greeting");
    assert!(!c.message.contains("pondering"), "{:?}", c.message);
    assert!(!c.editor_saw.contains("pondering"), "{}", c.editor_saw);
}

// 10. Nothing at all.

#[test]
fn empty_reply_falls_back() {
    let c = commit_with(Behavior::Reply(String::new()), Change::UpdateJournal);
    assert_fallback(&c, Change::UpdateJournal, &[]);
}

// 11. Cut at num_predict.

#[test]
fn reply_cut_at_num_predict_keeps_the_complete_paragraphs() {
    let c = commit_with(
        Behavior::ReplyTruncated(
            "Add hello.txt\n\nThe first paragraph is complete.\n\nThe second one is cut in the mid"
                .into(),
        ),
        Change::AddHello,
    );
    assert_model_message(&c, "Add hello.txt\n\nThe first paragraph is complete.");
}

// A reply about something the change does not contain.

#[test]
fn reply_unrelated_to_the_change_falls_back() {
    let c = commit_with(
        Behavior::Reply("Reflect on personal struggles with burnout".into()),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &["mentions nothing in the change"]);
    assert!(!c.message.contains("burnout"));
}

// 12. An error line in the middle of a 200 stream.

#[test]
fn error_line_inside_the_stream_falls_back() {
    let c = commit_with(
        Behavior::StreamError {
            before: "Fix ".into(),
            error: "an error was encountered while running the model".into(),
        },
        Change::AddHello,
    );
    assert_fallback(
        &c,
        Change::AddHello,
        &["an error was encountered while running the model"],
    );
    assert!(!c.message.contains("Fix "), "{:?}", c.message);
}

// 13. What small models wrap around a message.

#[test]
fn chatty_reply_is_reduced_to_the_message() {
    let c = commit_with(
        Behavior::Reply(
            "Sure! Here is a commit message for your changes:\n\n```\nAdd greeting to \
             hello.txt\n\nSay hello in English.\n```\n\nThis commit message follows best \
             practices."
                .into(),
        ),
        Change::AddHello,
    );
    assert_model_message(&c, "Add greeting to hello.txt\n\nSay hello in English.");
}

// 14. A reply that is the diff again.

#[test]
fn reply_echoing_the_diff_falls_back() {
    let c = commit_with(
        Behavior::Reply("diff --git a/hello.txt b/hello.txt\n@@ -0,0 +1 @@\n+hello".into()),
        Change::AddHello,
    );
    assert_fallback(&c, Change::AddHello, &[]);
    assert!(!c.message.contains("diff --git"), "{:?}", c.message);
}

// 15. A subject that cannot be shortened at a sentence break.

#[test]
fn subject_of_150_characters_without_a_break_falls_back() {
    let subject = "Update the greeting in hello.txt so that it says hello to everyone in the \
                   whole wide world and not only to the few people who happen to read this file";
    assert_eq!(subject.chars().count(), 150);
    let c = commit_with(Behavior::Reply(subject.into()), Change::AddHello);
    assert_fallback(&c, Change::AddHello, &[]);
}

// 16. `fallback = "none"`: the user's choice to get git's own text.

#[test]
fn fallback_none_leaves_gits_text_and_git_aborts_the_empty_message() {
    let url = closed_port_url();
    let env = TestEnv::new();
    env.set_ollama(&url);
    env.write_config("timeout = 2\nfallback = \"none\"\n");

    // What git itself puts in the file for the same change, without the hook.
    let reference = env.repo("reference");
    reference.stage("hello.txt", "Hello, world!\n");
    let (editor, captured) = env.editor_capture();
    let out = reference.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
    assert!(!out.status.success(), "{}", describe(&out));
    let gits_text = fs::read_to_string(&captured).expect("the editor ran without the hook");
    assert!(
        gits_text.starts_with("\n# Please enter the commit message"),
        "{gits_text:?}"
    );

    let repo = env.repo("repo");
    repo.stage("hello.txt", "Hello, world!\n");
    repo.install_hook();
    let (editor, captured) = env.editor_capture();
    let (out, elapsed) = timed(|| repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]));

    assert!(
        !out.status.success(),
        "git commit must abort on the empty message\n{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("Aborting commit due to empty commit message"),
        "{}",
        describe(&out)
    );
    let line = the_ai_commit_line(&out);
    assert!(
        line.starts_with("ai-commit: no model message (") && line.ends_with(')'),
        "{line:?}"
    );
    assert!(
        line.contains(&format!("could not connect to Ollama at {url}")),
        "{line:?}"
    );
    assert!(!line.contains("wrote a summary"), "{line:?}");
    let seen = fs::read_to_string(&captured).expect("the editor ran with the hook");
    assert_eq!(
        seen,
        format!("# {line}\n{gits_text}"),
        "the file should be git's text with our one comment line"
    );
    assert!(
        seen.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "only comments and blank lines may be in the file:\n{seen}"
    );
    let head = repo.git(&["rev-parse", "--verify", "--quiet", "HEAD"]);
    assert!(
        !head.status.success(),
        "something was committed: {}",
        describe(&head)
    );
    assert_within(elapsed, bound(), "git commit with fallback = none");
}

// 17. The request itself.

#[test]
fn chat_request_carries_the_configured_options() {
    let standin = StandIn::start(Behavior::Reply("Add greeting to hello.txt".into()));
    let c = commit_against(&standin.url(), CONFIG, Change::AddHello);
    assert_model_message(&c, "Add greeting to hello.txt");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1, "{chats:#?}");
    let chat = &chats[0];
    assert_eq!(chat["model"], MODEL, "{chat:#}");
    assert_eq!(chat["stream"], Value::Bool(true), "{chat:#}");
    assert_eq!(chat["think"], Value::Bool(false), "{chat:#}");
    assert_eq!(chat["keep_alive"], "30m", "{chat:#}");
    assert_eq!(chat["options"]["num_ctx"].as_u64(), Some(8192), "{chat:#}");
    assert_eq!(
        chat["options"]["num_predict"].as_u64(),
        Some(256),
        "{chat:#}"
    );
    assert_eq!(
        chat["options"]["temperature"].as_f64(),
        Some(0.2),
        "{chat:#}"
    );
    let messages = chat["messages"].as_array().expect("messages is an array");
    assert_eq!(messages.len(), 2, "{chat:#}");
    assert_eq!(messages[0]["role"], "system", "{chat:#}");
    assert_eq!(messages[1]["role"], "user", "{chat:#}");
    let user = messages[1]["content"].as_str().expect("user content");
    assert!(user.contains("hello.txt"), "{user}");
}

#[test]
fn prompt_is_fitted_into_a_smaller_context_window() {
    let standin = StandIn::start(Behavior::Reply("Add a long list of numbers".into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    env.write_config("timeout = 2\nnum_ctx = 4096\n");
    let repo = env.repo("repo");
    let big: String = (0..20_000)
        .map(|i| format!("line {i} of the numbers file\n"))
        .collect();
    repo.stage("numbers.txt", &big);
    repo.install_hook();
    let (out, elapsed) = timed(|| repo.git(&["commit"]));
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(repo.commit_msg_of("HEAD"), "Add a long list of numbers");
    the_ai_commit_line(&out);
    assert_within(elapsed, bound(), "git commit of a large file");

    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1, "{}", describe(&out));
    let chat = &chats[0];
    assert_eq!(chat["options"]["num_ctx"].as_u64(), Some(4096));
    let messages = chat["messages"].as_array().expect("messages is an array");
    let system = messages[0]["content"].as_str().expect("system content");
    let user = messages[1]["content"].as_str().expect("user content");
    let estimate = user.len() * 2 / 5 + system.len() * 2 / 5;
    assert!(
        estimate < 4096 - 256,
        "the prompt was not fitted: about {estimate} tokens (user {} bytes, system {} bytes)",
        user.len(),
        system.len()
    );
    assert!(
        user.contains("lines not shown ...]"),
        "no sign of the cut in the user message:\n{}",
        &user[..user.len().min(2000)]
    );
}

// 18. The stdout mode.

#[test]
fn stdout_mode_prints_the_reply_or_the_summary() {
    let standin = StandIn::start(Behavior::Reply("Add greeting to hello.txt".into()));
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let repo = env.repo("repo");
    repo.stage("hello.txt", "Hello, world!\n");

    env.set_ollama(&standin.url());
    let (out, elapsed) = timed(|| repo.ai_commit(&[]));
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(stdout(&out), "Add greeting to hello.txt\n");
    assert_within(elapsed, bound(), "ai-commit with a model");

    let url = closed_port_url();
    env.set_ollama(&url);
    let (out, elapsed) = timed(|| repo.ai_commit(&[]));
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(stdout(&out), format!("{ADD_HELLO}\n"), "{}", describe(&out));
    assert_clean_message(&stdout(&out));
    let line = the_ai_commit_line(&out);
    let reason = fallback_reason(&line);
    assert!(
        reason.contains(&format!("could not connect to Ollama at {url}")),
        "{line:?}"
    );
    assert_within(elapsed, bound(), "ai-commit with the server down");
}

#[test]
fn stdout_mode_without_fallback_fails_and_says_why() {
    let env = TestEnv::new();
    env.write_config(CONFIG);
    let url = closed_port_url();
    env.set_ollama(&url);
    let repo = env.repo("repo");
    repo.stage("hello.txt", "Hello, world!\n");

    let (out, elapsed) = timed(|| repo.ai_commit(&["--no-fallback"]));
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(stdout(&out), "", "{}", describe(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("could not connect to Ollama at {url}"))
            && err.contains("ollama serve"),
        "stderr does not name the reason\n{}",
        describe(&out)
    );
    assert_within(
        elapsed,
        bound(),
        "ai-commit --no-fallback with the server down",
    );
}
