//! What a person sees on a terminal while the model thinks: a spinner on stderr, only when
//! stderr is a terminal, erased before the result line.

use std::path::Path;

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{sh_quote, stderr, stdout, TestEnv, BIN};

fn slow_reply() -> Behavior {
    Behavior::Delayed {
        delay_ms: 600,
        then: Box::new(Behavior::Reply("Add hello.txt greeting".into())),
    }
}

#[test]
fn spinner_runs_on_a_terminal_and_is_erased() {
    let env = TestEnv::new();
    let standin = StandIn::start(slow_reply());
    env.set_ollama(&standin.url());
    let repo = env.repo("r");
    repo.stage("hello.txt", "hello\n");
    // util-linux `script` gives the command a pseudo-terminal for stdout and stderr.
    let line = format!("{} generate", sh_quote(Path::new(BIN)));
    let mut cmd = env.command("script", repo.path());
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
    let out = env.run(cmd);
    let screen = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        screen.contains("ai-commit: asking gemma3:4b..."),
        "no spinner on the terminal: {screen:?}"
    );
    let erased = screen
        .rfind("\r\u{1b}[2K")
        .expect("the spinner line is erased");
    let result = screen
        .find("ai-commit: message from gemma3:4b")
        .expect("result line");
    assert!(
        erased < result,
        "the result line comes after the erase: {screen:?}"
    );
    assert!(screen.contains("Add hello.txt greeting"));
}

#[test]
fn no_spinner_when_stderr_is_not_a_terminal() {
    let env = TestEnv::new();
    let standin = StandIn::start(slow_reply());
    env.set_ollama(&standin.url());
    let repo = env.repo("r");
    repo.stage("hello.txt", "hello\n");
    let out = repo.ai_commit(&["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Add hello.txt greeting\n");
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.starts_with("ai-commit: message from gemma3:4b in "),
        "{err:?}"
    );
}
