//! Hermetic test environment: temporary HOME and git configuration, the real `ai-commit` binary
//! and the real git CLI, every command run with a cleared environment and a watchdog.
//!
//! Nothing here changes the test process's cwd or environment: each command gets its own
//! `current_dir` and a variable set built from scratch, so tests can run in parallel.
#![allow(dead_code)]

pub mod http;
pub mod ollama;
pub mod openai;
pub mod tls;

use std::cell::{Cell, RefCell};
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The binary under test, built by cargo for this test target.
pub const BIN: &str = env!("CARGO_BIN_EXE_ai-commit");

/// Author and committer date of every commit the tests make.
pub const FIXED_DATE: &str = "2026-01-01T12:00:00+00:00";

/// How long one command may run before the watchdog kills its process group and fails the test.
/// A correctness bound against hangs, far above any configured timeout the tests use.
pub const DEFAULT_COMMAND_LIMIT: Duration = Duration::from_secs(120);

/// A temporary world for one test: home, XDG config, git config files, repositories.
pub struct TestEnv {
    dir: TempDir,
    /// Per-test variables on top of the hermetic base: `Some` sets, `None` removes.
    vars: RefCell<Vec<(String, Option<String>)>>,
    scripts: Cell<u32>,
    limit: Cell<Duration>,
    /// Where `OLLAMA_HOST` points until a test sets a stand-in: a loopback port nothing serves.
    closed_url: String,
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

impl TestEnv {
    /// Creates the temporary directory with `home/`, `xdg/`, `tmp/`, an empty git template
    /// directory, the global and (empty) system git config files.
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("ai-commit-it-")
            .tempdir()
            .expect("create the test's temporary directory");
        let root = dir.path();
        for sub in ["home", "xdg", "tmp", "scripts", "git-template/hooks"] {
            fs::create_dir_all(root.join(sub)).expect("create test directories");
        }
        fs::write(root.join("gitconfig-system"), "").expect("write the system git config");
        let global = format!(
            "[user]\n\
             \tname = Test User\n\
             \temail = test@example.com\n\
             [init]\n\
             \tdefaultBranch = main\n\
             \ttemplateDir = {template}\n\
             [commit]\n\
             \tgpgsign = false\n\
             [tag]\n\
             \tgpgsign = false\n\
             [core]\n\
             \tautocrlf = false\n\
             \tpager = cat\n\
             [color]\n\
             \tui = false\n\
             [gc]\n\
             \tauto = 0\n\
             [maintenance]\n\
             \tauto = false\n\
             [advice]\n\
             \tdefaultBranchName = false\n\
             \tdetachedHead = false\n\
             \tskippedCherryPicks = false\n",
            template = git_config_quote(&root.join("git-template"))
        );
        fs::write(root.join("gitconfig-global"), global).expect("write the global git config");
        TestEnv {
            dir,
            vars: RefCell::new(Vec::new()),
            closed_url: ollama::closed_port_url(),
            scripts: Cell::new(0),
            limit: Cell::new(DEFAULT_COMMAND_LIMIT),
        }
    }

    /// The temporary directory holding everything of this test.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `$HOME` of every command.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// `$XDG_CONFIG_HOME` of every command.
    pub fn xdg(&self) -> PathBuf {
        self.root().join("xdg")
    }

    /// `$GIT_CONFIG_GLOBAL` of every command.
    pub fn global_git_config(&self) -> PathBuf {
        self.root().join("gitconfig-global")
    }

    /// `$AI_COMMIT_CONFIG` of every command; the file exists only after [`TestEnv::write_config`].
    pub fn config_path(&self) -> PathBuf {
        self.root().join("ai-commit.toml")
    }

    /// Writes the user config file `$AI_COMMIT_CONFIG` points at.
    pub fn write_config(&self, toml_text: &str) {
        fs::write(self.config_path(), toml_text).expect("write the ai-commit config");
    }

    /// Sets `OLLAMA_HOST` for every later command.
    pub fn set_ollama(&self, url: &str) {
        self.set_env("OLLAMA_HOST", url);
    }

