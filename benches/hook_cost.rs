//! Whole-process cost of the hook, side by side with git's own diff in the same run, and the
//! size and coverage of the prompt it sends.
//!
//! `cargo bench --bench hook_cost` builds a packed repository of `AI_COMMIT_BENCH_FILES`
//! tracked files (default 50,000) in a temporary directory and, for each staged change
//! (a one-line edit; a 46,505-line insertion into one text file; 2,000 edited files), times
//! over `AI_COMMIT_BENCH_RUNS` runs (default 20):
//! - `git diff --cached --stat`: what git itself costs here;
//! - `ai-commit hook <file>` against a stand-in Ollama that answers at once: the whole
//!   generate path minus the model's own time;
//! - `ai-commit hook <file> message`: a skipped source (every rebase pick, every `-m`);
//! - `kept`: `ai-commit hook <file>` answered from the kept answers (`cache`), as a retried
//!   commit is (the generate path itself is timed with `cache = false`).
//!
//! It prints medians, the hook's ratio to git's diff against the target (1.3x plus 5 ms), and
//! for each change the prompt's bytes and estimated tokens against the budget and the share
//! of changed files and hunks the prompt shows. It asserts nothing.

// The stand-in and the HTTP server under it, as the integration tests use them.
#[allow(dead_code)]
#[path = "../tests/integration/support/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "../tests/integration/support/ollama.rs"]
mod ollama;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use ai_commit::config::defaults;
use ai_commit::prompt::estimate_tokens;
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
    let out = command("git", repo, "", home)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// Median wall time of `runs` runs, in milliseconds.
fn median_ms(runs: usize, make: impl FnMut() -> Command) -> f64 {
    ms(time(runs, make).0)
}

