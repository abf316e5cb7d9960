//! Where the diff goes: the address is read once, the host the consent check passed is the host
//! the client connects to, no redirect is followed, `::1` is this machine, and credentials in an
//! address are sent to their server but never printed.
//!
//! The hostile target of each case is a second loopback stand-in, reached as `2130706433`:
//! 127.0.0.1 written as one number, which the resolver connects to but which is no IP address
//! literal, so the check can never count it as this machine. Any connection it accepts is a
//! diff sent where the check did not look.

use std::net::SocketAddr;
use std::process::Output;

use crate::support::ollama::{closed_port_url, Behavior, StandIn};
use crate::support::{
    assert_ok, describe, openai, stderr, stdout, the_ai_commit_line, world, Repo, TestEnv,
};

const REPLY: &str = "Add the settings";
/// 127.0.0.1 as one decimal number.
const ALIAS: &str = "2130706433";

/// What the summary says for a change of `settings.txt`.
const SUMMARY: &str = "Update settings.txt";

/// A repository whose first commit, made before the hook is installed, added `settings.txt`.
fn repo_with_settings<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = env.repo(name);
    repo.stage("settings.txt", "start\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the settings"]);
    repo.install_hook();
    repo
}

/// Commits a change to `settings.txt` with `OLLAMA_HOST=host`.
fn commit_with_host(repo: &Repo<'_>, host: &str) -> Output {
    repo.env().set_ollama(host);
    repo.stage("settings.txt", format!("{host}\n"));
    let out = repo.git(&["commit"]);
    assert_ok(&out, &format!("git commit with OLLAMA_HOST={host}"));
    out
}

/// Addresses the check and the client once read differently, and addresses that name the
/// hostile host in disguise: none may reach it, and the commit goes on with the summary.
#[test]
fn no_address_reaches_a_host_the_check_did_not_pass() {
    let ours = StandIn::start(Behavior::Reply(REPLY.into()));
    let theirs = StandIn::start(Behavior::Reply("Exfiltrated".into()));
    let (o, t) = (ours.addr().port(), theirs.addr().port());
    let env = TestEnv::new();
    let repo = repo_with_settings(&env, "one-address");
    let forms = [
        // The check read the host after `@`; the client ended the authority at `?` or `#`.
        format!("http://{ALIAS}:{t}?@127.0.0.1:{o}"),
        format!("http://{ALIAS}:{t}#@127.0.0.1:{o}"),
        format!("http://{ALIAS}:{t}/?@127.0.0.1:{o}"),
        // A URL standard parser reads `\` as `/`, and so the host as the one before it.
        format!("http://{ALIAS}:{t}\\@127.0.0.1:{o}"),
        // Credentials that look like this machine, in front of the hostile host.
        format!("http://127.0.0.1:{o}@{ALIAS}:{t}"),
        format!("http://127.0.0.1:{o}%2F@{ALIAS}:{t}"),
        format!("http://localhost:{o}@{ALIAS}:{t}/"),
        // 127.0.0.1 in forms a resolver takes but that are no address literal.
        format!("{ALIAS}:{t}"),
        format!("http://0x7f000001:{t}"),
        format!("http://127.1:{t}"),
        format!("http://[::ffff:{ALIAS}]:{t}"),
        // Another machine inside an IPv6 address (TEST-NET-1: never routed).
        "http://[::ffff:192.0.2.1]:11434".to_string(),
    ];
    for form in &forms {
        let out = commit_with_host(&repo, form);
        assert_eq!(
            theirs.connections(),
            0,
            "OLLAMA_HOST={form} reached the host the check did not pass\n{}",
            describe(&out)
        );
        let line = the_ai_commit_line(&out);
        assert!(
            line.contains("wrote a summary instead")
                && (line.contains("is not this machine") || line.contains("is not valid")),
            "OLLAMA_HOST={form}: {line}"
        );
        assert_eq!(repo.commit_msg_of("HEAD"), SUMMARY, "{form}");
    }
    assert!(ours.chat_requests().is_empty(), "{:?}", ours.requests());
}

