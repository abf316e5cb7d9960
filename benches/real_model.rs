//! The hook end to end against a real model, replaying a real repository's history.
//!
//! `cargo bench --bench real_model` takes the N most recent non-merge first-parent commits of
//! a repository that touch at most `AI_COMMIT_REPLAY_MAX_FILES` files, and for each one, in a
//! temporary `git clone --shared` with a hermetic HOME and git config, stages exactly that
//! commit's change on top of its parent (`checkout <commit>`, `reset --soft <parent>`) and runs
//! the built `ai-commit hook <msgfile>` as git would for `git commit --no-edit`
//! (`GIT_EDITOR=:`), with a user config of `timeout`, `format` and `model`. Per reply format it
//! prints the median and p90 wall seconds, how often the message came from the model rather
//! than the fallback, the fallback reasons, how often the final message is well formed by
//! checks written here (not the product's cleaner), and example pairs of the commit's real
//! subject and ours. It asserts nothing.
//!
//! For commits whose files are all prose (`ai_commit::prompt::is_prose`, the product's own
//! test: `.md`, `.txt`, ...), it also counts the bodies that talk about the diff or the commit
//! instead of the text ("The changes are detailed in the diff", as a 1.5B model wrote for a
//! journal entry), against the same count for the real messages.
//!
//! Environment:
//! - `AI_COMMIT_REPLAY_REPO`: the repository (a bare mirror is fine). Required. The word
//!   `journal` builds the prose journal fixture (`benches/fixtures/journal.sh`) in a temporary
//!   directory and replays that (`./journal` for a directory of that name).
//! - `AI_COMMIT_REPLAY_LIST=1`: list the commits that would be replayed and stop, before any
//!   request to the server.
//! - `OLLAMA_HOST` (default `http://127.0.0.1:18434`), `AI_COMMIT_MODEL` (default
//!   `smollm2:135m`): the Ollama-protocol server and model.
//! - `AI_COMMIT_REPLAY_COMMITS` (default 50), `AI_COMMIT_REPLAY_FORMATS` (default `text,json`),
//!   `AI_COMMIT_REPLAY_MAX_FILES` (default 40), `AI_COMMIT_REPLAY_TIMEOUT` (seconds, default 60).
//! - `AI_COMMIT_REPLAY_LOG`: a file to write one JSON line per run to (message, stderr, ...).
//! - `AI_COMMIT_REPLAY_AGAIN=1`: run each commit once more, as a commit retried after a failing
//!   `commit-msg` hook, and print the median of those runs (`again`); only for settings that
//!   keep answers (not `cache=false`).
//! - A setting in `AI_COMMIT_REPLAY_FORMATS` is a reply format, then any config lines after
//!   `+`: `json+body=true,json+body="auto"` compares the two body settings in one run. Two
//!   words there are the bench's own: `cold` leaves the server's prompt cache holding another
//!   prompt before each commit (as after a commit in another repository), and `warm` then runs
//!   `ai-commit warm --wait` first, as the global hook's pre-commit pass-through starts it
//!   (`json+cold,json+cold+warm` compares the two).
//! - `AI_COMMIT_REPLAY_SERVER_LOG`: the Ollama front's log (`~/.cache/real-model/front.log`),
//!   read for the prompt tokens, the tokens read anew (not from the prompt cache) and the
//!   output tokens of each commit.
//!
//! With the loopback model server of `/work/shared/scripts/real-model.sh`:
//!
//! ```sh
//! bash /work/shared/scripts/real-model.sh start --ollama
//! AI_COMMIT_REPLAY_REPO=/work/.mirror/sharkdp+hexyl/repo cargo bench --bench real_model
//! AI_COMMIT_REPLAY_REPO=journal cargo bench --bench real_model
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ai_commit::prompt::is_prose;

const BIN: &str = env!("CARGO_BIN_EXE_ai-commit");
const SUBJECT_MAX: usize = 72;
const MESSAGE_MAX: usize = 8 * 1024;
const CHATTER: &[&str] = &[
    "here is",
    "here's",
    "commit message:",
    "i have",
    "as an ai",
    "sure!",
    "certainly",
];

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn env_usize(name: &str, default: usize) -> usize {
    env_or(name, &default.to_string())
        .parse()
        .unwrap_or(default)
}

/// A setting as a file name: its letters and digits, the rest as `_`.
fn config_name(setting: &str) -> String {
    setting
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A command with nothing of the caller's environment but PATH: no user git config, no
/// ai-commit config, no proxy.
fn hermetic(program: &str, dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null());
    cmd
}