    /// Sets a variable for every later command (overrides the hermetic base too).
    pub fn set_env(&self, key: &str, value: &str) {
        self.put_var(key, Some(value.to_owned()));
    }

    /// Removes a variable (also one of the hermetic base, e.g. `GIT_EDITOR`) for later commands.
    pub fn unset_env(&self, key: &str) {
        self.put_var(key, None);
    }

    fn put_var(&self, key: &str, value: Option<String>) {
        let mut vars = self.vars.borrow_mut();
        vars.retain(|(k, _)| k != key);
        vars.push((key.to_owned(), value));
    }

    /// The watchdog limit of later commands (default [`DEFAULT_COMMAND_LIMIT`]).
    pub fn set_command_limit(&self, limit: Duration) {
        self.limit.set(limit);
    }

    /// The hermetic variable set, before per-test overrides.
    ///
    /// Beyond the obvious: `GIT_EDITOR=true` so a `git commit` that opens an editor never waits
    /// for a terminal (the editor "saves" the file unchanged; tests that capture set their own);
    /// `OLLAMA_HOST` points at a closed loopback port until [`TestEnv::set_ollama`], so a test
    /// that forgets to start a stand-in can never reach a real Ollama on this machine (tests of
    /// a config file's `host` call `unset_env("OLLAMA_HOST")`).
    pub fn base_vars(&self) -> Vec<(String, String)> {
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
        let root = self.root();
        let p = |sub: &str| root.join(sub).to_string_lossy().into_owned();
        [
            ("PATH", path),
            ("HOME", p("home")),
            ("XDG_CONFIG_HOME", p("xdg")),
            ("XDG_CACHE_HOME", p("cache")),
            ("TMPDIR", p("tmp")),
            ("GIT_CONFIG_GLOBAL", p("gitconfig-global")),
            ("GIT_CONFIG_SYSTEM", p("gitconfig-system")),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("LANG", "C".into()),
            ("LC_ALL", "C".into()),
            ("TZ", "UTC".into()),
            ("GIT_AUTHOR_NAME", "Test User".into()),
            ("GIT_AUTHOR_EMAIL", "test@example.com".into()),
            ("GIT_AUTHOR_DATE", FIXED_DATE.into()),
            ("GIT_COMMITTER_NAME", "Test User".into()),
            ("GIT_COMMITTER_EMAIL", "test@example.com".into()),
            ("GIT_COMMITTER_DATE", FIXED_DATE.into()),
            ("GIT_EDITOR", "true".into()),
            ("GIT_PAGER", "cat".into()),
            ("PAGER", "cat".into()),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("AI_COMMIT_BIN", BIN.into()),
            ("AI_COMMIT_CONFIG", p("ai-commit.toml")),
            ("OLLAMA_HOST", self.closed_url.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// A command with the hermetic environment (cleared, then base, then per-test variables),
    /// stdin from /dev/null, running in `cwd`.
    pub fn command(&self, program: impl AsRef<OsStr>, cwd: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().current_dir(cwd).stdin(Stdio::null());
        for (key, value) in self.base_vars() {
            cmd.env(key, value);
        }
        for (key, value) in self.vars.borrow().iter() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Runs a command under the watchdog and returns its output, asserting nothing.
    pub fn run(&self, cmd: Command) -> Output {
        run_with_limit(cmd, None, self.limit.get())
    }

    /// Runs a command with these bytes on stdin.
    pub fn run_with_stdin(&self, cmd: Command, stdin: &[u8]) -> Output {
        run_with_limit(cmd, Some(stdin.to_vec()), self.limit.get())
    }

    /// `git <args>` in `cwd`, asserting nothing.
    pub fn git(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut cmd = self.command("git", cwd);
        cmd.args(args);
        self.run(cmd)
    }

    /// `ai-commit <args>` in `cwd`, asserting nothing.
    pub fn ai_commit(&self, cwd: &Path, args: &[&str]) -> Output {
        self.ai_commit_with(cwd, args, &[])
    }

    /// `ai-commit <args>` in `cwd` with extra variables for this run only.
    pub fn ai_commit_with(&self, cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(BIN, cwd);
        cmd.args(args);
        for (key, value) in envs {
            cmd.env(key, value);
        }
        self.run(cmd)
    }

    /// `git init` in `<root>/<name>` (created) and returns the repository.
    pub fn repo(&self, name: &str) -> Repo<'_> {
        let path = self.root().join(name);
        fs::create_dir_all(&path).expect("create the repository directory");
        let out = self.git(&path, &["init", "-q"]);
        assert_ok(&out, &format!("git init {name}"));
        Repo { env: self, path }
    }

    /// An editor for `GIT_EDITOR` that copies the file it is given to the returned capture path
    /// and leaves the file unchanged. Returns (editor command, capture path).
    pub fn editor_capture(&self) -> (String, PathBuf) {
        let n = self.next_script();
        let capture = self.root().join("scripts").join(format!("editor-{n}.txt"));
        let body = format!("cat \"$1\" > {}\n", sh_quote(&capture));
        (self.write_script(&format!("editor-{n}.sh"), &body), capture)
    }

    /// An editor that copies the file to the capture path, then replaces it with `text`.
    pub fn editor_replace(&self, text: &str) -> (String, PathBuf) {
        let n = self.next_script();
        let scripts = self.root().join("scripts");
        let capture = scripts.join(format!("editor-{n}.txt"));
        let replacement = scripts.join(format!("editor-{n}.replacement"));
        fs::write(&replacement, text).expect("write the editor's replacement text");
        let body = format!(
            "cat \"$1\" > {}\ncat {} > \"$1\"\n",
            sh_quote(&capture),
            sh_quote(&replacement)
        );
        (self.write_script(&format!("editor-{n}.sh"), &body), capture)
    }

    /// Writes an executable `#!/bin/sh` script under `<root>/scripts` and returns the command
    /// that runs it (its shell-quoted path).
    pub fn write_script(&self, name: &str, body: &str) -> String {
        let path = self.root().join("scripts").join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}")).expect("write the script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .expect("make the script executable");
        sh_quote(&path)
    }

    fn next_script(&self) -> u32 {
        let n = self.scripts.get() + 1;
        self.scripts.set(n);
        n
    }
}

/// A git repository inside a [`TestEnv`].
pub struct Repo<'a> {
    env: &'a TestEnv,
    path: PathBuf,
}

impl<'a> Repo<'a> {
    /// The top of the work tree.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The environment this repository lives in.
    pub fn env(&self) -> &'a TestEnv {
        self.env
    }

