//! The trust boundary: what a repository's own `.ai-commit.toml` may not do, what never leaves
//! the process (secret files, private keys, tokens), where the diff may be sent, and what the
//! model's output can never put into a message.

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{assert_ok, describe, stderr, user_message, world, TestEnv};

const REPLY: &str = "Add the settings";

/// A repository file that tries everything a committer could want: send the diff to another
/// server, turn on remote http, swap the prompt. Only the prompt (a style key) is taken; the
/// second server never sees a connection.
#[test]
fn hostile_repository_file_cannot_redirect_the_diff_or_allow_remote_http() {
    let ours = StandIn::start(Behavior::Reply(REPLY.into()));
    let theirs = StandIn::start(Behavior::Reply("Exfiltrated".into()));
    let env = TestEnv::new();
    env.set_ollama(&ours.url());
    let repo = env.repo("hostile");
    repo.install_hook();

    // Each forbidden key alone, so that one refusal cannot hide the other.
    for hostile in [
        format!("host = \"{}\"\n", theirs.url()),
        "allow_remote_http = true\n".to_string(),
    ] {
        repo.write(".ai-commit.toml", &hostile);
        repo.stage("settings.txt", format!("{hostile}\n"));
        let out = repo.git(&["commit"]);
        assert_ok(&out, "git commit with a hostile repository file");
        let key = hostile.split(' ').next().unwrap();
        assert!(
            stderr(&out).contains(&format!("key `{key}` is not allowed in a repository file")),
            "{}",
            describe(&out)
        );
        assert_eq!(theirs.connections(), 0, "{}", describe(&out));
    }

    // A style key is taken from the same file.
    repo.write(
        ".ai-commit.toml",
        "prompt = \"Write a haiku-free commit message.\"\n",
    );
    repo.stage("settings.txt", "style only\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit with a style-only repository file");
    let chats = ours.chat_requests();
    let last = chats.last().expect("a chat request");
    let system = last["messages"][0]["content"].as_str().unwrap_or("");
    assert!(
        system.starts_with("Write a haiku-free commit message."),
        "{}",
        describe(&out)
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    assert_eq!(theirs.connections(), 0);
    assert!(theirs.requests().is_empty());
}

/// A host that is not this machine is refused before any connection unless the user's own
/// file says `allow_remote_http = true`; the commit goes on with the fallback. (No test may
/// reach beyond loopback, so the allowed case is covered by the unit tests of the check.)
#[test]
fn remote_plain_http_host_is_refused_without_the_users_consent() {
    let env = TestEnv::new();
    // TEST-NET-1: never routed; nothing is sent because the check comes first.
    env.set_ollama("http://192.0.2.1:11434");
    let repo = env.repo("remote");
    repo.install_hook();
    repo.stage("notes.txt", "notes\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with a remote host");
    assert_eq!(repo.commit_msg_of("HEAD"), "Add notes.txt");
    let err = stderr(&out);
    assert!(err.contains("http://192.0.2.1:11434"), "{err}");
    assert!(err.contains("allow_remote_http = true"), "{err}");

    // The user's own file may not be overridden by the repository's, but may say yes itself:
    // then the refusal is gone (the connection then fails or times out; we stop at the check).
    let out = repo.ai_commit(&["config"]);
    assert!(
        crate::support::stdout(&out).contains("allow_remote_http = false  # default"),
        "{}",
        describe(&out)
    );
    env.write_config("allow_remote_http = true\n");
    let out = repo.ai_commit(&["config"]);
    let user = env.config_path().display().to_string();
    assert!(
        crate::support::stdout(&out).contains(&format!("allow_remote_http = true  # {user}")),
        "{}",
        describe(&out)
    );
}

/// Files whose names mark secrets are sent by name only.
#[test]
fn secret_files_are_sent_by_name_only() {
    let (standin, env) = world(REPLY);
    // Time enough that the window bounds this prompt, not the deadline.
    env.write_config("timeout = 600\n");
    let repo = env.repo("secret-files");
    repo.install_hook();
    let files = [
        (
            ".env",
            "DATABASE_URL=postgres://admin:CONTENT-OF-DOTENV@db/prod\n",
        ),
        (".env.production", "STRIPE=CONTENT-OF-DOTENV-PRODUCTION\n"),
        ("certs/server.pem", "CONTENT-OF-PEM\n"),
        ("certs/server.key", "CONTENT-OF-KEY\n"),
        ("deploy/id_rsa", "CONTENT-OF-ID-RSA\n"),
        ("deploy/id_ed25519.pub", "CONTENT-OF-ID-ED25519-PUB\n"),
        (".aws/credentials", "CONTENT-OF-AWS-CREDENTIALS\n"),
        (".git-credentials", "CONTENT-OF-GIT-CREDENTIALS\n"),
        ("src/settings.rs", "pub const PORT: u16 = 8080;\n"),
    ];
    for (path, content) in files {
        repo.stage(path, content);
    }

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with secret files");
    let user = user_message(&standin, &out);
    for (path, _) in &files[..files.len() - 1] {
        assert!(
            user.contains(&format!("A {path} +1 (secret file, content not sent)\n")),
            "{path} should be listed by name only:\n{user}"
        );
    }
    assert!(
        !user.contains("CONTENT-OF"),
        "a secret file's content was sent:\n{user}"
    );
    assert!(user.contains("+pub const PORT: u16 = 8080;"), "{user}");
}

/// Private-key blocks and well-known token formats in ordinary files are replaced by a marker
/// before the request is built; the rest of each line still reaches the model.
#[test]
fn private_keys_and_tokens_in_the_diff_are_redacted() {
    let (standin, env) = world(REPLY);
    // Time enough that the window bounds this prompt, not the deadline.
    env.write_config("timeout = 600\n");
    let repo = env.repo("secret-lines");
    repo.install_hook();
    let secrets = [
        ("aws", "AKIAIOSFODNN7EXAMPLE"),
        ("github", "ghp_R4nd0mT0kenV4lue0123456789abcdefABCD"),
        ("github_fine", "github_pat_11AAAAAAA0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"),
        ("gitlab", "glpat-xYz0123456789AbCdEfGh"),
        ("slack", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        ("slack_hook", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
        ("google", "AIzaSyD-0123456789abcdefghijklmnopqrstu"),
    ];
    let mut config = String::from("# deploy settings\n");
    for (name, value) in secrets {
        config.push_str(&format!("{name}_credential_value = \"{value}\"\n"));
    }
    config.push_str("password = \"correct-horse-battery\"\n");
    repo.stage("deploy/settings.toml", &config);
    repo.stage(
        "deploy/notes.txt",
        "Key for the staging box:\n\
         -----BEGIN OPENSSH PRIVATE KEY-----\n\
         b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
         QyNTUxOQAAACBZSECRETKEYMATERIALaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
         -----END OPENSSH PRIVATE KEY-----\n\
         Rotate it monthly.\n",
    );

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with secrets in the diff");
    let user = user_message(&standin, &out);
    for (name, value) in secrets {
        assert!(!user.contains(value), "the {name} token was sent:\n{user}");
        let line = user
            .lines()
            .find(|l| l.starts_with(&format!("+{name}_credential_value = \"")))
            .unwrap_or_else(|| panic!("the {name} line is missing:\n{user}"));
        assert!(
            line.ends_with("[REDACTED]\""),
            "the {name} line should keep its name with a marker:\n{user}"
        );
    }
    assert!(!user.contains("correct-horse-battery"), "{user}");
    assert!(user.contains("+password = \"[REDACTED]\"\n"), "{user}");
    assert!(!user.contains("SECRETKEYMATERIAL"), "{user}");
    assert!(!user.contains("b3BlbnNzaC1rZXkt"), "{user}");
    assert!(
        user.contains("+Key for the staging box:\n+[REDACTED private key]\n+Rotate it monthly.\n"),
        "{user}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
}

/// The model's output is data: trailers it invents are dropped (a sign-off the person asked
/// for with `-s` stays), escapes cannot reach the file, and a reply without end cannot make
/// the message file grow past a few kilobytes.
#[test]
fn model_output_cannot_add_trailers_escapes_or_unbounded_text() {
    let reply = "Add the settings\n\nRead the port from the settings file.\n\n\
                 Signed-off-by: Model <model@example.com>\n\
                 Co-authored-by: Someone Else <someone@example.com>\n\
                 Reviewed-by: Nobody <n@example.com>";
    let (standin, env) = world(reply);
    env.write_config("body = true\n");
    let repo = env.repo("trailers");
    repo.install_hook();
    repo.stage("settings.txt", "port = 8080\n");

    let out = repo.git(&["commit", "-s"]);

    assert_ok(&out, "git commit -s");
    let message = repo.commit_msg_of("HEAD");
    assert_eq!(
        message,
        "Add the settings\n\nRead the port from the settings file.\n\n\
         Signed-off-by: Test User <test@example.com>",
        "{}",
        describe(&out)
    );
    drop(standin);

    // Escapes and a reply of five thousand distinct lines (300 KB, over the 64 KiB bound).
    let mut long = String::from("Add \u{1b}[31mthe\u{1b}[0m settings\u{7}\n\n");
    for i in 0..5_000 {
        long.push_str(&format!("Line {i} says the settings file sets port {i}.\n"));
    }
    let standin = StandIn::start(Behavior::Reply(long));
    env.set_ollama(&standin.url());
    // A body is asked for: a subject alone ends at the newline.
    env.write_config("timeout = 10\nbody = true\n");
    repo.stage("settings.txt", "port = 8081\n");
    let (editor, captured) = env.editor_capture();
    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
    assert_ok(&out, "git commit with an endless reply");
    let seen = std::fs::read(&captured).expect("the editor saw the file");
    assert!(
        seen.len() < 8 * 1024,
        "the message file grew to {} bytes",
        seen.len()
    );
    assert!(
        !seen.iter().any(|&b| b == 0x1b || b == 0x07),
        "escapes reached the file"
    );
    let message = repo.commit_msg_of("HEAD");
    assert!(
        message.starts_with("Add the settings\n\n") || message == "Update settings.txt",
        "{message}"
    );
}

/// Tokens someone once committed in a subject, and tokens in file and directory names: the
/// diff's redaction rule holds for them too, in the style examples and learned scopes of the
/// system message (and `ai-commit config --prompt`, which shows it), in the file list and the
/// diff's headers, and in the fallback summary.
#[test]
fn secrets_in_recent_subjects_and_file_names_are_redacted() {
    const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
    const GITHUB: &str = "ghp_R4nd0mT0kenV4lue0123456789abcdefABCD";
    const GITLAB: &str = "glpat-xYz0123456789AbCdEfGh";
    const SLACK: &str = "xoxb-123456789012-1234567890123-AbCdEfGhIj";
    let (standin, env) = world("feat: add the settings");
    let repo = env.repo("secret-names");
    for (file, subject) in [
        (
            format!("{SLACK}.txt"),
            format!("feat({GITLAB}): read the settings"),
        ),
        (
            "b.txt".into(),
            format!("fix: rotate {AWS} out of the deploy config"),
        ),
        (
            "c.txt".into(),
            format!("chore: set password = \"hunter2hunter2\" and {GITHUB}"),
        ),
    ] {
        repo.stage(&file, "old settings\n");
        repo.git_ok(&["commit", "-q", "-m", &subject]);
    }
    repo.install_hook();
    repo.stage(&format!("keys/{AWS}.txt"), "settings\n");
    repo.stage(&format!("{GITHUB}/settings.md"), "settings\n");
    repo.git_ok(&["mv", &format!("{SLACK}.txt"), "settings.txt"]);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit with secrets in subjects and names");
    let (system, user) = crate::support::chat_messages(&standin, &out);
    for secret in [AWS, GITHUB, GITLAB, SLACK, "hunter2hunter2"] {
        assert!(
            !system.contains(secret),
            "{secret} in the system message:\n{system}"
        );
        assert!(
            !user.contains(secret),
            "{secret} in the user message:\n{user}"
        );
    }
    assert!(
        system.contains("- fix: rotate [REDACTED] out of the deploy config"),
        "{system}"
    );
    assert!(system.contains("Scopes used here: [REDACTED];"), "{system}");
    assert!(user.contains("A keys/[REDACTED].txt +1\n"), "{user}");
    assert!(user.contains("A [REDACTED]/settings.md +1\n"), "{user}");
    assert!(
        user.contains("R [REDACTED].txt -> settings.txt\n"),
        "{user}"
    );
    assert!(
        user.contains("--- keys/[REDACTED].txt (new file)\n"),
        "{user}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), "feat: add the settings");

    let out = repo.ai_commit(&["config", "--prompt"]);
    let shown = crate::support::stdout(&out);
    assert!(shown.contains("[REDACTED]"), "{}", describe(&out));
    for secret in [AWS, GITHUB, GITLAB, "hunter2hunter2"] {
        assert!(
            !shown.contains(secret),
            "`config --prompt` shows {secret}:\n{shown}"
        );
    }

    // The summary names the files without their tokens.
    env.set_ollama(&crate::support::ollama::closed_port_url());
    let named: Vec<String> = vec![format!("more/{AWS}.txt")];
    let grouped: Vec<String> = (0..6).map(|i| format!("{GITHUB}/docs/m{i}.md")).collect();
    let slack: Vec<String> = vec![format!("{SLACK}.md")];
    for (staged, summary) in [
        (named, "docs: add [REDACTED].txt"),
        (grouped, "docs: add 6 files in [REDACTED]/docs/"),
        (slack, "docs: add [REDACTED].md"),
    ] {
        for path in &staged {
            repo.stage(path, "more settings\n");
        }
        let out = repo.git(&["commit"]);
        assert_ok(&out, "git commit with the fallback");
        assert_eq!(repo.commit_msg_of("HEAD"), summary, "{}", describe(&out));
    }
}

/// The trailers git reads in the message of `rev` (`git interpret-trailers --parse`).
fn trailers_of(repo: &crate::support::Repo<'_>, rev: &str) -> String {
    let message = repo.commit_msg_of(rev);
    let env = repo.env();
    let mut cmd = env.command("git", repo.path());
    cmd.args(["interpret-trailers", "--parse"]);
    let out = env.run_with_stdin(cmd, message.as_bytes());
    assert_ok(&out, "git interpret-trailers --parse");
    crate::support::stdout(&out)
}

/// Trailers are data whatever their spelling: git reads `Signed-off-by : X` (a space before the
/// colon), a tab there, any case, `Change-Id :` and the cherry-pick line as trailers, so none of
/// them may come from the model; the sign-off asked for with `-s` is git's own.
#[test]
fn reply_trailers_in_any_spelling_are_dropped() {
    let reply = "Add the settings\n\nRead the port from the settings file.\n\n\
                 Signed-off-by : Model <model@example.com>\n\
                 Co-authored-by\t: Someone Else <someone@example.com>\n\
                 reviewed-BY:Nobody <n@example.com>\n\
                 Change-Id : I0123456789abcdef0123456789abcdef01234567\n\
                 (cherry picked from commit 0123456789abcdef0123456789abcdef01234567)";
    let (_standin, env) = world(reply);
    // The reply's body is part of what is checked.
    env.write_config("body = true\n");
    let repo = env.repo("trailer-spellings");
    repo.install_hook();
    repo.stage("settings.txt", "port = 8080\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Add the settings\n\nRead the port from the settings file.",
        "{}",
        describe(&out)
    );
    assert_eq!(trailers_of(&repo, "HEAD"), "");

    repo.stage("settings.txt", "port = 8081\n");
    let out = repo.git(&["commit", "-s"]);
    assert_ok(&out, "git commit -s");
    assert_eq!(
        trailers_of(&repo, "HEAD"),
        "Signed-off-by: Test User <test@example.com>\n",
        "{}",
        describe(&out)
    );
}

/// A file name is data: one holding newlines and a trailer, a carriage return, an escape, a
/// bell or a bidirectional override reaches neither the message as structure nor the prompt as
/// lines of its own. The model fails here, so each name is seen in the prompt and then in the
/// fallback summary.
#[test]
fn file_names_cannot_add_trailers_or_control_characters() {
    let standin = StandIn::start(Behavior::Status(500, "runner died".into()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("hostile-names");
    repo.stage("start.txt", "start\n");
    repo.git_ok(&["commit", "-q", "-m", "Start"]);
    repo.install_hook();
    let injected = "Co-authored-by: Evil <evil@example.com>";
    let cases: Vec<(Vec<String>, Option<String>)> = vec![
        (vec![format!("notes\n\n{injected}")], None),
        (
            vec!["notes\n\nSigned-off-by : Evil <evil@example.com>".into()],
            None,
        ),
        (
            vec!["red\u{1b}[31m.txt".into(), "bell\u{7}.txt".into()],
            None,
        ),
        (vec!["carriage\rreturn.txt".into()], None),
        (vec!["invoice\u{202e}fdp.exe".into()], None),
        // A rename from such a name, and a directory of many files named so.
        (
            vec!["renamed.txt".into()],
            Some(format!("old\n\n{injected}")),
        ),
        (
            (0..6)
                .map(|i| format!("dir\n\n{injected}/m{i}.txt"))
                .collect(),
            None,
        ),
    ];
    for (paths, renamed_from) in cases {
        let what = format!("{paths:?} (renamed from {renamed_from:?})");
        match &renamed_from {
            Some(old) => {
                repo.stage(old, "the same content for a rename\n");
                repo.git_ok(&["commit", "-q", "--no-verify", "-m", "Add the old name"]);
                repo.git_ok(&["mv", old, &paths[0]]);
            }
            None => {
                for path in &paths {
                    repo.stage(path, "content\n");
                }
            }
        }
        let before = standin.chat_requests().len();
        let out = repo.git(&["commit", "-s"]);
        assert_ok(&out, &what);

        let message = repo.commit_msg_of("HEAD");
        assert!(
            !message.chars().any(|c| c.is_control() && c != '\n') && !message.contains('\u{202e}'),
            "{what}: a control character in {message:?}"
        );
        let subject = message.lines().next().unwrap_or("");
        assert_eq!(
            message,
            format!("{subject}\n\nSigned-off-by: Test User <test@example.com>"),
            "{what}: {}",
            describe(&out)
        );
        assert_eq!(
            trailers_of(&repo, "HEAD"),
            "Signed-off-by: Test User <test@example.com>\n",
            "{what}"
        );
        let chats = standin.chat_requests();
        let user = chats[before..]
            .first()
            .and_then(|c| c["messages"][1]["content"].as_str())
            .unwrap_or_else(|| panic!("{what}: no chat request\n{}", describe(&out)))
            .to_string();
        assert!(
            !user.lines().any(|l| l.starts_with("Co-authored-by")
                || l.starts_with("Signed-off-by")
                || l.contains(['\u{1b}', '\u{7}', '\r', '\u{202e}'])),
            "{what}: a name made its own line or kept a control character:\n{user}"
        );
    }
}

/// A model name is a name too: a repository file cannot make one that writes lines into the
/// message file, and one from the environment stays inside its comment line.
#[test]
fn a_model_name_cannot_write_lines_into_the_message() {
    let (_standin, env) = world(REPLY);
    let repo = env.repo("model-name");
    repo.install_hook();
    let hostile = "gemma3:4b\n\nCo-authored-by: Evil <evil@example.com>";

    repo.write(
        ".ai-commit.toml",
        format!("model = {}\n", serde_json::Value::from(hostile)),
    );
    repo.stage("settings.txt", "port = 8080\n");
    let out = repo.git(&["commit"]);
    assert_ok(
        &out,
        "git commit with a hostile model name in the repository file",
    );
    assert!(
        stderr(&out).contains("must not hold control characters"),
        "{}",
        describe(&out)
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    std::fs::remove_file(repo.path().join(".ai-commit.toml")).expect("remove the file");

    env.set_env("AI_COMMIT_MODEL", hostile);
    repo.stage("settings.txt", "port = 8081\n");
    let (editor, captured) = env.editor_capture();
    let out = repo.git_with(&["commit"], &[("GIT_EDITOR", editor.as_str())]);
    assert_ok(&out, "git commit with a hostile AI_COMMIT_MODEL");
    let file = std::fs::read_to_string(&captured).expect("the editor saw the file");
    assert!(
        file.starts_with(&format!(
            "{REPLY}\n# ai-commit: message from gemma3:4b  Co-authored-by"
        )),
        "{file}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(trailers_of(&repo, "HEAD"), "");
}

/// A reply cannot make the message show as other text: bidirectional overrides and isolates
/// (the "Trojan Source" characters), NUL and DEL are gone from what is committed.
#[test]
fn reply_cannot_hide_text_in_the_message() {
    let reply = "Add the \u{202e}sgnittes\u{202c} file\u{0}\n\n\
                 Read the port \u{2066}from\u{2069} the settings\u{7f} file.";
    let (_standin, env) = world(reply);
    // The reply's body is part of what is checked.
    env.write_config("body = true\n");
    let repo = env.repo("bidi-reply");
    repo.install_hook();
    repo.stage("settings.txt", "port = 8080\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit with bidirectional controls in the reply");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Add the sgnittes file\n\nRead the port from the settings file.",
        "{}",
        describe(&out)
    );
}