/// Addresses of this machine in other spellings reach it, and only it: an encoded `?` or `#`
/// stays inside the credentials, an IPv4-mapped IPv6 loopback is loopback.
#[test]
fn loopback_in_other_spellings_reaches_only_this_machine() {
    let ours = StandIn::start(Behavior::Reply(REPLY.into()));
    let theirs = StandIn::start(Behavior::Reply("Exfiltrated".into()));
    let (o, t) = (ours.addr().port(), theirs.addr().port());
    let env = TestEnv::new();
    let repo = repo_with_settings(&env, "loopback-spellings");
    let forms = [
        format!("http://{ALIAS}:{t}%3F@127.0.0.1:{o}"),
        format!("http://{ALIAS}:{t}%23@127.0.0.1:{o}"),
        format!("http://[::ffff:127.0.0.1]:{o}"),
        format!("http://[0:0:0:0:0:ffff:7f00:1]:{o}/"),
        format!("HTTP://LOCALHOST:{o}"),
    ];
    for (i, form) in forms.iter().enumerate() {
        let out = commit_with_host(&repo, form);
        assert_eq!(theirs.connections(), 0, "{form}\n{}", describe(&out));
        assert_eq!(
            ours.chat_requests().len(),
            i + 1,
            "OLLAMA_HOST={form} should reach this machine\n{}",
            describe(&out)
        );
        assert_eq!(
            repo.commit_msg_of("HEAD"),
            REPLY,
            "{form}\n{}",
            describe(&out)
        );
    }
}