fn git_out(repo: &Path, home: &Path, args: &[&str]) -> String {
    let out = command("git", repo, "", home)
        .args(args)
        .stdout(Stdio::piped())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A staged change to measure.
struct Fixture {
    name: &'static str,
    stage: fn(&Path, &Path),
}

fn one_line(repo: &Path, home: &Path) {
    fs::write(repo.join("src/m0/f0.rs"), "pub fn f0() { let _ = 1; }\n").unwrap();
    git(repo, home, &["add", "src/m0/f0.rs"]);
}

fn journal(repo: &Path, home: &Path) {
    let text: String = (0..46_505)
        .map(|i| format!("Day {i}: wrote about the garden, the weather and a book.\n"))
        .collect();
    fs::write(repo.join("journal.txt"), text).unwrap();
    git(repo, home, &["add", "journal.txt"]);
}

fn two_thousand(repo: &Path, home: &Path) {
    for i in 0..2_000 {
        let path = repo.join(format!("src/m{}/f{i}.rs", i / 100));
        fs::write(path, format!("pub fn f{i}() -> u32 {{ {i} }}\n")).unwrap();
    }
    git(repo, home, &["add", "-u"]);
}

fn main() {
    let files = env_usize("AI_COMMIT_BENCH_FILES", 50_000);
    let runs = env_usize("AI_COMMIT_BENCH_RUNS", 20);
    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&repo).unwrap();
    fs::write(
        home.join("gitconfig"),
        // No automatic gc: past 6,700 loose objects `git commit` starts one in the background,
        // which then refuses the explicit `git gc` below and competes with every timing.
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n\
         [gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n",
    )
    .unwrap();
    // The generate path is timed without the kept answers (every run would be one after the
    // first); the kept answer is timed on its own, in the `kept` column.
    fs::write(home.join("none.toml"), "cache = false\n").unwrap();
    fs::write(home.join("kept.toml"), "").unwrap();

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
    let msg = tmp.path().join("COMMIT_EDITMSG");
    let standin = ollama::StandIn::start(ollama::Behavior::Reply("Change f0 body".into()));
    let url = standin.url();

    let fixtures = [
        Fixture {
            name: "one-line change",
            stage: one_line,
        },
        Fixture {
            name: "46,505-line insertion",
            stage: journal,
        },
        Fixture {
            name: "2,000 changed files",
            stage: two_thousand,
        },
    ];
    println!("hook cost: {files} tracked files (packed), {runs} runs each, medians in ms");
    println!(
        "{:<24} {:>10} {:>10} {:>8} {:>10} {:>10} {:>10}",
        "change", "git diff", "hook", "ratio", "target", "skipped", "kept"
    );
    let mut prompts = Vec::new();
    for fixture in &fixtures {
        git(&repo, &home, &["reset", "-q", "--hard"]);
        (fixture.stage)(&repo, &home);
        let diff = median_ms(runs, || {
            let mut c = command("git", &repo, &url, &home);
            c.args(["diff", "--cached", "--stat"]);
            c
        });
        let before = standin.chat_requests().len();
        let hook = median_ms(runs, || {
            fs::write(&msg, "\n# comment\n").unwrap();
            let mut c = command(BIN, &repo, &url, &home);
            c.arg("hook").arg(&msg).env("GIT_EDITOR", ":");
            c
        });
        let skipped = median_ms(runs, || {
            fs::write(&msg, "mine\n").unwrap();
            let mut c = command(BIN, &repo, &url, &home);
            c.arg("hook").arg(&msg).arg("message");
            c
        });
        let kept = median_ms(runs, || {
            fs::write(&msg, "\n# comment\n").unwrap();
            let mut c = command(BIN, &repo, &url, &home);
            c.arg("hook")
                .arg(&msg)
                .env("GIT_EDITOR", ":")
                .env("AI_COMMIT_CONFIG", home.join("kept.toml"));
            c
        });
        let target = diff * 1.3 + 5.0;
        println!(
            "{:<24} {diff:>10.2} {hook:>10.2} {:>7.2}x {:>10} {skipped:>10.2} {kept:>10.2}",
            fixture.name,
            hook / diff,
            format!(
                "{target:.2} {}",
                if hook <= target { "met" } else { "MISSED" }
            ),
        );
        let chats = standin.chat_requests();
        assert!(
            chats.len() > before,
            "the hook sent no request for {}",
            fixture.name
        );
        let last = &chats[chats.len() - 1];
        let system = last["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let user = last["messages"][1]["content"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let patch = git_out(&repo, &home, &["diff", "--cached", "--no-color", "-M"]);
        let total_files = git_out(&repo, &home, &["diff", "--cached", "--name-only"])
            .lines()
            .count();
        let total_hunks = patch.lines().filter(|l| l.starts_with("@@ ")).count();
        prompts.push((fixture.name, system, user, total_files, total_hunks));
    }

    let budget = defaults::NUM_CTX as usize - defaults::NUM_PREDICT as usize;
    println!();
    println!(
        "prompt per change (budget: num_ctx {} - num_predict {} = {budget} tokens)",
        defaults::NUM_CTX,
        defaults::NUM_PREDICT
    );
    println!(
        "{:<24} {:>10} {:>12} {:>14} {:>14}",
        "change", "bytes", "est. tokens", "files listed", "hunks shown"
    );
    for (name, system, user, total_files, total_hunks) in &prompts {
        let tokens = estimate_tokens(system) + estimate_tokens(user);
        let listed = user
            .split("\nDiff:\n")
            .next()
            .unwrap_or("")
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("... and ") && !l.is_empty())
            .count();
        let hunks = user.lines().filter(|l| l.starts_with("@@ ")).count();
        println!(
            "{name:<24} {:>10} {tokens:>12} {:>14} {:>14}",
            system.len() + user.len(),
            format!("{listed}/{total_files} ({:.0}%)", pct(listed, *total_files)),
            format!("{hunks}/{total_hunks} ({:.0}%)", pct(hunks, *total_hunks)),
        );
    }
}

fn pct(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}
