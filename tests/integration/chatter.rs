//! Chatter addressed to the person is cut wherever it starts, not only on a line of its own:
//! "Update x. Hope this helps!" commits as "Update x", and the rest of a reply after such a
//! sentence goes with it. Through the hook, the real git CLI and the Ollama stand-in.

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{assert_ok, describe, TestEnv};

#[test]
fn chatter_sentences_are_cut_wherever_they_start() {
    let standin = StandIn::start(Behavior::Reply(String::new()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    // Some replies carry a body whose chatter is cut.
    env.write_config("body = true\n");
    let repo = env.repo("chatter");
    repo.stage("settings.txt", "port = 8080\n");
    repo.git_ok(&["commit", "-q", "-m", "Add the settings file"]);
    repo.install_hook();
    let cases = [
        (
            "Update the settings port. Hope this helps!",
            "Update the settings port",
        ),
        (
            "Update the settings port… I apologize for the confusion",
            "Update the settings port",
        ),
        (
            "Update the settings port, let me know if you want another one",
            "Update the settings port",
        ),
        (
            "Update the settings port. Feel free to pick another.",
            "Update the settings port",
        ),
        (
            "Update the settings port. I hope this is what you wanted.",
            "Update the settings port",
        ),
        (
            "Update the settings port - happy coding!",
            "Update the settings port",
        ),
        (
            "Update the settings port\n\nThe server now listens on 8081. Let me know if you \
             need more.\nGlad to help with the rest.",
            "Update the settings port\n\nThe server now listens on 8081.",
        ),
        (
            "Update the settings port. This message uses the imperative mood.",
            "Update the settings port",
        ),
        (
            r#"{"subject": "Update the settings port. Hope that helps!", "body": ""}"#,
            "Update the settings port",
        ),
    ];
    // Every case is tried before failing, so one failure cannot hide another.
    let mut wrong = Vec::new();
    for (i, (reply, expected)) in cases.iter().enumerate() {
        standin.set_behavior(Behavior::Reply(reply.to_string()));
        repo.stage("settings.txt", format!("port = {}\n", 8081 + i));
        let out = repo.git(&["commit"]);
        assert_ok(&out, &format!("git commit with the reply {reply:?}"));
        let message = repo.commit_msg_of("HEAD");
        if message != *expected {
            wrong.push(format!(
                "reply {reply:?}\n  committed {message:?}\n  expected  {expected:?}\n{}",
                describe(&out)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