/// A raw HTTP response redirecting to `to`.
fn redirect(status: u16, to: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Moved\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// A loopback server answering with a redirect to another host is not followed: the diff is
/// never sent on, whichever redirect it is.
#[test]
fn redirects_are_not_followed() {
    let theirs = StandIn::start(Behavior::Reply("Exfiltrated".into()));
    let to = format!("http://{ALIAS}:{}/api/chat", theirs.addr().port());
    let ours = StandIn::start(Behavior::Reply(REPLY.into()));
    let env = TestEnv::new();
    env.set_ollama(&ours.url());
    let repo = repo_with_settings(&env, "redirects");
    for status in [301, 302, 303, 307, 308] {
        ours.set_behavior(Behavior::Raw(redirect(status, &to)));
        repo.stage("settings.txt", format!("{status}\n"));
        let out = repo.git(&["commit"]);
        assert_ok(&out, &format!("git commit against a {status}"));
        assert_eq!(theirs.connections(), 0, "{status}\n{}", describe(&out));
        let line = the_ai_commit_line(&out);
        assert!(
            line.contains(&format!("answered {status}, a redirect")),
            "{line}"
        );
        assert_eq!(repo.commit_msg_of("HEAD"), SUMMARY);
    }

    // The OpenAI-compatible client shares the rule.
    let server = openai::StandIn::start(openai::Behavior::Raw(redirect(307, &to)));
    env.write_config(&format!(
        "api = \"openai\"\nbase_url = \"{}\"\n",
        server.url()
    ));
    repo.stage("settings.txt", "openai\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit against an OpenAI server's 307");
    assert_eq!(server.chat_requests().len(), 1, "{}", describe(&out));
    assert_eq!(theirs.connections(), 0, "{}", describe(&out));
    assert!(the_ai_commit_line(&out).contains("answered 307, a redirect"));
}

/// `::1` is this machine, bare (Ollama's own spelling, on its default port) or bracketed with
/// a port, and `::` means it too.
#[test]
fn ipv6_loopback_is_this_machine() {
    let v6 = StandIn::start_at(
        Behavior::Reply(REPLY.into()),
        "[::1]:0".parse().expect("an address"),
    )
    .expect("listen on [::1]");
    let port = v6.addr().port();
    let env = TestEnv::new();
    let repo = repo_with_settings(&env, "ipv6");
    let forms = [
        format!("[::1]:{port}"),
        format!("http://[::1]:{port}/"),
        format!("[::]:{port}"),
    ];
    for (i, form) in forms.iter().enumerate() {
        let out = commit_with_host(&repo, form);
        assert_eq!(
            v6.chat_requests().len(),
            i + 1,
            "{form}\n{}",
            describe(&out)
        );
        assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{form}");
    }

    // Bare `::1` means Ollama's port on it. Another server already there (a second run of this
    // suite) leaves only the check to see.
    let default: SocketAddr = "[::1]:11434".parse().expect("an address");
    match StandIn::start_at(Behavior::Reply(REPLY.into()), default) {
        Ok(standin) => {
            for form in ["::1", "::"] {
                let out = commit_with_host(&repo, form);
                assert_eq!(
                    repo.commit_msg_of("HEAD"),
                    REPLY,
                    "{form}\n{}",
                    describe(&out)
                );
            }
            assert_eq!(standin.chat_requests().len(), 2);
        }
        Err(e) => eprintln!("[::1]:11434 is taken ({e}): only the check is tested for `::1`"),
    }
    let out = repo.ai_commit(&["config"]);
    assert!(stdout(&out).contains("host = \"::\""), "{}", describe(&out));
}

const SECRET: &str = "s3cret-pw";

fn assert_no_secret(out: &Output, what: &str) {
    assert!(
        !stderr(out).contains(SECRET) && !stdout(out).contains(SECRET),
        "{what} printed the password\n{}",
        describe(out)
    );
}

/// Credentials in an address go to the server they belong to, as basic authentication, and
/// nowhere else: not to stderr on any failure, nor into the message file's note, nor into
/// `ai-commit config` or `doctor`.
#[test]
fn credentials_in_an_address_are_sent_but_never_printed() {
    let (standin, env) = world(REPLY);
    let port = standin.addr().port();
    let repo = repo_with_settings(&env, "credentials");

    let with_key = format!("http://alice:{SECRET}@127.0.0.1:{port}");
    let out = commit_with_host(&repo, &with_key);
    assert_no_secret(&out, "a commit");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    let chat = standin
        .requests()
        .into_iter()
        .find(|r| r.route() == "/api/chat")
        .expect("a chat request");
    assert_eq!(
        chat.header("authorization"),
        Some("Basic YWxpY2U6czNjcmV0LXB3")
    );

    let out = repo.ai_commit(&["config"]);
    assert_no_secret(&out, "`ai-commit config`");
    assert!(
        stdout(&out).contains(&format!(
            "host = \"http://***@127.0.0.1:{port}\"  # environment OLLAMA_HOST"
        )),
        "{}",
        describe(&out)
    );
    env.write_config("timeout = 5\n");
    let out = repo.ai_commit(&["doctor"]);
    assert_no_secret(&out, "`ai-commit doctor`");
    assert!(
        stdout(&out).contains(&format!("answers at http://***@127.0.0.1:{port} in")),
        "{}",
        describe(&out)
    );

    // Every failure names the address, without its credentials.
    let closed = closed_port_url().replace("http://", &format!("http://alice:{SECRET}@"));
    let failing = [
        (
            closed,
            "could not connect to Ollama at http://***@127.0.0.1:",
        ),
        (
            format!("http://alice:{SECRET}@192.0.2.1:11434"),
            "not sending the diff to http://***@192.0.2.1:11434",
        ),
        (
            format!("http://alice:{SECRET}@127.0.0.1:99999"),
            "address \"http://***@127.0.0.1:99999\" is not valid",
        ),
        // A `#` the person did not encode: the address is refused, the password still hidden.
        (
            format!("http://alice:{SECRET}#1@127.0.0.1:{port}"),
            "address \"http://***@127.0.0.1:",
        ),
    ];
    let (editor, captured) = env.editor_capture();
    for (host, says) in failing {
        env.set_ollama(&host);
        repo.stage("settings.txt", format!("{host}\n"));
        let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
        assert_ok(&out, &format!("git commit with OLLAMA_HOST={host}"));
        assert_no_secret(&out, &host);
        assert!(
            the_ai_commit_line(&out).contains(says),
            "{}",
            describe(&out)
        );
        let file = std::fs::read_to_string(&captured).expect("the editor saw the file");
        assert!(file.contains(says), "the note should say why: {file}");
        assert!(
            !file.contains(SECRET),
            "the message file holds the password: {file}"
        );
        let out = repo.ai_commit(&["config"]);
        assert_no_secret(&out, "`ai-commit config`");
    }
    assert_eq!(
        standin.chat_requests().len(),
        2,
        "only the commit and doctor's request"
    );
}

/// The OpenAI-compatible base URL follows the same rule.
#[test]
fn credentials_in_a_base_url_are_never_printed() {
    let server = openai::StandIn::start(openai::Behavior::Status(
        500,
        serde_json::json!({"error": {"message": "overloaded"}}),
    ));
    let base = server
        .url()
        .replace("http://", &format!("http://alice:{SECRET}@"));
    let env = TestEnv::new();
    env.write_config(&format!("api = \"openai\"\nbase_url = \"{base}\"\n"));
    let repo = repo_with_settings(&env, "base-url-credentials");
    repo.stage("settings.txt", "notes\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit against a failing OpenAI server");
    assert_no_secret(&out, "a commit");
    assert_eq!(server.chat_requests().len(), 1, "{}", describe(&out));
    let shown = base.replace(&format!("alice:{SECRET}"), "***");
    assert!(
        the_ai_commit_line(&out).contains(&format!("the model server at {shown} answered 500")),
        "{}",
        describe(&out)
    );
    for args in [&["config"][..], &["doctor"][..]] {
        let out = repo.ai_commit(args);
        assert_no_secret(&out, &format!("`ai-commit {}`", args[0]));
        assert!(stdout(&out).contains(&shown), "{}", describe(&out));
    }
}
