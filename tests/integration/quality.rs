//! Getting the best message a small model can give: the repository's own style learned from its
//! history, one corrective retry, structured output, `.gitattributes`, and a prompt that spends
//! the window where the meaning is.

use serde_json::Value;

use crate::support::ollama::{Behavior, StandIn};
use crate::support::{assert_ok, describe, first_user_message, stderr, world, Repo, TestEnv};

/// A repository whose history is Conventional Commits with the scopes `cli` and `hook`.
fn conventional_repo<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = env.repo(name);
    for (i, subject) in [
        "chore: start the project",
        "feat(cli): add the --json flag",
        "fix(hook): keep the scissors line",
        "docs: explain the layers",
        "fix(cli): exit 0 on bad flags",
        "feat(hook): read the template",
    ]
    .iter()
    .enumerate()
    {
        repo.stage(&format!("src/f{i}.rs"), format!("pub fn f{i}() {{}}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();
    repo.stage("src/cli.rs", "pub fn verbose() -> bool { true }\n");
    repo
}

fn chat_turns(standin: &StandIn) -> Vec<Vec<(String, String)>> {
    standin
        .chat_requests()
        .iter()
        .map(|chat| {
            chat["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .map(|m| {
                    (
                        m["role"].as_str().unwrap_or("").to_owned(),
                        m["content"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

fn only_request(standin: &StandIn) -> Vec<(String, String)> {
    let turns = chat_turns(standin);
    assert_eq!(turns.len(), 1, "expected one chat request: {turns:#?}");
    turns.into_iter().next().unwrap()
}

#[test]
fn conventional_history_shapes_the_instructions_and_the_subject_is_kept() {
    let (standin, env) = world("feat(cli): add a verbose flag");
    let repo = conventional_repo(&env, "conv");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "feat(cli): add a verbose flag");
    let system = &only_request(&standin)[0].1;
    assert!(system.contains("Conventional Commits"), "{system}");
    assert!(
        system.contains("Types used here: feat, fix, docs, chore."),
        "{system}"
    );
    assert!(system.contains("Scopes used here: hook, cli;"), "{system}");
    assert!(
        system
            .lines()
            .any(|l| l == "- feat(hook): read the template"),
        "{system}"
    );
    assert!(
        system.contains("Start the summary with a lowercase letter."),
        "{system}"
    );
}

#[test]
fn unusable_first_reply_gets_one_corrective_retry() {
    let standin = StandIn::start(Behavior::Sequence(vec![
        // A code change is not documentation.
        Behavior::Reply("docs: add a verbose flag".into()),
        Behavior::Reply("feat(cli): add a verbose flag".into()),
    ]));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = conventional_repo(&env, "retry");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "feat(cli): add a verbose flag");
    let turns = chat_turns(&standin);
    assert_eq!(turns.len(), 2, "{}", describe(&out));
    let retry = &turns[1];
    let roles: Vec<&str> = retry.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(retry[2].1, "docs: add a verbose flag");
    // The retry samples more freely: at 0.2 a small model mostly said the same words again.
    let chats = standin.chat_requests();
    assert_eq!(chats[0]["options"]["temperature"], 0.2);
    assert_eq!(chats[1]["options"]["temperature"], 0.7);
    assert!(
        retry[3].1.contains("cannot be used as a commit message")
            && retry[3].1.contains("type `docs` does not fit the change"),
        "{}",
        retry[3].1
    );
    assert!(
        stderr(&out).contains("ai-commit: message from gemma3:4b"),
        "{}",
        describe(&out)
    );
}

/// A subject the history repeats for one kind of change (screenshots regenerated) is written
/// for that change again without asking the model; another change is asked for as usual.
#[test]
fn a_routine_commit_gets_the_history_s_subject_without_asking() {
    let (standin, env) = world(r#"{"subject": "docs: add guidance for agents"}"#);
    let repo = env.repo("routine");
    let routine = "docs(cli/screenshots): update CLI screenshots";
    for (i, (path, subject)) in [
        ("docs/images/cli/commit.gif", routine),
        ("src/cli.py", "feat(cli): add the --json flag"),
        ("docs/images/cli/init.gif", routine),
        ("src/hook.py", "fix(hook): keep the scissors line"),
        ("docs/images/cli/bump.gif", routine),
        ("docs/guide.md", "docs: explain the guide"),
    ]
    .iter()
    .enumerate()
    {
        // A GIF's header, then a NUL: binary, as git sees it.
        repo.stage(path, format!("GIF89a\0version {i}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();

    repo.stage("docs/images/cli/commit.gif", "GIF89a\0version 9\n");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), routine, "{}", describe(&out));
    assert!(standin.chat_requests().is_empty(), "{}", describe(&out));
    assert!(
        stderr(&out).contains("ai-commit: routine subject this repository repeats"),
        "{}",
        describe(&out)
    );

    repo.stage("AGENTS.md", "Run the tests first.\n");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of another change");
    assert_eq!(repo.commit_msg_of("HEAD"), "docs: add guidance for agents");
    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1);
    let system = chats[0]["messages"][0]["content"].as_str().unwrap_or("");
    assert!(!system.contains("update CLI screenshots"), "{system}");
}

/// A reply that repeats a recent subject, shown as an example, for a change elsewhere in the
/// tree is refused and asked again without the examples (shown its copy, the 1.5B model wrote
/// it again); the same subject for a change where that commit was is kept. (The 1.5B model
/// wrote commitizen's "update CLI screenshots" for 8 of 50 commits.)
#[test]
fn a_copied_recent_subject_is_kept_only_for_a_change_in_the_same_place() {
    let standin = StandIn::start(Behavior::Sequence(vec![
        Behavior::Reply(r#"{"subject": "docs: update CLI screenshots"}"#.into()),
        Behavior::Reply(r#"{"subject": "docs: add guidance for agents"}"#.into()),
        Behavior::Reply(r#"{"subject": "docs: update CLI screenshots"}"#.into()),
    ]));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = env.repo("copied");
    for (path, subject) in [
        ("src/cli.py", "feat(cli): add the --json flag"),
        ("docs/images/cli/commit.gif", "docs: update CLI screenshots"),
        ("src/hook.py", "fix(hook): keep the scissors line"),
        ("docs/layers.md", "docs: explain the layers"),
        ("src/bump.py", "fix(bump): exit 0 on bad flags"),
        ("docs/guide.md", "docs: explain the guide"),
    ] {
        repo.stage(path, format!("the first {path}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();

    // It names the CLI, so the copied subject is grounded in the change by a word.
    repo.stage("AGENTS.md", "Run the CLI tests before you commit.\n");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "docs: add guidance for agents",
        "{}",
        describe(&out)
    );
    let turns = chat_turns(&standin);
    assert_eq!(turns.len(), 2, "{}", describe(&out));
    // Asked again as the first time, with the instructions up to the examples and the change.
    let (first, again) = (&turns[0], &turns[1]);
    assert_eq!(again.len(), 2, "{again:#?}");
    assert!(first[0].1.contains("- docs: update CLI screenshots\n"));
    assert!(
        !again[0].1.contains("update CLI screenshots"),
        "{}",
        again[0].1
    );
    assert!(!again[0].1.contains("Recent subjects"), "{}", again[0].1);
    let up_to_examples = first[0].1.split("Recent subjects").next().unwrap();
    assert!(again[0].1.starts_with(up_to_examples.trim_end()));
    assert_eq!(again[1].1, first[1].1);
    // The first asked for one line; this one for the subject in a schema that bounds it.
    let chats = standin.chat_requests();
    assert!(chats[0]["format"].is_null(), "{}", chats[0]);
    assert_eq!(
        chats[1]["format"]["required"],
        serde_json::json!(["subject"]),
        "{}",
        chats[1]
    );

    repo.stage("docs/images/cli/commit.gif", "GIF89a\n");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of new screenshots");
    // The scope the path gives is the style's own addition.
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "docs(cli): update CLI screenshots",
        "{}",
        describe(&out)
    );
    assert_eq!(chat_turns(&standin).len(), 3);
}

#[test]
fn two_unusable_replies_fall_back_to_a_summary_in_the_repositorys_style() {
    let (standin, env) = world("verbose: add a flag");
    let repo = conventional_repo(&env, "twice");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "chore: add cli.rs");
    assert_eq!(standin.chat_requests().len(), 2);
    let err = stderr(&out);
    assert!(
        err.contains("`verbose` is not a commit type used here, twice"),
        "{err}"
    );
}

#[test]
fn a_retry_that_echoes_the_correction_is_not_a_message() {
    let standin = StandIn::start(Behavior::Sequence(vec![
        Behavior::Reply("verbose: add a flag".into()),
        Behavior::Reply(
            "That reply can only be used as a commit message\n\nIt repeats itself.".into(),
        ),
    ]));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    let repo = conventional_repo(&env, "echo");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "chore: add cli.rs");
    let err = stderr(&out);
    assert!(
        err.contains("after a retry: the model talked instead of describing the change"),
        "{err}"
    );
}

#[test]
fn scope_naming_nothing_that_changed_is_dropped() {
    let (_standin, env) = world("fix(parser): make verbose return true");
    let repo = conventional_repo(&env, "scope");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "fix: make verbose return true");
}

#[test]
fn plain_style_body_and_language_settings_are_followed() {
    let (standin, env) = world("Add a verbose flag\n\nIt prints each step.");
    env.write_config("style = \"plain\"\nbody = false\nlanguage = \"German\"\n");
    let repo = conventional_repo(&env, "plain");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "Add a verbose flag");
    let system = &only_request(&standin)[0].1;
    assert!(!system.contains("Conventional"), "{system}");
    assert!(
        !system.contains("feat(cli)"),
        "plain shows no examples: {system}"
    );
    assert!(system.contains("Write the message in German."), "{system}");
    assert!(
        system.contains("Write only the subject line, no body."),
        "{system}"
    );
}

#[test]
fn language_is_learned_from_a_history_in_another_language() {
    let (standin, env) = world("Neue Hilfe für die Flags");
    let repo = env.repo("deutsch");
    for (i, subject) in [
        "Fehler in der Anmeldung behoben",
        "Neue Seite für die Hilfe",
        "Tests für das Modul und die Doku",
    ]
    .iter()
    .enumerate()
    {
        repo.stage(&format!("f{i}.txt"), "x\n");
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();
    repo.stage("hilfe.txt", "Die Flags und die Hilfe\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    let system = &only_request(&standin)[0].1;
    assert!(system.contains("Write the message in German."), "{system}");
}

#[test]
fn structured_output_sends_the_schema_and_reads_the_object() {
    let (standin, env) =
        world(r#"{"subject": "Add a greeting", "body": "Say hello to the reader."}"#);
    env.write_config("format = \"json\"\nbody = true\n");
    let repo = env.repo("json");
    repo.install_hook();
    repo.stage("hello.txt", "Hello, reader!\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Add a greeting\n\nSay hello to the reader."
    );
    let chat = &standin.chat_requests()[0];
    let format = &chat["format"];
    assert_eq!(format["type"], "object", "{chat:#}");
    assert_eq!(format["properties"]["subject"]["type"], "string");
    assert_eq!(format["properties"]["subject"]["maxLength"], 72);
    assert_eq!(format["properties"]["body"]["type"], "string");
    // The subject comes first in what is sent: a model fills the fields in that order.
    let raw = String::from_utf8_lossy(&standin.requests()[0].raw_body).into_owned();
    let (subject_at, body_at) = (raw.find("\"subject\":{"), raw.find("\"body\":{"));
    assert!(subject_at < body_at && subject_at.is_some(), "{raw}");
    let system = chat["messages"][0]["content"].as_str().unwrap_or("");
    assert!(system.contains("Reply with a JSON object"), "{system}");

    // The default, auto, is json with Ollama where a body is asked for; text sends no format
    // and no JSON instruction.
    env.write_config("body = true\n");
    repo.stage("hello.txt", "Hello again, reader!\n");
    assert_ok(&repo.git(&["commit"]), "git commit");
    assert!(standin.chat_requests().last().unwrap()["format"].is_object());
    env.write_config("format = \"text\"\nbody = true\n");
    repo.stage("hello.txt", "Hello once more, reader!\n");
    assert_ok(&repo.git(&["commit"]), "git commit");
    let chats = standin.chat_requests();
    let last = chats.last().unwrap();
    assert_eq!(last.get("format"), None::<&Value>);
    let system = last["messages"][0]["content"].as_str().unwrap_or("");
    assert!(!system.contains("JSON"), "{system}");
}

fn user_message_of(standin: &StandIn) -> String {
    only_request(standin)[1].1.clone()
}

#[test]
fn gitattributes_generated_and_no_diff_files_are_names_only() {
    let (standin, env) = world("Add the API and its data");
    let repo = env.repo("attrs");
    repo.stage(
        ".gitattributes",
        "gen/*.rs linguist-generated\n*.dat -diff\n",
    );
    repo.git_ok(&["commit", "-q", "-m", "Add attributes"]);
    repo.install_hook();
    repo.stage("gen/api.rs", "pub fn generated_marker_one() {}\n");
    repo.stage("table.dat", "DATA-MARKER-TWO\n");
    repo.stage("src/main.rs", "fn main() { hand_written(); }\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    let user = user_message_of(&standin);
    assert!(
        user.contains("A gen/api.rs +1 (generated, diff not shown)\n"),
        "{user}"
    );
    assert!(user.contains("A table.dat (binary)\n"), "{user}");
    assert!(!user.contains("generated_marker_one"), "{user}");
    assert!(!user.contains("DATA-MARKER-TWO"), "{user}");
    assert!(user.contains("+fn main() { hand_written(); }"), "{user}");
}

#[test]
fn whitespace_only_change_is_named_and_not_shown() {
    let (standin, env) = world("Reindent the parser");
    let repo = env.repo("ws");
    repo.stage("parser.rs", "fn parse() {\n  let x = 1;\n  x\n}\n");
    repo.stage("lexer.rs", "fn lex() {}\n");
    repo.git_ok(&["commit", "-q", "-m", "Start"]);
    repo.install_hook();
    repo.stage("parser.rs", "fn parse() {\n    let x = 1;\n    x\n}\n");
    repo.stage("lexer.rs", "fn lex() { todo!() }\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    let user = user_message_of(&standin);
    assert!(
        user.contains("M parser.rs +2 -2 (whitespace only)\n"),
        "{user}"
    );
    assert!(!user.contains("--- parser.rs"), "{user}");
    assert!(user.contains("--- lexer.rs"), "{user}");
}

#[test]
fn thousands_of_files_are_summarised_and_whole_small_diffs_still_shown() {
    let (standin, env) = world("Add the f functions under src");
    // Time enough that the window bounds this prompt, not the deadline.
    env.write_config("timeout = 600\n");
    let repo = env.repo("many");
    repo.install_hook();
    for i in 0..2_000 {
        repo.write(
            &format!("src/m{}/f{i}.rs", i / 100),
            format!("pub fn f{i}() {{}}\n"),
        );
    }
    repo.git_ok(&["add", "-A"]);

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    let user = user_message_of(&standin);
    let summary = user
        .lines()
        .find(|l| l.starts_with("... and "))
        .unwrap_or_else(|| panic!("no summary of the files left out:\n{user}"));
    assert!(
        summary.contains(" more files: ") && summary.contains(" added under src/"),
        "{summary}"
    );
    let shown = user
        .lines()
        .filter(|l| *l == "@@" || l.starts_with("@@ "))
        .count();
    assert!(shown >= 20, "only {shown} whole small diffs shown:\n{user}");
    assert!(
        user.len() < 8192 * 5 / 2,
        "the prompt is {} bytes",
        user.len()
    );
}

#[test]
fn prose_changes_ask_for_what_was_written_about() {
    let (standin, env) = world("Write about the garden and the rain");
    let repo = env.repo("prose");
    repo.install_hook();
    repo.stage("journal.md", "Today the garden flooded after the rain.\n");

    let out = repo.git(&["commit"]);

    assert_ok(&out, "git commit");
    let user = user_message_of(&standin);
    assert!(
        user.contains("These are prose files: say what the new text is about"),
        "{user}"
    );
}

#[test]
fn moving_two_thousand_files_is_one_rename_each_and_a_one_line_summary() {
    let (standin, env) = world("Move the notes from old to new");
    let repo = env.repo("moved");
    for i in 0..2_000 {
        repo.write(&format!("old/n{i}.txt"), format!("note {i}\n"));
    }
    repo.git_ok(&["add", "-A"]);
    repo.git_ok(&["commit", "-q", "-m", "Add the notes"]);
    repo.git_ok(&["mv", "old", "new"]);

    // Past libgit2's similarity limit, exact renames are still found, as git finds them.
    let out = repo.ai_commit(&["--timeout", "5"]);
    assert_ok(&out, "ai-commit");
    let user = user_message_of(&standin);
    assert!(user.starts_with("Changed files (2000, +0 -0):\n"), "{user}");
    assert!(user.contains("\nR old/n0.txt -> new/n0.txt\n"), "{user}");
    assert!(user.contains(" renamed under new/"), "{user}");

    // Without a model, the summary says it in one line.
    env.set_ollama(&crate::support::ollama::closed_port_url());
    let out = repo.ai_commit(&[]);
    assert_ok(&out, "ai-commit without a server");
    assert_eq!(
        crate::support::stdout(&out),
        "Move 2,000 files from old/ to new/\n"
    );
}

/// `body = "auto"` (the default): a small change in a history without bodies is asked for the
/// subject alone (one line, which the server ends at the newline, and a subject's worth of `num_predict`); a large change
/// gets the body field and the configured `num_predict` back, from a server fast enough to
/// write it in good time (1,000 tokens a second read, 500 written).
#[test]
fn body_auto_asks_only_for_what_will_be_used() {
    let (standin, env) = world(r#"{"subject": "Greet the reader"}"#);
    standin.set_pace(1_000_000, 2_000_000);
    let repo = env.repo("auto-body");
    repo.install_hook();
    repo.stage("hello.txt", "Hello, reader!\n");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Greet the reader",
        "{}",
        describe(&out)
    );
    let chat = &standin.chat_requests()[0];
    assert_eq!(chat.get("format"), None, "{chat:#}");
    assert_eq!(
        chat["options"]["stop"],
        serde_json::json!(["\n"]),
        "{chat:#}"
    );
    assert_eq!(chat["options"]["num_predict"], 52, "{chat:#}");
    let system = chat["messages"][0]["content"].as_str().unwrap_or("");
    assert!(system.contains("only the subject line"), "{system}");

    let large: String = (0..250)
        .map(|i| format!("line {i} of the reader's greeting\n"))
        .collect();
    repo.stage("greeting.txt", large);
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a large change");
    let chats = standin.chat_requests();
    let chat = chats.last().unwrap();
    assert_eq!(
        chat["format"]["properties"]["body"]["type"], "string",
        "{chat:#}"
    );
    assert_eq!(chat["options"]["num_predict"], 256, "{chat:#}");
}

/// The prompt is sized for the deadline from the server's own counters: after a slow server's
/// first reply (10 tokens a second read, 5 written), a large change is cut to what it can read
/// and answer within `timeout`; a fast server's shows far more of the same change.
#[test]
fn the_prompt_is_sized_for_the_deadline_from_the_server_s_counters() {
    let large: String = (0..3000)
        .map(|i| format!("entry {i}: the reader's notes\n"))
        .collect();
    let user_of = |pace: Option<(u64, u64)>| {
        let (standin, env) = world(r#"{"subject": "Add notes for the reader"}"#);
        if let Some((read, write)) = pace {
            standin.set_pace(read, write);
        }
        env.write_config("timeout = 60\n");
        let repo = env.repo("sized");
        repo.install_hook();
        repo.stage("hello.txt", "Hello, reader!\n");
        assert_ok(&repo.git(&["commit", "--no-edit"]), "first commit");
        repo.stage("notes.txt", large.as_str());
        assert_ok(&repo.git(&["commit", "--no-edit"]), "large commit");
        let chats = standin.chat_requests();
        chats.last().unwrap()["messages"][1]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let slow = user_of(Some((100_000_000, 200_000_000)));
    let fast = user_of(None);
    // 60 s at 10 tokens a second, less the margin and the subject's writing: about 400
    // tokens, of which the minimum of the change (512 estimated tokens) is what is left.
    assert!(slow.contains("lines not shown"), "{slow}");
    assert!(
        slow.len() < 3_000,
        "the slow server got {} bytes",
        slow.len()
    );
    assert!(
        fast.len() > 3 * slow.len(),
        "fast {} vs slow {}",
        fast.len(),
        slow.len()
    );
}

/// With `body = "auto"`, a change that would get a body is asked for the subject alone where
/// the deadline leaves no time to write one: after a slow server's first reply (10 tokens a
/// second read, 5 written), the least prompt of a large change already fills what 30 s allow,
/// so the request is the subject's schema and `num_predict`. `body = true` keeps the body.
#[test]
fn a_body_is_asked_for_only_where_the_deadline_leaves_time_to_write_it() {
    let large: String = (0..250)
        .map(|i| format!("line {i} of the reader's greeting\n"))
        .collect();
    let last_chat = |body: &str| {
        let (standin, env) = world(r#"{"subject": "Greet the reader"}"#);
        standin.set_pace(100_000_000, 200_000_000);
        env.write_config(&format!("timeout = 30\n{body}"));
        let repo = env.repo("tight");
        repo.install_hook();
        repo.stage("hello.txt", "Hello, reader!\n");
        assert_ok(&repo.git(&["commit", "--no-edit"]), "first commit");
        repo.stage("greeting.txt", large.as_str());
        assert_ok(&repo.git(&["commit", "--no-edit"]), "large commit");
        standin.chat_requests().last().unwrap().clone()
    };
    let auto = last_chat("");
    assert!(
        auto["format"]["properties"].get("body").is_none(),
        "{auto:#}"
    );
    assert_eq!(auto["options"]["num_predict"], 52, "{auto:#}");
    let always = last_chat("body = true\n");
    assert_eq!(
        always["format"]["properties"]["body"]["type"], "string",
        "{always:#}"
    );
    assert_eq!(always["options"]["num_predict"], 256, "{always:#}");
}

/// In a history that writes bodies, a 40-line change is asked for one only where reading it
/// and writing a body is expected within half the timeout: a server that writes 5 tokens a
/// second would take about 30 s of the 60 for it, so the subject alone is asked for, though
/// the prompt itself fits the deadline; a fast server's request has the body.
#[test]
fn a_body_is_asked_for_only_where_it_comes_within_half_the_timeout() {
    let body_asked = |pace: (u64, u64)| {
        let (standin, env) = world(r#"{"subject": "Greet the reader"}"#);
        standin.set_pace(pace.0, pace.1);
        env.write_config("timeout = 60\n");
        let repo = env.repo("half");
        for i in 0..6 {
            repo.stage(&format!("notes/{i}.txt"), format!("note {i}\n"));
            repo.git_ok(&[
                "commit",
                "-q",
                "-m",
                &format!("Add note {i}\n\nThe reader asked for note {i}."),
            ]);
        }
        repo.install_hook();
        repo.stage("hello.txt", "Hello, reader!\n");
        assert_ok(&repo.git(&["commit", "--no-edit"]), "first commit");
        let text: String = (0..40).map(|i| format!("greeting {i}\n")).collect();
        repo.stage("greeting.txt", text);
        assert_ok(&repo.git(&["commit", "--no-edit"]), "40-line commit");
        let chats = standin.chat_requests();
        chats.last().unwrap()["format"]["properties"]
            .get("body")
            .is_some()
    };
    assert!(
        !body_asked((20_000_000, 200_000_000)),
        "a slow writer got a body"
    );
    assert!(
        body_asked((1_000_000, 2_000_000)),
        "a fast server got no body"
    );
}

/// `diff_context` bounds the unchanged lines shown around each change: 2 by default, 3 is
/// git's diff, 0 shows only what changed (and each hunk's `@@` line).
#[test]
fn diff_context_bounds_the_unchanged_lines_shown() {
    let user_of = |config: &str| {
        let (standin, env) = world(r#"{"subject": "Greet the reader by name"}"#);
        env.write_config(config);
        let repo = env.repo("context");
        let text: String = (0..9).map(|i| format!("line {i}\n")).collect();
        repo.stage("notes.txt", text.as_str());
        repo.git_ok(&["commit", "-q", "-m", "Start the notes"]);
        repo.install_hook();
        repo.stage("notes.txt", text.replace("line 4\n", "line four\n"));
        assert_ok(&repo.git(&["commit", "--no-edit"]), "git commit");
        first_user_message(&standin)
    };
    let default = user_of("");
    assert!(
        default.contains("\n line 2\n line 3\n-line 4\n+line four\n line 5\n line 6\n\n"),
        "{default}"
    );
    let whole = user_of("diff_context = 3\n");
    assert!(
        whole.contains(
            " line 1\n line 2\n line 3\n-line 4\n+line four\n line 5\n line 6\n line 7\n"
        ),
        "{whole}"
    );
    let bare = user_of("diff_context = 0\n");
    assert!(
        bare.contains("\n@@ line 0\n-line 4\n+line four\n\n"),
        "{bare}"
    );
    assert!(!bare.contains(" line 3\n"), "{bare}");
}

/// `ai-commit warm` loads the model with the hook's own `num_ctx` and `keep_alive` (a chat with
/// no messages); without `--wait` it returns at once and loads in the background, silent
/// whatever the server does.
#[test]
fn warm_loads_the_model_in_the_background() {
    let (standin, env) = world(r#"{"subject": "Greet the reader"}"#);
    let repo = env.repo("warm");
    let out = repo.ai_commit(&["warm", "--wait"]);
    assert_ok(&out, "ai-commit warm --wait");
    let chat = &standin.chat_requests()[0];
    assert_eq!(chat["messages"], serde_json::json!([]), "{chat:#}");
    assert_eq!(chat["options"]["num_ctx"], 8192);
    assert_eq!(chat["keep_alive"], "30m");

    // Detached: back at once even from a server that never answers, and silent.
    standin.set_behavior(Behavior::Hang);
    let start = std::time::Instant::now();
    let out = repo.ai_commit(&["warm"]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_ok(&out, "ai-commit warm");
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        describe(&out)
    );
    let seen = standin.wait_for_requests(2, std::time::Duration::from_secs(10));
    assert_eq!(seen.iter().filter(|r| r.route() == "/api/chat").count(), 2);

    // With the server down: silent when detached, one line and exit 1 with --wait.
    env.set_ollama(&crate::support::ollama::closed_port_url());
    let out = repo.ai_commit(&["warm"]);
    assert_ok(&out, "ai-commit warm, server down");
    assert!(out.stderr.is_empty(), "{}", describe(&out));
    let out = repo.ai_commit(&["warm", "--wait"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        stderr(&out).contains("could not connect"),
        "{}",
        describe(&out)
    );
}

/// With a change staged, warming sends the hook's own first request for a one-token reply, so
/// the server has read the prompt by the time the hook asks; the hook's request is then the
/// same messages and options but for the reply's length.
#[test]
fn warm_reads_the_staged_change_s_prompt_ahead_of_the_hook() {
    let (standin, env) = world(r#"{"subject": "Greet the reader"}"#);
    let repo = env.repo("primed");
    repo.stage("README.md", "hello\n");
    repo.git_ok(&["commit", "-q", "-m", "Start"]);
    repo.install_hook();
    repo.stage("greet.rs", "pub fn greet() -> &'static str { \"hello\" }\n");

    let out = repo.ai_commit(&["warm", "--wait"]);
    assert_ok(&out, "ai-commit warm --wait");
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit");

    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 2, "{chats:#?}");
    let (primer, hook) = (&chats[0], &chats[1]);
    assert!(
        primer["messages"][1]["content"]
            .as_str()
            .is_some_and(|u| u.contains("+pub fn greet()")),
        "{primer:#}"
    );
    assert_eq!(primer["messages"], hook["messages"]);
    assert_eq!(primer["format"], hook["format"]);
    assert_eq!(primer["options"]["num_predict"], 1);
    assert_ne!(hook["options"]["num_predict"], 1);
    assert_eq!(repo.commit_msg_of("HEAD"), "Greet the reader");
}

/// A change that only respells words: the prompt names them, and the fallback says it is a
/// typo fix (ripgrep's "doc: fix typo": `quick` to `quit` in a doc comment).
#[test]
fn a_spelling_fix_is_named_in_the_prompt_and_the_fallback() {
    let doc = |word: &str| {
        format!("/// Note that `0` is legal.\n/// It will immediately {word} without searching.\nfn limit() {{}}\n")
    };
    // The server answers nothing usable: the fallback speaks.
    let (standin, env) = world("");
    let repo = env.repo("typo");
    repo.stage("searcher.rs", doc("quick"));
    repo.git_ok(&["commit", "-q", "-m", "Start"]);
    repo.install_hook();
    repo.stage("searcher.rs", doc("quit"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a typo fix");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Fix a typo in searcher.rs",
        "{}",
        describe(&out)
    );
    let user = first_user_message(&standin);
    assert!(
        user.contains("Only the spelling of words changed: `quick` to `quit`."),
        "{user}"
    );
}

/// A dependency update: the prompt names which packages moved from which version to which
/// (the lockfile itself is sent by name only), and the fallback says it too, in the form the
/// history gives such commits.
#[test]
fn dependency_bumps_are_named_in_the_prompt_and_the_fallback() {
    let lock = |v: &str, regex: &str| {
        format!(
            "[[package]]\nname = \"grep\"\nversion = \"{v}\"\nsource = \"registry\"\n\n\
             [[package]]\nname = \"regex\"\nversion = \"{regex}\"\n"
        )
    };
    // The server answers nothing usable: the fallback speaks.
    let (standin, env) = world("");
    let repo = env.repo("bumps");
    repo.stage("Cargo.lock", lock("0.3.1", "1.11.0"));
    repo.git_ok(&["commit", "-q", "-m", "Start"]);
    repo.install_hook();
    repo.stage("Cargo.lock", lock("0.3.2", "1.11.0"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a lockfile bump");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "Bump grep from 0.3.1 to 0.3.2",
        "{}",
        describe(&out)
    );
    let user = first_user_message(&standin);
    assert!(
        user.contains("Dependency versions changed: grep 0.3.1 -> 0.3.2."),
        "{user}"
    );

    // A history of dependabot-style subjects: its form.
    for (i, s) in [
        "build(deps): bump serde from 1.0.1 to 1.0.2",
        "feat(cli): add a flag",
        "build(deps): bump clap from 4.0.0 to 4.1.0",
        "fix(cli): exit 0 on bad flags",
    ]
    .iter()
    .enumerate()
    {
        repo.stage(&format!("n{i}.txt"), *s);
        repo.git_ok(&["commit", "-q", "--no-verify", "-m", s]);
    }
    // Two packages move: no lone bump, so the model is asked, and the fallback names both.
    repo.stage("Cargo.lock", lock("0.3.3", "1.12.0"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a second bump");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "build(deps): bump grep and regex",
        "{}",
        describe(&out)
    );
}

/// A change that moves one dependency and nothing else has one right subject: the history's
/// bump form with the package and its versions, written without asking the model (the 1.5B
/// model copied "fix(check): expand env vars in --rev-range" for commitizen's
/// `peter-evans/find-comment@v3` to `@v4`, twice). The prefix is the one the newest earlier
/// bump of the same file took, where the history writes two.
#[test]
fn a_lone_dependency_bump_is_written_from_its_versions_without_asking_the_model() {
    let (standin, env) = world("fix(check): expand env vars in --rev-range");
    let repo = env.repo("lone-bumps");
    let workflow =
        |v: u32| format!("jobs:\n  a:\n    steps:\n      - uses: peter-evans/find-comment@v{v}\n");
    let lock = |v: &str| format!("[[package]]\nname = \"gitpython\"\nversion = \"{v}\"\n");
    let history = [
        ("src/a.py", "a = 1\n".to_string(), "feat(cli): add a"),
        ("uv.lock", lock("3.1.46"), "build: lock the dependencies"),
        (
            ".github/workflows/ci.yml",
            workflow(2),
            "ci: add the workflow",
        ),
        (
            "uv.lock",
            lock("3.1.47"),
            "build(deps): bump gitpython from 3.1.46 to 3.1.47 (#1938)",
        ),
        (
            ".github/workflows/ci.yml",
            workflow(3),
            "ci(deps): bump peter-evans/find-comment from 2 to 3 (#1990)",
        ),
        (
            ".github/workflows/ci.yml",
            workflow(4),
            "ci(deps): bump peter-evans/find-comment from 3 to 4 (#2020)",
        ),
        (
            "src/check.py",
            "env = 1\n".to_string(),
            "fix(check): expand env vars in --rev-range",
        ),
    ]
    .map(|(path, content, subject)| (subject.to_string(), path.to_string(), content));
    repo.import_history(&history);
    repo.install_hook();

    // The action's tags are `v4` and `v5`: the subject says `from 4 to 5`, as Dependabot does.
    repo.stage(".github/workflows/ci.yml", workflow(5));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a workflow bump");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "ci(deps): bump peter-evans/find-comment from 4 to 5",
        "{}",
        describe(&out)
    );
    assert!(
        stderr(&out).contains("dependency bump in this repository's own form"),
        "{}",
        stderr(&out)
    );

    // `ci(deps): ` is the more frequent prefix, but the lockfile's bumps took `build(deps): `.
    repo.stage("uv.lock", lock("3.1.48"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a lockfile bump");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "build(deps): bump gitpython from 3.1.47 to 3.1.48",
        "{}",
        describe(&out)
    );
    assert!(standin.chat_requests().is_empty(), "the model was asked");

    // A bump with another change beside it is the model's to describe.
    repo.stage(
        ".github/workflows/ci.yml",
        format!("{}      - run: make check\n", workflow(6)),
    );
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a bump and a step");
    let asked = standin.chat_requests().len();
    assert!(asked > 0, "{}", describe(&out));

    // With `style = "plain"` the history's forms are not followed: the model is asked.
    env.write_config("style = \"plain\"\n");
    repo.stage(".github/workflows/ci.yml", workflow(7));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of a bump in the plain style");
    assert!(standin.chat_requests().len() > asked, "{}", describe(&out));
    assert!(
        !repo.commit_msg_of("HEAD").starts_with("ci(deps)"),
        "{}",
        describe(&out)
    );
}

/// A changelog that gains a release's heading, and nothing else but documentation, is the
/// release's changelog: its subject takes the form of the earlier commit that changed the
/// changelog with one version in its subject (ripgrep's `changelog: 15.1.0`, 61 commits before
/// `changelog: 15.2.0`), not the release commit's, and the model is not asked.
#[test]
fn a_changelog_s_release_heading_takes_the_form_of_the_previous_one() {
    let (standin, env) = world("doc: update CHANGELOG.md and template.rg.1");
    let repo = env.repo("changelog-heading");
    let changelog = |heading: &str| format!("{heading}\n===\nNotes.\n\n1.0.0\n=====\nFirst.\n");
    let manifest = |v: &str| format!("[package]\nname = \"rg\"\nversion = \"{v}\"\n");
    let history = [
        ("src/main.rs", "fn main() {}\n".to_string(), "core: start"),
        ("CHANGELOG.md", changelog("1.1.0"), "changelog: 1.1.0"),
        ("Cargo.toml", manifest("1.1.0"), "1.1.0"),
        (
            "CHANGELOG.md",
            changelog("TBD"),
            "changelog: start next section",
        ),
        (
            "src/main.rs",
            "fn main() { run() }\n".to_string(),
            "core: run",
        ),
    ]
    .map(|(path, content, subject)| (subject.to_string(), path.to_string(), content));
    repo.import_history(&history);
    repo.install_hook();
    repo.stage("CHANGELOG.md", changelog("1.2.0 (2026-07-15)"));
    repo.stage("doc/rg.1", ".TH RG 1 2026-07-15\n");

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "changelog: 1.2.0",
        "{}",
        describe(&out)
    );
    assert!(standin.chat_requests().is_empty(), "the model was asked");

    // An entry under the heading is the model's to describe.
    repo.stage(
        "CHANGELOG.md",
        format!("{}* Fix a bug.\n", changelog("1.2.0 (2026-07-15)")),
    );
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of an entry");
    assert!(!standin.chat_requests().is_empty(), "{}", describe(&out));
}

/// A release in a repository whose history gives releases one form gets that form with the
/// version that moved, and the model is not asked; a dependency's bump still goes to it.
#[test]
fn a_release_takes_the_history_s_release_form_without_asking_the_model() {
    let (standin, env) = world("update version to 0.4.33");
    let repo = env.repo("releases");
    let manifest = |version: &str, dep: &str| {
        format!("[package]\nname = \"ignore\"\nversion = \"{version}\"  #:version\nedition = \"2021\"\n\n[dependencies]\nregex = \"{dep}\"\n")
    };
    repo.stage("src/lib.rs", "pub fn walk() {}\n");
    repo.stage("Cargo.toml", manifest("0.4.31", "1.10"));
    repo.git_ok(&["commit", "-q", "-m", "ignore: add a walker"]);
    for (version, subject) in [("0.4.32", "ignore-0.4.32"), ("0.4.32", "globset: fix it")] {
        repo.stage("Cargo.toml", manifest(version, "1.10"));
        repo.stage("src/lib.rs", format!("pub fn walk() {{}}\n// {subject}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.stage("Cargo.toml", manifest("0.4.20", "1.10"));
    repo.git_ok(&["commit", "-q", "-m", "globset-0.4.20"]);
    repo.stage("Cargo.toml", manifest("0.4.32", "1.10"));
    repo.git_ok(&["commit", "-q", "-m", "core: undo"]);
    repo.install_hook();

    repo.stage("Cargo.toml", manifest("0.4.33", "1.10"));
    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit");
    assert_eq!(repo.commit_msg_of("HEAD"), "ignore-0.4.33");
    assert!(standin.chat_requests().is_empty(), "the model was asked");
    assert!(
        stderr(&out).contains("release subject in this repository's own form"),
        "{}",
        stderr(&out)
    );

    // A dependency's version is no release: the model is asked.
    repo.stage("Cargo.toml", manifest("0.4.33", "1.11"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit");
    assert!(
        !standin.chat_requests().is_empty(),
        "the model was not asked"
    );
    assert_ne!(repo.commit_msg_of("HEAD"), "ignore-0.4.33");
}

/// A package whose releases the history read does not show (ripgrep's own `15.1.0`, 61
/// commits before `15.2.0`, among its crates' `ignore-0.4.30`) takes the form of its previous
/// release, found by that version's tag; a tag of the same number on another package's release
/// (ripgrep's own `0.1.8`, for its crate `grep-matcher` at 0.1.8) is not it.
#[test]
fn a_release_takes_the_form_of_the_previous_version_s_tag() {
    let (standin, env) = world("update version to 15.2.0");
    let repo = env.repo("tagged-releases");
    let manifest = |name: &str, version: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n")
    };
    repo.stage("Cargo.toml", manifest("ripgrep", "0.1.8"));
    repo.git_ok(&["commit", "-q", "-m", "0.1.8"]);
    repo.git_ok(&["tag", "0.1.8"]);
    repo.stage("Cargo.toml", manifest("ripgrep", "15.1.0"));
    repo.stage(
        "crates/matcher/Cargo.toml",
        manifest("grep-matcher", "0.1.8"),
    );
    repo.git_ok(&["commit", "-q", "-m", "15.1.0"]);
    repo.git_ok(&["tag", "-a", "-m", "ripgrep 15.1.0", "15.1.0"]);
    for (i, subject) in [
        "ignore-0.4.30",
        "globset-0.4.19",
        "ignore-0.4.31",
        "ci: fix it",
    ]
    .iter()
    .enumerate()
    {
        repo.stage(&format!("crate{i}.txt"), *subject);
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();

    repo.stage(
        "crates/matcher/Cargo.toml",
        manifest("grep-matcher", "0.1.9"),
    );
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of the crate's release");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "grep-matcher-0.1.9",
        "{}",
        describe(&out)
    );

    repo.stage("Cargo.toml", manifest("ripgrep", "15.2.0"));
    let out = repo.git(&["commit", "--no-edit"]);
    assert_ok(&out, "git commit of the root's release");
    assert_eq!(repo.commit_msg_of("HEAD"), "15.2.0", "{}", describe(&out));
    assert!(standin.chat_requests().is_empty(), "the model was asked");
}

/// In a history of `area: summary` subjects the model is told the area the change lies in,
/// and a subject without it gets it: the 1.5B model left it out in a third of ripgrep's.
#[test]
fn the_change_s_area_is_told_and_held_to() {
    let (standin, env) = world("add the mojo type");
    let repo = env.repo("areas");
    for (path, subject) in [
        (
            "crates/ignore/src/walk.rs",
            "ignore: fix deadlock when visitor panics",
        ),
        (
            "crates/ignore/src/default_types.rs",
            "ignore/types: add Hurl",
        ),
        ("crates/cli/src/lib.rs", "cli: add a flag"),
        (
            "crates/globset/src/lib.rs",
            "globset: increase pool capacity",
        ),
        (
            "crates/ignore/src/dir.rs",
            "ignore: add incremental checking",
        ),
    ] {
        repo.stage(path, format!("// {subject}\n"));
        repo.git_ok(&["commit", "-q", "-m", subject]);
    }
    repo.install_hook();
    repo.stage(
        "crates/ignore/src/default_types.rs",
        "// ignore/types: add Hurl\n(&[\"mojo\"], &[\"*.mojo\"]),\n",
    );

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "ignore/types: add the mojo type"
    );
    let user = user_message_of(&standin);
    assert!(
        user.ends_with("\nStart the subject with `ignore/types: `.\n"),
        "{user}"
    );
}

/// An area last used far beyond the style's window is still the history's: ripgrep writes
/// `pkg/brew: update tap` once a release, 61 commits back from its next `pkg/brew` change,
/// and with only the window read the change was called `brew:`.
#[test]
fn an_area_used_long_ago_is_still_known() {
    const LATER: usize = 120;
    let (standin, env) = world("brew: update the tap");
    let repo = env.repo("old-area");
    let commit =
        |subject: String, path: String| (format!("{subject}\n"), path, format!("{subject}\n"));
    let mut commits = vec![commit(
        "pkg/brew: update tap".into(),
        "pkg/brew/ripgrep-bin.rb".into(),
    )];
    for n in 2..=LATER + 1 {
        let area = ["ignore", "globset", "doc"][n % 3];
        commits.push(commit(
            format!("{area}: change {n}"),
            format!("{area}/f{n}.rs"),
        ));
    }
    repo.import_history(&commits);
    repo.install_hook();
    repo.stage("pkg/brew/ripgrep-bin.rb", "sha256 \"af78\"\n");

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit");
    let user = user_message_of(&standin);
    assert!(
        user.ends_with("\nStart the subject with `pkg/brew: `.\n"),
        "{user}"
    );
    assert_eq!(repo.commit_msg_of("HEAD"), "pkg/brew: update the tap");
}

/// The history's subjects are shown as examples, not instructions: a new bump of the same
/// action rightly says much what the last one said, and is the message.
#[test]
fn a_subject_like_a_recent_one_is_no_echo_of_the_instructions() {
    let reply = r#"{"subject": "ci(deps): bump peter-evans/find-comment from 4 to 5"}"#;
    let (standin, env) = world(reply);
    let repo = env.repo("bumps");
    let workflow =
        |v: u32| format!("jobs:\n  a:\n    steps:\n      - uses: peter-evans/find-comment@v{v}\n");
    repo.stage("src/a.py", "a = 1\n");
    repo.git_ok(&["commit", "-q", "-m", "feat(cli): add a"]);
    repo.stage(".github/workflows/ci.yml", workflow(3));
    repo.git_ok(&["commit", "-q", "-m", "ci: add the workflow"]);
    repo.stage("src/b.py", "b = 1\n");
    repo.git_ok(&["commit", "-q", "-m", "fix(cli): fix b"]);
    repo.stage(".github/workflows/ci.yml", workflow(4));
    repo.git_ok(&[
        "commit",
        "-q",
        "-m",
        "ci(deps): bump peter-evans/find-comment from 3 to 4",
    ]);
    repo.install_hook();
    // With a step more than the bump: no lone bump, which is written without asking.
    repo.stage(
        ".github/workflows/ci.yml",
        format!("{}      - run: make check\n", workflow(5)),
    );

    let out = repo.git(&["commit", "--no-edit"]);

    assert_ok(&out, "git commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "ci(deps): bump peter-evans/find-comment from 4 to 5",
        "{}",
        stderr(&out)
    );
    assert_eq!(standin.draft_requests().len(), 1);
}