    /// Writes a file relative to the work tree, creating parent directories.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.path.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, content).expect("write a work-tree file");
    }

    /// Reads a file relative to the work tree.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path.join(rel)).expect("read a work-tree file")
    }

    /// Writes a file and stages it.
    pub fn stage(&self, rel: &str, content: impl AsRef<[u8]>) {
        self.write(rel, content);
        self.git_ok(&["add", "--", rel]);
    }

    /// Writes `commits` (message, path, content; oldest first) on `main` in one
    /// `git fast-import` stream, each commit writing one file, and checks `main` out: a long
    /// history for the cost of one process rather than a `git commit` each.
    pub fn import_history(&self, commits: &[(String, String, String)]) {
        let mut stream = String::new();
        for (n, (message, path, content)) in (1..).zip(commits) {
            let time = 1_767_268_800 + n;
            stream.push_str(&format!(
                "commit refs/heads/main\nmark :{n}\n\
                 author Test User <test@example.com> {time} +0000\n\
                 committer Test User <test@example.com> {time} +0000\n\
                 data {}\n{message}\n\
                 M 100644 inline {path}\ndata {}\n{content}\n",
                message.len(),
                content.len()
            ));
        }
        let mut import = self.env.command("git", &self.path);
        import.args(["fast-import", "--quiet"]);
        assert_ok(
            &self.env.run_with_stdin(import, stream.as_bytes()),
            &format!("git fast-import of {} commits", commits.len()),
        );
        self.git_ok(&["reset", "-q", "--hard", "main"]);
    }

    /// `git <args>` in the work tree, asserting nothing.
    pub fn git(&self, args: &[&str]) -> Output {
        self.env.git(&self.path, args)
    }

    /// `git <args>` with extra variables for this run only (e.g. `GIT_EDITOR`), asserting nothing.
    pub fn git_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut cmd = self.env.command("git", &self.path);
        cmd.args(args);
        for (key, value) in envs {
            cmd.env(key, value);
        }
        self.env.run(cmd)
    }

    /// `git <args>`; panics with the output if it fails; returns stdout.
    pub fn git_ok(&self, args: &[&str]) -> String {
        let out = self.git(args);
        assert_ok(&out, &format!("git {}", args.join(" ")));
        stdout(&out)
    }

    /// The full message of `rev` (`git log -1 --format=%B`), without the trailing newlines.
    pub fn commit_msg_of(&self, rev: &str) -> String {
        let message = self.git_ok(&["log", "-1", "--format=%B", rev, "--"]);
        message.trim_end_matches('\n').to_owned()
    }

    /// `ai-commit <args>` with the work tree as cwd, asserting nothing.
    pub fn ai_commit(&self, args: &[&str]) -> Output {
        self.env.ai_commit(&self.path, args)
    }

    /// Runs `ai-commit install` in the work tree and asserts it succeeded.
    pub fn install_hook(&self) -> Output {
        let out = self.ai_commit(&["install"]);
        assert_ok(&out, "ai-commit install");
        out
    }

    /// Makes the installed hook log each run to a file before doing anything else, and
    /// returns the log's path; each line is `source=<arg or (absent)> rev=<arg or (absent)>`.
    /// Proves the hook ran where it must do nothing (the shim decides most of those without
    /// starting the binary).
    pub fn log_hook_calls(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let log = self
            .env
            .root()
            .join(format!("hook-calls-{}.log", name.unwrap_or_default()));
        let hook = self.hook_path();
        let shim = fs::read_to_string(&hook).expect("read the installed hook");
        let (shebang, rest) = shim.split_once('\n').expect("a shebang line");
        let line = format!(
            "printf 'source=%s rev=%s\\n' \"${{2-(absent)}}\" \"${{3-(absent)}}\" >> {}",
            sh_quote(&log)
        );
        fs::write(&hook, format!("{shebang}\n{line}\n{rest}")).expect("patch the hook");
        log
    }

    /// Where git looks for this repository's `prepare-commit-msg` hook
    /// (`git rev-parse --git-path hooks`, made absolute).
    pub fn hook_path(&self) -> PathBuf {
        let hooks = self.git_ok(&["rev-parse", "--git-path", "hooks"]);
        let hooks = Path::new(hooks.trim_end());
        self.path.join(hooks).join("prepare-commit-msg")
    }

    /// `git rev-parse --git-dir`, made absolute.
    pub fn git_dir(&self) -> PathBuf {
        let dir = self.git_ok(&["rev-parse", "--git-dir"]);
        self.path.join(dir.trim_end())
    }
}

