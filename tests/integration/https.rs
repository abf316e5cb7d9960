//! https: the hook and `doctor` against stand-ins behind a loopback TLS front whose
//! certificates a test authority signed. Trusted through `SSL_CERT_FILE`, the model's message
//! is committed and the key travels inside TLS; an unknown authority, a certificate for another
//! name, an expired one or no certificates at all each fall back to the summary with one
//! stderr line naming the cause, and the server behind the front never sees a request, so no
//! diff leaves. A repository's file cannot name an https server, and a redirect over https is
//! not followed.

use crate::support::openai::{self, Behavior as OpenAiBehavior, CHAT_PATH};
use crate::support::tls::{Authority, Leaf, TlsFront};
use crate::support::{ai_commit_lines, describe, ollama, stderr, stdout, TestEnv};
use std::path::PathBuf;
use std::process::Output;

/// The fallback summary for a new file `hello.txt`.
const ADD_HELLO: &str = "Add hello.txt";
/// The model's answer when it is reached.
const MODEL_SAYS: &str = "Add a greeting to hello.txt";
const KEY_VAR: &str = "AI_COMMIT_TEST_API_KEY";
const KEY: &str = "sk-test-9b1e44c0d2a7f3e58c";
/// The staged file's content: it must never reach a server that was not trusted.
const SECRET_LINE: &str = "Hello from a diff that stays here";

/// A test world: the authority whose certificate `SSL_CERT_FILE` names, and the environment.
struct World {
    env: TestEnv,
    trusted: Authority,
    ca_file: PathBuf,
}

impl World {
    fn new() -> World {
        let env = TestEnv::new();
        let trusted = Authority::new("ai-commit team CA");
        let ca_file = env.root().join("team-ca.pem");
        trusted.write_pem(&ca_file);
        env.set_env("SSL_CERT_FILE", &ca_file.to_string_lossy());
        World {
            env,
            trusted,
            ca_file,
        }
    }

    /// `git commit` of a new `hello.txt` through the installed hook, `config` as the user's
    /// file; the committed message and the output.
    fn commit(&self, config: &str, repo_file: Option<&str>) -> (String, Output) {
        self.env.write_config(config);
        let repo = self.env.repo("repo");
        if let Some(text) = repo_file {
            repo.write(".ai-commit.toml", text);
        }
        repo.stage("hello.txt", format!("{SECRET_LINE}\n"));
        repo.install_hook();
        let out = repo.git(&["commit"]);
        assert!(
            out.status.success(),
            "git commit failed\n{}",
            describe(&out)
        );
        (repo.commit_msg_of("HEAD"), out)
    }
}

/// The user's file for an OpenAI-compatible server at `url`, with the key variable.
fn openai_config(url: &str) -> String {
    format!("api = \"openai\"\nbase_url = \"{url}\"\napi_key_env = \"{KEY_VAR}\"\ntimeout = 5\n")
}

/// The commit fell back to the summary with exactly one stderr line, which says each of
/// `parts`; the line is returned.
fn assert_refused(message: &str, out: &Output, parts: &[&str]) -> String {
    assert_eq!(message, ADD_HELLO, "{}", describe(out));
    let lines = ai_commit_lines(out);
    assert_eq!(lines.len(), 1, "{}", describe(out));
    let line = &lines[0];
    assert!(
        line.starts_with("ai-commit: no model message (") && line.ends_with("summary instead"),
        "{line}"
    );
    for part in parts {
        assert!(line.contains(part), "{line:?} should say {part:?}");
    }
    assert!(!stderr(out).contains(KEY), "the key was printed");
    line.clone()
}

