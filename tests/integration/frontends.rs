//! Git front ends that take a message-generating command: tig, with the README's own binding
//! (read from the README, so the test runs what people copy), in a real `tig status` on a
//! pseudo-terminal (`script`), against the Ollama stand-in. tig comes from Debian (`apt-get
//! install tig`, as .ci/run does); without it the test says so and skips, unless
//! `AI_COMMIT_REQUIRE_TOOLS=1`.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::ecosystems::have_tool;
use crate::support::ollama::{Behavior, StandIn};
use crate::support::{describe, TestEnv, BIN};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");
const REPLY: &str = "Add a greeting to hello.txt";

/// The README's tig binding: its one line starting `bind status A `.
fn readme_tig_binding() -> String {
    let readme = fs::read_to_string(Path::new(PROJECT).join("README.md")).expect("README");
    readme
        .lines()
        .find(|l| l.starts_with("bind status A "))
        .expect("the README's tig binding")
        .to_owned()
}

#[test]
fn tig_commits_with_the_readme_binding() {
    let env = TestEnv::new();
    if !have_tool(&env, "tig", "apt-get install tig")
        || !have_tool(&env, "script", "apt-get install bsdutils")
    {
        return;
    }
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    env.set_ollama(&standin.url());
    env.write_config("format = \"text\"\nbody = false\n");
    let repo = env.repo("work");
    repo.stage("README", "a project\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the project"]);
    repo.stage("hello.txt", "Hello, world!\n");

    let tigrc = env.root().join("tigrc");
    fs::write(&tigrc, format!("{}\n", readme_tig_binding())).expect("write tigrc");
    let bin_dir = Path::new(BIN).parent().expect("the binary's directory");
    let path = std::env::var("PATH").unwrap_or_default();
    env.set_env("PATH", &format!("{}:{path}", bin_dir.display()));
    env.set_env("TIGRC_USER", &tigrc.to_string_lossy());
    env.set_env("TERM", "xterm");
    env.set_command_limit(Duration::from_secs(60));
    // The keys, typed into tig's terminal: A, then (once the commit is there) Enter for tig's
    // "press Enter" after an external command, and q to quit.
    let keys = r#"sleep 0.5; printf A
i=0; while [ "$(git rev-list --count HEAD)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
sleep 0.3; printf '\r'; sleep 0.5; printf q; sleep 0.3; printf q"#;
    let mut cmd = env.command("sh", repo.path());
    cmd.arg("-c")
        .arg(format!("({keys}) | script -qec 'tig status' /dev/null"));
    let out = env.run(cmd);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(standin.chat_requests().len(), 1);
}