/// The stderr lines that start with `ai-commit: `.
pub fn ai_commit_lines(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("ai-commit: "))
        .map(str::to_owned)
        .collect()
}

/// The one stderr line that starts with `ai-commit: `; panics unless there is exactly one.
pub fn the_ai_commit_line(out: &Output) -> String {
    let lines = ai_commit_lines(out);
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one `ai-commit: ` line on stderr\n{}",
        describe(out)
    );
    lines[0].clone()
}

/// The stand-in saw nothing at all: no chat, no probe.
pub fn assert_no_requests(standin: &ollama::StandIn, out: &Output) {
    let routes: Vec<String> = standin
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        routes.is_empty(),
        "expected no request at all, got {routes:?}\n{}",
        describe(out)
    );
}

/// The lines of a hook log made by [`Repo::log_hook_calls`] (none when the hook never ran).
pub fn hook_calls(log: &Path) -> Vec<String> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// stdout as text (lossy).
/// A stand-in answering every chat with `reply`, and an environment pointed at it.
pub fn world(reply: &str) -> (ollama::StandIn, TestEnv) {
    let standin = ollama::StandIn::start(ollama::Behavior::Reply(reply.to_owned()));
    let env = TestEnv::new();
    env.set_ollama(&standin.url());
    (standin, env)
}

