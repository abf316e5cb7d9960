//! Whole-process cost of the hook, side by side with git's own commands in the same run.
//!
//! `cargo bench --bench hook_cost` builds a repository of `AI_COMMIT_BENCH_FILES` tracked files
//! (default 5,000) in a temporary directory, stages a one-line change, and times, over
//! `AI_COMMIT_BENCH_RUNS` runs each (default 30):
//! - `git rev-parse --git-dir` and `git diff --cached --stat`: what git itself costs here;
//! - `ai-commit hook <file> message`: a skipped source (every rebase pick, every `-m`);
//! - `ai-commit hook <file>` against a stand-in Ollama that answers at once: the whole
//!   generate path minus the model's own time;
//! - `ai-commit hook <file>` with nothing listening: the fallback path.
//!
//! It prints the median and minimum of each and the ratios; it asserts nothing.

#[allow(dead_code)]
#[path = "../tests/integration/support/ollama.rs"]
mod ollama;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ai-commit");

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn command(program: &str, repo: &Path, ollama: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(repo)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("AI_COMMIT_CONFIG", home.join("none.toml"))
        .env("OLLAMA_HOST", ollama)
        .env("GIT_INDEX_FILE", ".git/index")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn git(repo: &Path, home: &Path, args: &[&str]) {
    let status = command("git", repo, "", home)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Median and minimum wall time of `runs` runs of the command `make` builds.
fn time(runs: usize, mut make: impl FnMut() -> Command) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let mut cmd = make();
            let start = Instant::now();
            let status = cmd.status().expect("command runs");
            let elapsed = start.elapsed();
            assert!(status.success());
            elapsed
        })
        .collect();
    samples.sort();
    (samples[samples.len() / 2], samples[0])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let files = env_usize("AI_COMMIT_BENCH_FILES", 5000);
    let runs = env_usize("AI_COMMIT_BENCH_RUNS", 30);
    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&repo).unwrap();
    fs::write(
        home.join("gitconfig"),
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();

    git(&repo, &home, &["init", "-q"]);
    for i in 0..files {
        let dir = repo.join(format!("src/m{}", i / 100));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(format!("f{i}.rs")),
            format!("pub fn f{i}() {{}}\n"),
        )
        .unwrap();
    }
    git(&repo, &home, &["add", "-A"]);
    git(&repo, &home, &["commit", "-q", "-m", "Initial"]);
    // Packed, as a real repository mostly is: loose objects cost a file open each.
    git(&repo, &home, &["gc", "-q"]);
    fs::write(repo.join("src/m0/f0.rs"), "pub fn f0() { let _ = 1; }\n").unwrap();
    git(&repo, &home, &["add", "src/m0/f0.rs"]);
    let msg = tmp.path().join("COMMIT_EDITMSG");

    let standin = ollama::StandIn::start(ollama::Behavior::Reply("Change f0 body".into()));
    let down = ollama::closed_port_url();
    let url = standin.url();

    let rows: Vec<(&str, (Duration, Duration))> = vec![
        (
            "git rev-parse --git-dir",
            time(runs, || {
                let mut c = command("git", &repo, &url, &home);
                c.args(["rev-parse", "--git-dir"]);
                c
            }),
        ),
        (
            "git diff --cached --stat",
            time(runs, || {
                let mut c = command("git", &repo, &url, &home);
                c.args(["diff", "--cached", "--stat"]);
                c
            }),
        ),
        (
            "ai-commit hook (skipped source)",
            time(runs, || {
                fs::write(&msg, "mine\n").unwrap();
                let mut c = command(BIN, &repo, &url, &home);
                c.arg("hook").arg(&msg).arg("message");
                c
            }),
        ),
        (
            "ai-commit hook (instant model)",
            time(runs, || {
                fs::write(&msg, "\n# comment\n").unwrap();
                let mut c = command(BIN, &repo, &url, &home);
                c.arg("hook").arg(&msg).env("GIT_EDITOR", ":");
                c
            }),
        ),
        (
            "ai-commit hook (server down)",
            time(runs, || {
                fs::write(&msg, "\n# comment\n").unwrap();
                let mut c = command(BIN, &repo, &down, &home);
                c.arg("hook").arg(&msg).env("GIT_EDITOR", ":");
                c
            }),
        ),
    ];

    println!("hook cost: {files} tracked files, one staged line, {runs} runs each");
    println!("{:<34} {:>10} {:>10}", "command", "median ms", "min ms");
    for (name, (median, min)) in &rows {
        println!("{name:<34} {:>10.2} {:>10.2}", ms(*median), ms(*min));
    }
    let diff = rows[1].1 .0;
    println!();
    for (name, (median, _)) in &rows[2..] {
        println!(
            "{name:<34} {:>6.2}x git diff --cached --stat ({:+.2} ms)",
            median.as_secs_f64() / diff.as_secs_f64(),
            ms(*median) - ms(diff)
        );
    }
}