fn git(dir: &Path, home: &Path, args: &[&str]) -> Result<String, String> {
    let out = hermetic("git", dir, home)
        .args(args)
        .output()
        .map_err(|e| format!("git {args:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What git would commit from the message file: comments and surplus blank lines stripped.
fn committed_text(dir: &Path, home: &Path, msgfile: &Path) -> String {
    let input = fs::read(msgfile).unwrap_or_default();
    let mut child = hermetic("git", dir, home)
        .args(["stripspace", "--strip-comments"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git stripspace runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write to git stripspace");
    let out = child.wait_with_output().expect("git stripspace finishes");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One replayed commit.
struct Case {
    id: String,
    parent: String,
    subject: String,
    files: usize,
    /// Every file of the change is prose, by the product's own test.
    prose: bool,
    /// The real message's body, trimmed (empty when it has none).
    body: String,
    /// The heads of the prefixes (`cli`, `build`) the commits before this one used.
    vocabulary: Vec<String>,
}

/// A subject's prefix head: `build` of `build(deps): x`, `cli` of `cli: x`; none for a plain
/// subject.
fn prefix_head(subject: &str) -> Option<String> {
    let (prefix, _) = subject.split_once(": ")?;
    if prefix.is_empty() || prefix.contains(' ') || prefix.len() > 40 {
        return None;
    }
    let head = prefix.split(['(', '!']).next().unwrap_or(prefix);
    Some(head.to_ascii_lowercase())
}

/// Whether `ours` agrees with the repository's prefix vocabulary as the real subject does:
/// both plain, or both prefixed with ours a head the history uses or the real subject's own
/// (an area the person named for the first time, such as ripgrep's first `index:`).
fn prefix_agrees(ours: &str, case: &Case) -> bool {
    match (prefix_head(ours), prefix_head(&case.subject)) {
        (None, None) => true,
        (Some(head), Some(real)) => head == real || case.vocabulary.contains(&head),
        _ => false,
    }
}

/// The words of a subject for ROUGE: lowercase, without the pull-request number a forge
/// appends (`(#2050)`), which no local tool can know.
fn words(subject: &str) -> Vec<String> {
    let s = subject.trim();
    let s = match s.rfind(" (#") {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => s,
    };
    s.split(|c: char| !c.is_alphanumeric() && c != '.' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// ROUGE-L F1 of `ours` against `real`: the longest common subsequence of their words.
fn rouge_l(ours: &str, real: &str) -> f64 {
    let (a, b) = (words(ours), words(real));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            dp[i][j] = if a[i - 1] == b[j - 1] {
                dp[i - 1][j - 1] + 1
            } else {
                dp[i - 1][j].max(dp[i][j - 1])
            };
        }
    }
    let lcs = dp[a.len()][b.len()] as f64;
    if lcs == 0.0 {
        return 0.0;
    }
    let (p, r) = (lcs / a.len() as f64, lcs / b.len() as f64);
    2.0 * p * r / (p + r)
}

/// The N newest non-merge first-parent commits with a parent and 1..=max_files changed files.
fn pick_commits(repo: &Path, home: &Path, n: usize, max_files: usize) -> Vec<Case> {
    let list = git(
        repo,
        home,
        &[
            "log",
            "--first-parent",
            "--no-merges",
            "--format=%H %P",
            "HEAD",
        ],
    )
    .expect("git log on the replay repository");
    let mut cases = Vec::new();
    for line in list.lines() {
        if cases.len() == n {
            break;
        }
        let mut parts = line.split_whitespace();
        let (Some(id), Some(parent)) = (parts.next(), parts.next()) else {
            continue; // the root commit
        };
        let names = git(
            repo,
            home,
            &[
                "diff-tree",
                "-r",
                "--no-commit-id",
                "--name-only",
                parent,
                id,
            ],
        )
        .unwrap_or_default();
        let files = names.lines().count();
        if files == 0 || files > max_files {
            continue;
        }
        let prose = names.lines().all(is_prose);
        let subject = git(repo, home, &["log", "-1", "--format=%s", id]).unwrap_or_default();
        let body = git(repo, home, &["log", "-1", "--format=%b", id]).unwrap_or_default();
        let before = git(
            repo,
            home,
            &[
                "log",
                "-50",
                "--no-merges",
                "--first-parent",
                "--format=%s",
                parent,
            ],
        )
        .unwrap_or_default();
        let mut vocabulary: Vec<String> = before.lines().filter_map(prefix_head).collect();
        vocabulary.sort();
        vocabulary.dedup();
        cases.push(Case {
            id: id.to_string(),
            parent: parent.to_string(),
            subject: subject.trim().to_string(),
            files,
            prose,
            body: body.trim().to_string(),
            vocabulary,
        });
    }
    // Oldest first, as they were written: consecutive commits, as a person makes them.
    cases.reverse();
    cases
}

/// How the hook's message came about, from its stderr line.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Model,
    /// Known without asking the model: a release, a routine commit or a lone dependency bump,
    /// written in the history's form.
    Known,
    Fallback(String),
    Other(String),
}

fn source_of(stderr: &str) -> Source {
    for line in stderr.lines() {
        if line.starts_with("ai-commit: message from ") {
            return Source::Model;
        }
        // Written in the history's own form without asking: a release, a routine commit, a
        // lone dependency bump.
        if line.starts_with("ai-commit: release subject ")
            || line.starts_with("ai-commit: routine subject ")
            || line.starts_with("ai-commit: dependency bump ")
        {
            return Source::Known;
        }
        if let Some(rest) = line.strip_prefix("ai-commit: no model message (") {
            let reason = rest
                .rsplit_once("); wrote a summary instead")
                .map(|(r, _)| r)
                .or_else(|| rest.strip_suffix(')'))
                .unwrap_or(rest);
            return Source::Fallback(reason.to_string());
        }
    }
    Source::Other(stderr.lines().last().unwrap_or("(no stderr)").to_string())
}

/// Starts of a word: `s` at `i` with no letter or digit before it.
fn has_word(haystack: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = haystack[from..].find(needle) {
        let at = from + pos;
        let before = haystack[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric()) {
            return true;
        }
        from = at + needle.len();
    }
    false
}

/// Why the committed message is not well formed, written independently of the product.
fn malformations(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let subject = message.lines().next().unwrap_or("").trim();
    if subject.is_empty() {
        out.push("no subject".to_string());
    }
    let len = subject.chars().count();
    if len > SUBJECT_MAX {
        out.push(format!("subject over {SUBJECT_MAX} chars"));
    }
    if message.contains("```") {
        out.push("code fence".to_string());
    }
    if message.lines().any(|l| {
        ["diff --git", "@@", "+++", "---"]
            .iter()
            .any(|p| l.starts_with(p))
    }) {
        out.push("diff line".to_string());
    }
    let lower = message.to_lowercase();
    if lower.contains("<think>") || lower.contains("</think>") {
        out.push("think tag".to_string());
    }
    for phrase in CHATTER {
        if has_word(&lower, phrase) {
            out.push(format!("chatter \"{phrase}\""));
        }
    }
    if message.contains('\u{1b}') {
        out.push("ANSI escape".to_string());
    } else if message
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        out.push("control char".to_string());
    }
    if message.len() >= MESSAGE_MAX {
        out.push("8 KB or more".to_string());
    }
    out
}

/// Not failures of form, but worth counting: a subject without a single word of letters
/// (a timestamp, a hash, a version number), and a body that only repeats the subject.
fn oddities(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let subject = message.lines().next().unwrap_or("").trim();
    let has_word = subject
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.chars().count() >= 2);
    if !subject.is_empty() && !has_word {
        out.push("subject has no word".to_string());
    }
    let body: Vec<&str> = message
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !body.is_empty() && body.iter().all(|l| *l == subject) {
        out.push("body repeats subject".to_string());
    }
    out
}

/// What a body says when it talks about the exchange instead of the text: about the diff,
/// the commit or "the changes" in general. The product drops body lines that start with some of
/// these (`message::chatter`, "The changes are detailed in the diff"); this looks for them
/// anywhere in the body, whole words only ("the diff", not "the difference").
const DIFF_TALK: &[&str] = &[
    "the diff",
    "this diff",
    "this commit",
    "the changes",
    "these changes",
];

/// The phrases of [`DIFF_TALK`] in the body (every line after the subject) of `message`.
fn diff_talk(message: &str) -> Vec<String> {
    body_talk(message.split_once('\n').map_or("", |(_, body)| body))
}

/// The phrases of [`DIFF_TALK`] in `body`.
fn body_talk(body: &str) -> Vec<String> {
    let body = body.to_lowercase();
    DIFF_TALK
        .iter()
        .filter(|p| has_phrase(&body, p))
        .map(|p| p.to_string())
        .collect()
}

/// `needle` in `haystack` as whole words: no letter or digit on either side.
fn has_phrase(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Whether the message has a body: a non-blank line after the subject.
fn has_body(message: &str) -> bool {
    message.lines().skip(1).any(|l| !l.trim().is_empty())
}

/// One hook run.
struct Run {
    case: usize,
    seconds: f64,
    /// The same commit's second run, when asked for.
    again: Option<f64>,
    /// `ai-commit warm --wait` before the hook, when the setting says `warm`.
    warmed: Option<f64>,
    /// What the server's log says it read and wrote for this run's requests.
    tokens: Tokens,
    source: Source,
    message: String,
    problems: Vec<String>,
    oddities: Vec<String>,
    /// The phrases of [`DIFF_TALK`] in the body.
    diff_talk: Vec<String>,
    exit_ok: bool,
    panicked: bool,
}

/// Token counts from llama.cpp's Ollama front's log (`AI_COMMIT_REPLAY_SERVER_LOG`), summed over a
/// run's requests: `prompt N tokens (R read, C from cache), generated G`.
#[derive(Debug, Default, Clone, Copy)]
struct Tokens {
    requests: usize,
    prompt: usize,
    read: usize,
    cached: usize,
    generated: usize,
}

fn server_log_len(path: Option<&Path>) -> u64 {
    path.and_then(|p| fs::metadata(p).ok())
        .map_or(0, |m| m.len())
}

/// The counts in what the log gained since `from`.
fn tokens_since(path: Option<&Path>, from: u64) -> Tokens {
    use std::io::{Read as _, Seek as _};
    let mut t = Tokens::default();
    let Some(mut f) = path.and_then(|p| fs::File::open(p).ok()) else {
        return t;
    };
    let mut text = String::new();
    if f.seek(std::io::SeekFrom::Start(from)).is_err() || f.read_to_string(&mut text).is_err() {
        return t;
    }
    let num = |s: &str| s.trim().parse::<usize>().unwrap_or(0);
    for line in text.lines().filter(|l| l.starts_with("POST /api/chat")) {
        let Some((_, rest)) = line.split_once(": prompt ") else {
            continue;
        };
        let Some((prompt, rest)) = rest.split_once(" tokens (") else {
            continue;
        };
        let Some((read, rest)) = rest.split_once(" read, ") else {
            continue;
        };
        let Some((cached, rest)) = rest.split_once(" from cache), generated ") else {
            continue;
        };
        let generated = rest.split(',').next().unwrap_or("");
        t.requests += 1;
        t.prompt += num(prompt);
        t.read += num(read);
        t.cached += num(cached);
        t.generated += num(generated);
    }
    t
}

const MSGFILE_TEXT: &str = "\n# Please enter the commit message for your changes. Lines starting\n\
# with '#' will be ignored, and an empty message aborts the commit.\n#\n\
# HEAD detached at replay\n";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest rank.
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// A reason with its numbers replaced, so that "subject is 91 characters" and "... 88 ..."
/// count as one.
fn reason_key(reason: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in reason.chars() {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

fn short(s: &str, n: usize) -> String {
    let one_line = s.trim_end().replace('\n', " / ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}...", one_line.chars().take(n).collect::<String>())
    }
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

fn server_models(host: &str) -> Result<Vec<String>, String> {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .new_agent();
    let mut resp = agent
        .get(&format!("{}/api/tags", host.trim_end_matches('/')))
        .call()
        .map_err(|e| e.to_string())?;
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(v["models"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

/// Leaves the server's prompt cache holding a prompt that shares nothing with ours: a short
/// chat about something else, for a one-token reply, sent straight to the Ollama API.
fn evict(host: &str, model: &str, salt: usize) {
    use std::io::Read as _;
    let address = host
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let body = serde_json::json!({
        "model": model,
        "messages": [{"role": "user", "content": format!(
            "({salt}) List three rivers of South America and one fact about each, briefly."
        )}],
        "stream": false,
        "options": {"num_predict": 1},
    })
    .to_string();
    let Ok(mut stream) = std::net::TcpStream::connect(&address) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let request = format!(
        "POST /api/chat HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}

#[allow(clippy::too_many_arguments)]
fn run_format(
    format: &str,
    cases: &[Case],
    work: &Path,
    home: &Path,
    host: &str,
    model: &str,
    timeout: f64,
    log: &mut Option<fs::File>,
) -> Vec<Run> {
    // A setting is a reply format, then any config lines after `+`: `json+body=true`; and
    // the bench's own words `cold` (the server's prompt cache holds another prompt when the
    // commit starts, as after a commit elsewhere) and `warm` (then `ai-commit warm --wait` runs
    // first, as the pre-commit stage starts it; not counted in the hook's seconds).
    let (reply_format, extra) = format.split_once('+').unwrap_or((format, ""));
    let words: Vec<&str> = extra.split('+').collect();
    let cold = words.contains(&"cold");
    let warm = words.contains(&"warm");
    let extra = words
        .iter()
        .filter(|w| !["cold", "warm"].contains(w))
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let config = home.join(format!("ai-commit-{}.toml", config_name(format)));
    fs::write(
        &config,
        format!(
            "timeout = {timeout}\nformat = \"{reply_format}\"\nmodel = {}\n{extra}\n",
            serde_json::to_string(model).unwrap()
        ),
    )
    .unwrap();
    let server_log = std::env::var_os("AI_COMMIT_REPLAY_SERVER_LOG").map(PathBuf::from);
    let msgfile = work.join(".git/COMMIT_EDITMSG");
    // Each setting learns its own speeds and keeps its own answers, as another person would:
    // shared, a setting whose request happened to equal an earlier setting's (`auto` asking
    // for a body is `json`'s request) was answered from that setting's kept answers.
    let cache = home.join(format!("cache-{}", config_name(format)));
    let mut runs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        // Exactly the commit's change, staged on its parent; the work tree matches the index.
        git(work, home, &["checkout", "-q", "-f", "--detach", &case.id]).expect("checkout");
        git(work, home, &["clean", "-q", "-fdx"]).expect("clean");
        git(work, home, &["reset", "-q", "--soft", &case.parent]).expect("reset --soft");
        fs::write(&msgfile, MSGFILE_TEXT).unwrap();
        if cold {
            evict(host, model, i);
        }
        let warmed = warm.then(|| {
            let start = Instant::now();
            let _ = hermetic(BIN, work, home)
                .args(["warm", "--wait"])
                .env("XDG_CACHE_HOME", &cache)
                .env("AI_COMMIT_CONFIG", &config)
                .env("OLLAMA_HOST", host)
                .output();
            start.elapsed().as_secs_f64()
        });
        // The hook as git runs it for `git commit --no-edit`.
        let hook = || {
            let mut cmd = hermetic(BIN, work, home);
            cmd.arg("hook")
                .arg(&msgfile)
                .env("XDG_CACHE_HOME", &cache)
                .env("AI_COMMIT_CONFIG", &config)
                .env("OLLAMA_HOST", host)
                .env("GIT_EDITOR", ":");
            cmd
        };
        let log_from = server_log_len(server_log.as_deref());
        let start = Instant::now();
        let out = hook().output().expect("ai-commit runs");
        let seconds = start.elapsed().as_secs_f64();
        // The front logs a request after answering it; give it a moment.
        std::thread::sleep(Duration::from_millis(50));
        let tokens = tokens_since(server_log.as_deref(), log_from);
        // The same commit once more, as a commit retried after a failing commit-msg hook: the
        // kept answer. Not where the setting keeps none: that would only ask the model again
        // (doubling the run) and leave the server's prompt cache holding the wrong prompt.
        // Only a model message is kept: after a fallback it would ask the model again. The
        // message is the first run's, read before the file is written again.
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let message = committed_text(work, home, &msgfile);
        let problems = malformations(&message);
        let source = source_of(&stderr);
        let keeps = !words.contains(&"cache=false") && matches!(source, Source::Model);
        let again = std::env::var_os("AI_COMMIT_REPLAY_AGAIN")
            .filter(|_| keeps)
            .map(|_| {
                fs::write(&msgfile, MSGFILE_TEXT).unwrap();
                let start = Instant::now();
                let _ = hook().output();
                start.elapsed().as_secs_f64()
            });
        let panicked = stderr.contains("panicked");
        eprintln!(
            "[{format} {}/{}] {} {:>5.1}s {:<8} {:<4} {}",
            i + 1,
            cases.len(),
            &case.id[..8],
            seconds,
            match &source {
                Source::Model => "model",
                Source::Known => "known",
                Source::Fallback(_) => "fallback",
                Source::Other(_) => "other",
            },
            if problems.is_empty() { "ok" } else { "BAD" },
            short(message.lines().next().unwrap_or(""), 70),
        );
        if let Some(f) = log.as_mut() {
            let line = serde_json::json!({
                "format": format,
                "commit": case.id,
                "files": case.files,
                "real_subject": case.subject,
                "seconds": seconds,
                "source": match &source {
                    Source::Model => "model".to_string(),
                    Source::Known => "known".to_string(),
                    Source::Fallback(_) => "fallback".to_string(),
                    Source::Other(_) => "other".to_string(),
                },
                "reason": match &source {
                    Source::Fallback(r) | Source::Other(r) => r.clone(),
                    Source::Model | Source::Known => String::new(),
                },
                "message": message,
                "warm_seconds": warmed,
                "problems": problems,
                "prose": case.prose,
                "diff_talk": diff_talk(&message),
                "stderr": stderr,
                "exit": out.status.code(),
            });
            let _ = writeln!(f, "{line}");
        }
        runs.push(Run {
            again,
            warmed,
            tokens,
            oddities: oddities(&message),
            diff_talk: diff_talk(&message),
            case: i,
            seconds,
            source,
            message,
            problems,
            exit_ok: out.status.success(),
            panicked,
        });
    }
    runs
}

fn report(format: &str, model: &str, cases: &[Case], runs: &[Run]) {
    let n = runs.len();
    let mut secs: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
    secs.sort_by(f64::total_cmp);
    let model_runs = runs.iter().filter(|r| r.source == Source::Model).count();
    let fallback_runs = runs
        .iter()
        .filter(|r| matches!(r.source, Source::Fallback(_)))
        .count();
    let known_runs = runs.iter().filter(|r| r.source == Source::Known).count();
    let other_runs = n - model_runs - fallback_runs - known_runs;
    let ok = runs.iter().filter(|r| r.problems.is_empty()).count();
    let model_ok = runs
        .iter()
        .filter(|r| r.source == Source::Model && r.problems.is_empty())
        .count();
    let bad_exit = runs.iter().filter(|r| !r.exit_ok).count();
    let panics = runs.iter().filter(|r| r.panicked).count();
    let total: f64 = secs.iter().sum();

    println!("== format = {format}, model = {model}");
    println!(
        "{:<8} {:>4} {:>9} {:>9} {:>9} {:>7} {:>9} {:>7} {:>11}",
        "format", "N", "median s", "p90 s", "max s", "model", "fallback", "other", "well-formed"
    );
    println!(
        "{format:<8} {n:>4} {:>9.1} {:>9.1} {:>9.1} {:>7} {:>9} {:>7} {:>11}",
        median(&secs),
        percentile(&secs, 0.9),
        secs.last().copied().unwrap_or(f64::NAN),
        pct(model_runs, n),
        pct(fallback_runs, n),
        pct(other_runs, n),
        pct(ok, n),
    );
    println!(
        "  total {total:.0}s; model messages well formed: {model_ok}/{model_runs}; \
         known in the history's form, no model asked: {known_runs}; model messages of \
         the commits the model was asked for: {}; non-zero exits: {bad_exit}; panics: {panics}",
        pct(model_runs, n - known_runs)
    );

    let mut warmed: Vec<f64> = runs.iter().filter_map(|r| r.warmed).collect();
    if !warmed.is_empty() {
        warmed.sort_by(f64::total_cmp);
        println!(
            "  `ai-commit warm --wait` before each hook (not in the seconds above): median {:.1}s, \
             p90 {:.1}s",
            median(&warmed),
            percentile(&warmed, 0.9)
        );
    }

    let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for r in runs {
        if let Source::Fallback(reason) | Source::Other(reason) = &r.source {
            let e = reasons
                .entry(reason_key(reason))
                .or_insert((0, reason.clone()));
            e.0 += 1;
        }
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    if !reasons.is_empty() {
        println!("  fallback reasons (numbers folded; one example each):");
        for (_, (count, example)) in reasons.iter().take(10) {
            println!("    {count:>3}x {}", short(example, 200));
        }
        if reasons.len() > 10 {
            println!("    ... and {} more kinds", reasons.len() - 10);
        }
    }

    let mut problems: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs {
        for p in &r.problems {
            *problems.entry(p.clone()).or_default() += 1;
        }
    }
    if !problems.is_empty() {
        println!("  well-formedness failures:");
        for (p, count) in &problems {
            println!("    {count:>3}x {p}");
        }
        for r in runs.iter().filter(|r| !r.problems.is_empty()).take(5) {
            println!(
                "    e.g. {} [{}]: {}",
                &cases[r.case].id[..8],
                r.problems.join(", "),
                short(&r.message, 160)
            );
        }
    }

    let mut odd: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs {
        for o in &r.oddities {
            *odd.entry(o.clone()).or_default() += 1;
        }
    }
    if !odd.is_empty() {
        println!("  well formed, but (not counted as failures):");
        for (o, count) in &odd {
            println!("    {count:>3}x {o}");
        }
        for r in runs.iter().filter(|r| !r.oddities.is_empty()).take(3) {
            println!(
                "    e.g. {} [{}]: {}",
                &cases[r.case].id[..8],
                r.oddities.join(", "),
                short(&r.message, 160)
            );
        }
    }

    let prose: Vec<&Run> = runs.iter().filter(|r| cases[r.case].prose).collect();
    if prose.is_empty() {
        println!("  prose: no commit of prose files only");
    } else {
        let bodies = prose.iter().filter(|r| has_body(&r.message)).count();
        let talk: Vec<&&Run> = prose.iter().filter(|r| !r.diff_talk.is_empty()).collect();
        let real_bodies = prose
            .iter()
            .filter(|r| !cases[r.case].body.is_empty())
            .count();
        let real_talk = prose
            .iter()
            .filter(|r| !body_talk(&cases[r.case].body).is_empty())
            .count();
        println!(
            "  prose: {} of {n} commits are prose files only; of ours, {bodies} have a body and {} \
             talk about the diff, the commit or the changes (the real messages: {real_bodies} \
             bodies, {real_talk} such)",
            prose.len(),
            talk.len(),
        );
        for r in talk.iter().take(3) {
            println!(
                "    e.g. {} [{}]: {}",
                &cases[r.case].id[..8],
                r.diff_talk.join(", "),
                short(&r.message, 160)
            );
        }
    }

    println!("  examples (real subject -> ours):");
    // The model's, then the fallbacks (what was computed without asking is exact anyway).
    let fell_back = |r: &&Run| matches!(r.source, Source::Fallback(_) | Source::Other(_));
    let picks = runs
        .iter()
        .filter(|r| r.source == Source::Model)
        .take(6)
        .chain(runs.iter().filter(fell_back).take(2));
    for r in picks {
        let tag = if r.source == Source::Model {
            "model"
        } else {
            "fallback"
        };
        println!(
            "    {} {:<40} -> [{tag}] {}",
            &cases[r.case].id[..8],
            short(&cases[r.case].subject, 40),
            short(&r.message, 110)
        );
    }
    println!();
}

/// The prose journal fixture, built by its script into `dir/journal`.
fn build_journal(dir: &Path) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/journal.sh");
    let out = dir.join("journal");
    let status = Command::new("bash")
        .arg(&script)
        .arg(&out)
        .stdin(Stdio::null())
        .status()
        .expect("bash runs benches/fixtures/journal.sh");
    assert!(status.success(), "{} failed: {status}", script.display());
    out
}

fn main() {
    let Some(repo_arg) = std::env::var_os("AI_COMMIT_REPLAY_REPO") else {
        println!("real_model: set AI_COMMIT_REPLAY_REPO to a git repository to replay, e.g.");
        println!("  bash /work/shared/scripts/real-model.sh start --ollama");
        println!(
            "  AI_COMMIT_REPLAY_REPO=/work/.mirror/sharkdp+hexyl/repo cargo bench --bench real_model"
        );
        println!(
            "  AI_COMMIT_REPLAY_REPO=journal cargo bench --bench real_model   # the prose fixture"
        );
        return;
    };
    let host = env_or("OLLAMA_HOST", "http://127.0.0.1:18434");
    let model = env_or("AI_COMMIT_MODEL", "smollm2:135m");
    let n = env_usize("AI_COMMIT_REPLAY_COMMITS", 50);
    let max_files = env_usize("AI_COMMIT_REPLAY_MAX_FILES", 40);
    let timeout: f64 = env_or("AI_COMMIT_REPLAY_TIMEOUT", "60")
        .parse()
        .unwrap_or(60.0);
    let formats: Vec<String> = env_or("AI_COMMIT_REPLAY_FORMATS", "text,json")
        .split(',')
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();

    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path().join("home");
    fs::create_dir_all(home.join(".config")).unwrap();
    fs::write(
        home.join("gitconfig"),
        "[user]\n\tname = Replay\n\temail = replay@example.com\n[advice]\n\tdetachedHead = false\n",
    )
    .unwrap();
    let repo = if repo_arg == "journal" {
        build_journal(tmp.path())
    } else {
        PathBuf::from(repo_arg)
    };
    let cases = pick_commits(&repo, &home, n, max_files);
    if std::env::var_os("AI_COMMIT_REPLAY_LIST").is_some() {
        println!(
            "real_model: {} commits of {} would be replayed (oldest first):",
            cases.len(),
            repo.display()
        );
        for case in &cases {
            println!(
                "  {} {:>2} file(s){} {}",
                &case.id[..8],
                case.files,
                if case.prose { ", prose" } else { "" },
                case.subject
            );
        }
        return;
    }

    match server_models(&host) {
        Ok(models) if models.contains(&model) => {}
        Ok(models) => {
            println!("real_model: {host} does not serve {model} (it has {models:?}).");
            println!("  set AI_COMMIT_MODEL to one of those, or start the right model:");
            println!("  MODEL=gemma3 bash /work/shared/scripts/real-model.sh start --ollama  # gemma3:270m");
            return;
        }
        Err(e) => {
            println!("real_model: no Ollama-protocol server at {host} ({e}). Start one:");
            println!("  bash /work/shared/scripts/real-model.sh start --ollama   # smollm2:135m at :18434");
            return;
        }
    }

    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &home,
        &[
            "clone",
            "-q",
            "--shared",
            "--no-checkout",
            &repo.to_string_lossy(),
            &work.to_string_lossy(),
        ],
    )
    .expect("clone --shared");
    let mut log = std::env::var_os("AI_COMMIT_REPLAY_LOG").map(|p| {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .expect("AI_COMMIT_REPLAY_LOG opens")
    });

    println!(
        "real-model replay: {} ({} commits, <= {max_files} files each), {model} at {host}, \
         timeout {timeout}s, formats {formats:?}",
        repo.display(),
        cases.len()
    );
    let mut all = Vec::new();
    for format in &formats {
        let start = Instant::now();
        let runs = run_format(
            format, &cases, &work, &home, &host, &model, timeout, &mut log,
        );
        eprintln!("[{format}] done in {:.0}s", start.elapsed().as_secs_f64());
        report(format, &model, &cases, &runs);
        all.push((format.clone(), runs));
    }

    println!("== comparison (ROUGE-L: of our subject against the real one, PR numbers aside;");
    println!("   prefix: agrees with the repository's prefix vocabulary (or the real head) as the real subject does;");
    println!(
        "   model: of the commits the model was asked for; known: written in the history's form"
    );
    println!("   as a release, a routine commit or a lone dependency bump, without asking; again: the same commit run once more, median ms;");
    println!(
        "   diff-talk: prose commits whose body talks about the diff, the commit or the changes)"
    );
    println!(
        "{:<26} {:>3} {:>7} {:>6} {:>6} {:>6} {:>7} {:>6} {:>7} {:>6} {:>8} {:>7} {:>7} {:>7} {:>9}",
        "setting",
        "N",
        "median",
        "p90",
        "max",
        "model",
        "known",
        "formed",
        "ROUGE-L",
        "prefix",
        "prompt/c",
        "read/c",
        "out/c",
        "again",
        "diff-talk"
    );
    for (format, runs) in &all {
        let mut secs: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
        secs.sort_by(f64::total_cmp);
        let n = runs.len();
        let m = runs.iter().filter(|r| r.source == Source::Model).count();
        let known = runs.iter().filter(|r| r.source == Source::Known).count();
        let ok = runs.iter().filter(|r| r.problems.is_empty()).count();
        let subject = |r: &Run| r.message.lines().next().unwrap_or("").to_string();
        let rouge: f64 = runs
            .iter()
            .map(|r| rouge_l(&subject(r), &cases[r.case].subject))
            .sum::<f64>()
            / n.max(1) as f64;
        let agree = runs
            .iter()
            .filter(|r| prefix_agrees(&subject(r), &cases[r.case]))
            .count();
        let per = |f: fn(&Tokens) -> usize| {
            let total: usize = runs.iter().map(|r| f(&r.tokens)).sum();
            format!("{:.0}", total as f64 / n.max(1) as f64)
        };
        let mut again: Vec<f64> = runs.iter().filter_map(|r| r.again).collect();
        again.sort_by(f64::total_cmp);
        let again = if again.is_empty() {
            "-".to_string()
        } else {
            format!("{:.0}", median(&again) * 1000.0)
        };
        let prose = runs.iter().filter(|r| cases[r.case].prose).count();
        let talk = runs
            .iter()
            .filter(|r| cases[r.case].prose && !r.diff_talk.is_empty())
            .count();
        let talk = if prose == 0 {
            "-".to_string()
        } else {
            format!("{talk}/{prose}")
        };
        println!(
            "{format:<26} {n:>3} {:>7.1} {:>6.1} {:>6.1} {:>6} {:>7} {:>6} {:>7.2} {:>6} {:>8} {:>7} {:>7} {:>7} {:>9}",
            median(&secs),
            percentile(&secs, 0.9),
            secs.last().copied().unwrap_or(f64::NAN),
            pct(m, n - known),
            pct(known, n),
            pct(ok, n),
            rouge,
            pct(agree, n),
            per(|t| t.prompt),
            per(|t| t.read),
            per(|t| t.generated),
            again,
            talk,
        );
    }
}