#[test]
fn trusted_https_server_gets_the_diff_and_the_key_inside_tls() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let standin = openai::StandIn::start(OpenAiBehavior::Stream(MODEL_SAYS.into()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, standin.addr());
    // No `allow_remote_http`: https needs none.
    let (message, out) = world.commit(&openai_config(&format!("{}/v1", front.url())), None);
    assert_eq!(message, MODEL_SAYS, "{}", describe(&out));
    assert_eq!(ai_commit_lines(&out).len(), 1, "{}", describe(&out));
    assert!(front.handshakes() >= 1);
    let chats: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.route() == CHAT_PATH)
        .collect();
    assert_eq!(chats.len(), 1, "{}", describe(&out));
    assert_eq!(
        chats[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert!(String::from_utf8_lossy(&chats[0].raw_body).contains(SECRET_LINE));
}

#[test]
fn ollama_behind_an_https_proxy_is_reached_on_its_host() {
    let world = World::new();
    let standin = ollama::StandIn::start(ollama::Behavior::Reply(MODEL_SAYS.into()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, standin.addr());
    world.env.set_ollama(&front.url());
    let (message, out) = world.commit("timeout = 5\n", None);
    assert_eq!(message, MODEL_SAYS, "{}", describe(&out));
    assert_eq!(standin.chat_requests().len(), 1, "{}", describe(&out));
}

#[test]
fn an_untrusted_authority_is_refused_before_any_request() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let stranger = Authority::new("someone else's CA");
    let standin = openai::StandIn::start(OpenAiBehavior::Stream(MODEL_SAYS.into()));
    let front = TlsFront::start(&stranger, Leaf::Valid, standin.addr());
    let (message, out) = world.commit(&openai_config(&format!("{}/v1", front.url())), None);
    let ca = world.ca_file.to_string_lossy();
    assert_refused(
        &message,
        &out,
        &[
            "not signed by an authority in SSL_CERT_FILE=",
            &*ca,
            "point SSL_CERT_FILE at it",
        ],
    );
    assert_eq!(standin.connections(), 0, "the diff reached the server");
    assert_eq!(front.handshakes(), 0);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let standin = openai::StandIn::start(OpenAiBehavior::Stream(MODEL_SAYS.into()));
    let front = TlsFront::start(&world.trusted, Leaf::OtherName, standin.addr());
    let (message, out) = world.commit(&openai_config(&format!("{}/v1", front.url())), None);
    assert_refused(
        &message,
        &out,
        &["not for the name 127.0.0.1", "the certificate is for"],
    );
    assert_eq!(standin.connections(), 0, "the diff reached the server");
}

#[test]
fn an_expired_certificate_is_refused() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let standin = ollama::StandIn::start(ollama::Behavior::Reply(MODEL_SAYS.into()));
    let front = TlsFront::start(&world.trusted, Leaf::Expired, standin.addr());
    world.env.set_ollama(&front.url());
    let (message, out) = world.commit("timeout = 5\n", None);
    assert_refused(&message, &out, &["has expired", "renew"]);
    assert_eq!(standin.connections(), 0, "the diff reached the server");
}

#[test]
fn no_certificates_means_no_connection() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let missing = world.env.root().join("no-such-ca.pem");
    world
        .env
        .set_env("SSL_CERT_FILE", &missing.to_string_lossy());
    let standin = openai::StandIn::start(OpenAiBehavior::Stream(MODEL_SAYS.into()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, standin.addr());
    let (message, out) = world.commit(&openai_config(&format!("{}/v1", front.url())), None);
    assert_refused(
        &message,
        &out,
        &["no certificates to check it with", "no such file"],
    );
    assert_eq!(front.handshakes(), 0);
    assert_eq!(standin.connections(), 0);
}

#[test]
fn a_repository_file_cannot_name_an_https_server() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let theirs = openai::StandIn::start(OpenAiBehavior::Stream("Add their words".into()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, theirs.addr());
    let ours = openai::StandIn::start(OpenAiBehavior::Stream(MODEL_SAYS.into()));
    let repo_file = format!("base_url = \"{}/v1\"\n", front.url());
    let (message, out) = world.commit(&openai_config(&ours.url()), Some(&repo_file));
    assert_eq!(message, MODEL_SAYS, "{}", describe(&out));
    assert!(
        stderr(&out).contains("is not allowed in a repository file"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        front.handshakes(),
        0,
        "the repository's server was contacted"
    );
    assert_eq!(theirs.connections(), 0);
}

#[test]
fn a_redirect_over_https_is_not_followed() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let elsewhere = openai::StandIn::start(OpenAiBehavior::Stream("Add their words".into()));
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}{CHAT_PATH}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n",
        elsewhere.url().trim_end_matches("/v1")
    );
    let standin = openai::StandIn::start(OpenAiBehavior::Raw(redirect.into_bytes()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, standin.addr());
    let (message, out) = world.commit(&openai_config(&format!("{}/v1", front.url())), None);
    assert_refused(&message, &out, &["a redirect, which is not followed"]);
    assert_eq!(elsewhere.connections(), 0, "the redirect was followed");
}

#[test]
fn doctor_names_the_store_and_why_a_handshake_failed() {
    let world = World::new();
    world.env.set_env(KEY_VAR, KEY);
    let standin = openai::StandIn::start(OpenAiBehavior::Stream("ok".into()));
    let front = TlsFront::start(&world.trusted, Leaf::Valid, standin.addr());
    let base = format!("{}/v1", front.url());
    world.env.write_config(&openai_config(&base));
    let repo = world.env.repo("repo");
    repo.install_hook();
    let out = repo.ai_commit(&["doctor"]);
    let text = stdout(&out);
    let ca = world.ca_file.to_string_lossy();
    assert!(
        text.lines().any(|l| l.starts_with("ok ")
            && l.ends_with(&format!(
                " https: {base}'s certificate is checked against SSL_CERT_FILE={ca} (1 authorities)"
            ))),
        "{}",
        describe(&out)
    );
    assert!(
        text.contains(&format!("the model server answers at {base}")),
        "{text}"
    );

    let expired = TlsFront::start(&world.trusted, Leaf::Expired, standin.addr());
    let base = format!("{}/v1", expired.url());
    world.env.write_config(&openai_config(&base));
    let out = repo.ai_commit(&["doctor"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("is not trusted"))
        .unwrap_or_else(|| panic!("{}", describe(&out)));
    assert_eq!(
        lines[at],
        format!("PROBLEM the model server at {base} is not trusted: its certificate has expired")
    );
    assert!(
        lines[at + 1].contains("fix: renew the server's certificate"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
}
