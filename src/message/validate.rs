//! Rejects text that is not a commit message: an echoed diff, source code, or the model
//! talking as itself.

use super::Rejection;

/// A shell command copied from the diff or made up (`git diff -u`, `sudo dpkg -i x.deb`,
/// `$ cargo build`): a program people type, then an option or a path, never a sentence.
fn is_shell_command(t: &str) -> bool {
    const PROGRAMS: &[&str] = &[
        "git", "cargo", "sudo", "npm", "npx", "yarn", "pnpm", "pip", "pip3", "python", "python3",
        "make", "cd", "ls", "rm", "mv", "cp", "mkdir", "chmod", "curl", "wget", "apt", "apt-get",
        "brew", "dpkg", "docker", "kubectl", "go", "rustc", "rustup", "echo", "cat", "export",
    ];
    let t = t.strip_prefix("$ ").unwrap_or(t);
    let mut words = t.split_whitespace();
    let (Some(first), Some(second)) = (words.next(), words.next()) else {
        return false;
    };
    if !PROGRAMS.contains(&first) {
        return false;
    }
    // `git diff -u`, `cargo build --release`, `sudo dpkg -i`: an option or a path follows.
    let mut rest = std::iter::once(second).chain(words);
    rest.any(|w| w.starts_with('-') || w.contains('/') || w.contains('.') && !w.ends_with('.'))
        || PROGRAMS.contains(&second)
}

/// A subject that says too little to be a message: one word ("Fix"), or no word at all
/// (a version number, a bare file name). A person's one-liner has a verb and an object.
pub(super) fn says_too_little(subject: &str) -> bool {
    let words: Vec<&str> = subject.split_whitespace().collect();
    let has_word = words
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .any(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphabetic));
    words.len() < 2 || !has_word
}

/// A subject in the first person or addressed to the reader: refusals ("I'm sorry, but"),
/// "As an AI", "I have updated". Commit subjects describe the change, never the writer.
pub(super) fn speaks_as_itself(subject: &str) -> bool {
    let lower = subject.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    let first = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    matches!(
        first,
        "i" | "i'm" | "i've" | "i'll" | "i'd" | "im" | "sorry" | "unfortunately" | "apologies"
    ) || lower.starts_with("as an ai")
        || lower.starts_with("as a language model")
        || lower.starts_with("you ")
        || talks_about_the_exchange(&lower)
        || restates_the_rules(&lower)
}

/// "A subject line of a commit message can contain up to 72 characters": the instructions
/// said back, not the change described.
fn restates_the_rules(lower: &str) -> bool {
    lower.contains("subject line")
        || lower
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0].chars().all(|c| c.is_ascii_digit()) && w[1].starts_with("character"))
}

/// "That reply can only be used as a commit message": the model talking about the exchange
/// (seen on a corrective retry), not about the change.
fn talks_about_the_exchange(lower: &str) -> bool {
    const OPENERS: &[&str] = &[
        "that reply",
        "this reply",
        "the reply",
        "my reply",
        "the previous reply",
        "that response",
        "this response",
        "my response",
        "the previous response",
        "my previous",
        "this commit message",
        "the commit message",
    ];
    OPENERS.iter().any(|o| lower.starts_with(o))
}

/// A body that says the same few things over and over: most of its word triples recur.
/// Prose and lists written by a person rarely repeat a third of their triples.
pub(super) fn is_repetitive(body: &[String]) -> bool {
    let words: Vec<String> = body
        .iter()
        .flat_map(|l| l.split_whitespace())
        .map(|w| {
            w.chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
                .to_lowercase()
        })
        .collect();
    if words.len() < 24 {
        return false;
    }
    let triples: Vec<_> = words.windows(3).collect();
    let distinct: std::collections::HashSet<_> = triples.iter().collect();
    distinct.len() * 3 < triples.len() * 2
}

fn is_index_line(t: &str) -> bool {
    let Some(rest) = t.strip_prefix("index ") else {
        return false;
    };
    let token = rest.split(' ').next().unwrap_or("");
    let Some((a, b)) = token.split_once("..") else {
        return false;
    };
    let hex = |s: &str| s.len() >= 4 && s.bytes().all(|b| b.is_ascii_hexdigit());
    hex(a) && hex(b)
}

pub(super) fn check_diff(lines: &[String]) -> Result<(), Rejection> {
    let mut changed = 0;
    for line in lines {
        let t = line.trim_start();
        // `@@` alone or before a function is a hunk line as the prompt shows it.
        if ["diff --git", "@@ ", "+++ ", "--- a/", "--- /dev/null"]
            .iter()
            .any(|p| t.starts_with(p))
            || t == "@@"
            || is_index_line(t)
        {
            return Err(Rejection::EchoedDiff);
        }
        let mut cs = t.chars();
        if let (Some('+' | '-'), Some(second)) = (cs.next(), cs.next()) {
            // "--flag" and "++i" read as prose far more often than as diff lines.
            if !second.is_whitespace() && second != '+' && second != '-' {
                changed += 1;
            }
        }
    }
    if changed >= 3 {
        return Err(Rejection::EchoedDiff);
    }
    Ok(())
}

pub(super) fn subject_is_code(subject: &str) -> bool {
    let t = subject.trim();
    if t.ends_with('{') || t.ends_with(';') || t.starts_with("#include") {
        return true;
    }
    if is_shell_command(t) {
        return true;
    }
    let after = |p: &str| t.strip_prefix(p);
    if let Some(r) = after("fn ")
        .or_else(|| after("def "))
        .or_else(|| after("function "))
    {
        return r.contains('(');
    }
    if let Some(r) = after("class ") {
        return r.contains(['(', '{', ':']) || r.contains(" extends ");
    }
    if let Some(r) = after("import ") {
        return !r.contains(' ') || r.contains(['{', '"', '\'']) || r.contains(" from ");
    }
    if let Some(r) = after("from ") {
        return r.contains(" import ");
    }
    if let Some(r) = after("const ")
        .or_else(|| after("let "))
        .or_else(|| after("var "))
    {
        return r.contains('=');
    }
    if let Some(r) = after("pub ").or_else(|| after("pub(crate) ")) {
        let word = r.split_whitespace().next().unwrap_or("");
        return [
            "fn", "struct", "enum", "mod", "use", "const", "static", "trait", "type", "crate",
            "async", "unsafe", "impl",
        ]
        .contains(&word);
    }
    if let Some(r) = after("use ") {
        return r.contains("::") || r.contains('{');
    }
    false
}

pub(super) fn body_is_code(body: &[String]) -> bool {
    let lines: Vec<&str> = body
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty())
        .collect();
    let code = lines
        .iter()
        .filter(|l| l.ends_with(['{', '}', ';']))
        .count();
    // One stray ';' in prose is not code.
    code >= 2 && code * 3 > lines.len()
}
