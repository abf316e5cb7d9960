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
//! of changed files and hunks the prompt shows.
//!
//! Then what a rebase pick costs through hooks, side by side: a 30-commit `git rebase -i`
//! (`AI_COMMIT_BENCH_PICKS` commits) with no hooks, with a do-nothing hook (`exit 0`) under
//! every name ai-commit passes through, and with ai-commit's global hooks without a config
//! file, with a small one and with a copy of config.example.toml (which sets `sources`, so the
//! binary decides every pick); and one `prepare-commit-msg <file> message` of each script on
//! its own, which is the part of a pick that is ours. It asserts nothing.

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

/// `program` in `repo` with no inherited environment but PATH, a home of its own, and
/// `AI_COMMIT_CONFIG` pointing at `config` (which may not exist); no stdio.
fn hermetic(program: &str, repo: &Path, home: &Path, config: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(repo)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("AI_COMMIT_CONFIG", config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn command(program: &str, repo: &Path, ollama: &str, home: &Path) -> Command {
    let mut cmd = hermetic(program, repo, home, &home.join("none.toml"));
    cmd.env("OLLAMA_HOST", ollama)
        .env("GIT_INDEX_FILE", ".git/index");
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

/// A staged change to measure, and the stand-in's reply for it: one the hook takes at once
/// (it names something in the change), so the path timed is one exchange, not a retry.
struct Fixture {
    name: &'static str,
    stage: fn(&Path, &Path),
    reply: &'static str,
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
    if files > 0 {
        hook_and_prompt(tmp.path(), files, runs);
    }
    picks(tmp.path(), runs, env_usize("AI_COMMIT_BENCH_PICKS", 30));
}

/// The hook's whole cost on a large repository, and the prompt it sends.
fn hook_and_prompt(tmp: &Path, files: usize, runs: usize) {
    let home = tmp.join("home");
    let repo = tmp.join("repo");
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
    let msg = tmp.join("COMMIT_EDITMSG");
    let standin = ollama::StandIn::start(ollama::Behavior::Reply(String::new()));
    let url = standin.url();

    let fixtures = [
        Fixture {
            name: "one-line change",
            stage: one_line,
            reply: "Bind a value in f0 of src/m0",
        },
        Fixture {
            name: "46,505-line insertion",
            stage: journal,
            reply: "Add the garden journal",
        },
        Fixture {
            name: "2,000 changed files",
            stage: two_thousand,
            reply: "Return each function's number in src/m0 to src/m19",
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
        standin.set_behavior(ollama::Behavior::Reply(fixture.reply.into()));
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
        let retries = chats[before..]
            .iter()
            .filter(|c| c["messages"].as_array().is_some_and(|m| m.len() > 2))
            .count();
        assert_eq!(
            retries, 0,
            "the stand-in's reply was refused for {}",
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
            // The list ends at its first blank line; computed facts may follow it.
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.starts_with("... and "))
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

/// A command for the picks: [`hermetic`], no editors, and a model address where nothing listens.
fn picks_command(program: &str, repo: &Path, home: &Path, config: &Path) -> Command {
    let mut cmd = hermetic(program, repo, home, config);
    // A closed loopback port: the binary, where it starts, never reaches a real server.
    cmd.env("OLLAMA_HOST", "http://127.0.0.1:9")
        .env("GIT_EDITOR", ":")
        .env("GIT_SEQUENCE_EDITOR", ":");
    cmd
}

/// What a rebase pick costs with no hooks, a do-nothing hook, and ai-commit's global hooks.
fn picks(tmp: &Path, runs: usize, commits: usize) {
    let home = tmp.join("picks-home");
    let repo = tmp.join("picks");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&repo).unwrap();
    fs::write(
        home.join("gitconfig"),
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n\
         [gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n[advice]\n\tdetachedHead = false\n",
    )
    .unwrap();
    let none = home.join("none.toml");
    let small = home.join("small.toml");
    fs::write(&small, "model = \"gemma3:4b\"\ntimeout = 10\n").unwrap();
    let example = home.join("example.toml");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"),
        &example,
    )
    .unwrap();
    let run_git = |args: &[&str]| {
        let status = picks_command("git", &repo, &home, &none)
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?} failed");
    };
    run_git(&["init", "-q"]);
    let mut stream = String::new();
    for n in 1..=commits {
        let message = format!("Add note {n}\n");
        let content = format!("note {n}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{n}\n\
             author Bench <bench@example.com> {t} +0000\n\
             committer Bench <bench@example.com> {t} +0000\n\
             data {}\n{message}\nM 100644 inline note-{n}.txt\ndata {}\n{content}\n",
            message.len(),
            content.len(),
            t = 1_767_268_800 + n
        ));
    }
    let mut import = picks_command("git", &repo, &home, &none);
    import
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped());
    let mut child = import.spawn().expect("git fast-import runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(stream.as_bytes())
            .unwrap();
    }
    assert!(child.wait().unwrap().success());
    run_git(&["reset", "-q", "--hard", "main"]);

    let empty = tmp.join("hooks-none");
    fs::create_dir_all(&empty).unwrap();
    let ours = tmp.join("hooks-ours");
    let status = Command::new(BIN)
        .args(["install", "--hooks-dir"])
        .arg(&ours)
        .stdout(Stdio::null())
        .status()
        .expect("ai-commit runs");
    assert!(status.success(), "ai-commit install --hooks-dir failed");
    let nothing = tmp.join("hooks-nothing");
    fs::create_dir_all(&nothing).unwrap();
    for entry in fs::read_dir(&ours).unwrap() {
        let name = entry.unwrap().file_name();
        let path = nothing.join(&name);
        fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let msg = tmp.join("PICK_MSG");

    let variants: [(&str, &Path, &Path); 5] = [
        ("no hooks", &empty, &none),
        ("do-nothing hook (exit 0)", &nothing, &none),
        ("ai-commit, no config file", &ours, &none),
        ("ai-commit, a 2-line config", &ours, &small),
        ("ai-commit, config.example.toml", &ours, &example),
    ];
    // Round after round, each variant once per round, so that the load of a shared machine
    // falls on all of them alike.
    let once = |mut cmd: Command| {
        let start = Instant::now();
        assert!(cmd.status().expect("command runs").success());
        start.elapsed()
    };
    let mut rebases = vec![Vec::new(); variants.len()];
    let mut singles = vec![Vec::new(); variants.len()];
    for round in 0..runs * 10 {
        // Each round starts with another variant: none always runs right after another.
        for i in (0..variants.len()).map(|k| (k + round) % variants.len()) {
            let (_, dir, config) = variants[i];
            if round < runs {
                let mut c = picks_command("git", &repo, &home, config);
                c.arg("-c")
                    .arg(format!("core.hooksPath={}", dir.display()))
                    .args(["rebase", "-q", "-i", "--no-ff", "--root"]);
                rebases[i].push(once(c));
            }
            let script = dir.join("prepare-commit-msg");
            if script.exists() {
                fs::write(&msg, "Add note 1\n").unwrap();
                let mut c = picks_command("sh", &repo, &home, config);
                c.arg(&script).arg(&msg).arg("message");
                singles[i].push(once(c));
            }
        }
    }
    let median = |samples: &mut Vec<Duration>| {
        samples.sort();
        ms(samples[samples.len() / 2])
    };
    println!();
    println!(
        "rebase picks: `git rebase -i --no-ff --root` of {commits} commits, {runs} runs each, \
         medians in ms; one `prepare-commit-msg <file> message` (a pick's own part): {} runs",
        runs * 10
    );
    println!(
        "{:<32} {:>10} {:>10} {:>10} {:>18}",
        "hooks", "rebase", "per pick", "x no hooks", "prepare-commit-msg"
    );
    let base = median(&mut rebases[0]);
    for (i, (name, _, _)) in variants.iter().enumerate() {
        let rebase = median(&mut rebases[i]);
        let one = if singles[i].is_empty() {
            "-".to_string()
        } else {
            format!("{:.2}", median(&mut singles[i]))
        };
        println!(
            "{name:<32} {rebase:>10.1} {:>10.2} {:>9.2}x {one:>18}",
            rebase / commits as f64,
            rebase / base
        );
    }
}