/// The system and user messages of the one chat request the stand-in received.
pub fn chat_messages(standin: &ollama::StandIn, out: &Output) -> (String, String) {
    let chats = standin.chat_requests();
    assert_eq!(
        chats.len(),
        1,
        "expected one /api/chat request, got {chats:#?}\n{}",
        describe(out)
    );
    let text = |index: usize, role: &str| {
        let message = &chats[0]["messages"][index];
        assert_eq!(message["role"], role, "message {index}: {:#}", chats[0]);
        message["content"]
            .as_str()
            .unwrap_or_else(|| panic!("content {index} is not a string: {:#}", chats[0]))
            .to_owned()
    };
    (text(0, "system"), text(1, "user"))
}

/// The user message of the one chat request the stand-in received.
pub fn user_message(standin: &ollama::StandIn, out: &Output) -> String {
    chat_messages(standin, out).1
}

/// The user message of the first chat request the stand-in received, when a retry may follow
/// it (a reply the hook refused).
pub fn first_user_message(standin: &ollama::StandIn) -> String {
    standin.chat_requests()[0]["messages"][1]["content"]
        .as_str()
        .expect("a user message")
        .to_owned()
}

/// A repository with one commit (`journal.txt`, "day 1"), made before any hook is installed.
pub fn repo_with_journal<'a>(env: &'a TestEnv, name: &str) -> Repo<'a> {
    let repo = env.repo(name);
    repo.stage("journal.txt", "day 1\n");
    repo.git_ok(&["commit", "-q", "-m", "Start the journal"]);
    repo
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text (lossy).
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Status, stdout and stderr, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        stdout(out),
        stderr(out)
    )
}

/// Panics with the whole output unless the command succeeded.
pub fn assert_ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed\n{}", describe(out));
}

/// Runs `f` and measures how long it took (for correctness bounds such as "the commit finished
/// within the configured timeout plus a margin", not for benchmarks).
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// Panics unless `elapsed <= limit`.
pub fn assert_within(elapsed: Duration, limit: Duration, what: &str) {
    assert!(
        elapsed <= limit,
        "{what} took {elapsed:?}, more than the allowed {limit:?}"
    );
}

/// `'...'` quoting for sh.
pub fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

fn git_config_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Spawns `cmd` in its own process group, feeds stdin, collects stdout and stderr, and kills the
/// whole group (git, the hook shim, the binary) if it outlives `limit`, then panics: a hung
/// binary must fail the test, not hang the suite.
fn run_with_limit(mut cmd: Command, stdin: Option<Vec<u8>>, limit: Duration) -> Output {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let description = format!("{cmd:?}");
    let mut child: Child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {description}: {e}"));
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let stdout_rx = drain(child.stdout.take().expect("piped stdout"));
    let stderr_rx = drain(child.stderr.take().expect("piped stderr"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr_rx
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_default();
            panic!(
                "{description} still running after {limit:?}; killed\n--- stderr ---\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        thread::sleep(Duration::from_millis(5));
    };
    // A grandchild that outlives the command keeps the pipes open; do not wait for it forever.
    let grace = Duration::from_secs(10);
    Output {
        status,
        stdout: stdout_rx.recv_timeout(grace).unwrap_or_default(),
        stderr: stderr_rx.recv_timeout(grace).unwrap_or_default(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    rx
}

/// The report's `PROBLEM` line containing `needle`, and the fix under it.
pub fn doctor_problem(out: &Output, needle: &str) -> Option<(String, String)> {
    let text = stdout(out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("PROBLEM ") && l.contains(needle))?;
    let fix = lines
        .get(at + 1)
        .and_then(|l| l.trim_start().strip_prefix("fix: "))
        .unwrap_or_default();
    Some((lines[at].to_owned(), fix.to_owned()))
}
