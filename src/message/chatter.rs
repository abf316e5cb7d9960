//! Recognises what the model said around the message rather than in it: preambles, labels,
//! epilogues addressed to the user and trailers it made up.

use super::lines::has_text;

const ACKS: [&str; 24] = [
    "sure",
    "sure thing",
    "okay",
    "ok",
    "alright",
    "all right",
    "certainly",
    "of course",
    "absolutely",
    "great",
    "got it",
    "understood",
    "no problem",
    "yes",
    "perfect",
    "definitely",
    "gladly",
    "excellent",
    "here you go",
    "here you are",
    "here it is",
    "done",
    "happy to help",
    "right",
];

const LEAD_INS: [&str; 24] = [
    "here is",
    "here's",
    "here’s",
    "here are",
    "heres",
    "below is",
    "below are",
    "the following",
    "following is",
    "based on",
    "this is",
    "after analyzing",
    "after analysing",
    "after reviewing",
    "looking at",
    "i've",
    "i have",
    "i'll",
    "i will",
    "i'd",
    "i would",
    "i suggest",
    "let me",
    "a concise",
];

// Openings of a model thinking aloud; imperative subjects never start like this.
const NARRATION: [&str; 17] = [
    "let me",
    "i'll",
    "i will",
    "i need to",
    "i'm going to",
    "i am going to",
    "looking at the",
    "after analyzing",
    "after analysing",
    "after reviewing",
    "based on the",
    "analyzing the",
    "the diff shows",
    "the diff adds",
    "this diff",
    "the user",
    "the changes",
];

const LABELS: [&str; 24] = [
    "subject",
    "subject line",
    "title",
    "summary",
    "summary line",
    "header",
    "headline",
    "commit",
    "commit message",
    "commit msg",
    "commit title",
    "commit subject",
    "commit summary",
    "message",
    "git commit message",
    "suggested commit message",
    "proposed commit message",
    "generated commit message",
    "final commit message",
    "commit message suggestion",
    "changes",
    "changes made",
    "summary of changes",
    "output",
];

fn mentions_commit(lower: &str) -> bool {
    lower.contains("commit") || lower.contains("message")
}

fn starts_with_lead_in(lower: &str) -> bool {
    LEAD_INS.iter().any(|p| lower.starts_with(p))
}

fn is_label(lower: &str) -> bool {
    LABELS.contains(&lower.trim())
}

/// Whether the text before a colon is a label the model put in front of the message.
fn is_label_prefix(lower: &str) -> bool {
    let head = lower.trim();
    if is_label(head) {
        return true;
    }
    // "Here is the commit message: Fix x", but never "feat(message): ..." or "fix: ...".
    head.contains("message")
        && head.split_whitespace().count() >= 2
        && head.split_whitespace().count() <= 12
        && head
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'' || c == '’')
}

/// If `line` is (or starts with) preamble, what is left of it once that is removed.
pub(super) fn preamble_rest(line: &str) -> Option<String> {
    let t = line.trim();
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` slice `t` safely.
    let lower = t.to_ascii_lowercase();
    for ack in ACKS {
        let Some(after) = lower.strip_prefix(ack) else {
            continue;
        };
        match after.chars().next() {
            None => return Some(String::new()),
            Some(',' | '!' | '.' | ':' | ';') => {
                let rest = t[ack.len()..].trim_start_matches([',', '!', '.', ':', ';', ' ']);
                return Some(rest.to_owned());
            }
            _ => {}
        }
    }
    if let Some(head) = lower.strip_suffix(':') {
        if mentions_commit(head) || is_label(head) || starts_with_lead_in(head) {
            return Some(String::new());
        }
    }
    if NARRATION.iter().any(|p| lower.starts_with(p)) {
        return Some(String::new());
    }
    if starts_with_lead_in(&lower) && mentions_commit(&lower) {
        return Some(String::new());
    }
    if is_label(lower.trim_end_matches(['.', '!'])) {
        return Some(String::new());
    }
    strip_label(t).map(str::to_owned)
}

/// The text after a label such as "Subject:" or "Commit message:".
pub(super) fn strip_label(t: &str) -> Option<&str> {
    let colon = t.find(':')?;
    if is_label_prefix(&t[..colon].to_ascii_lowercase()) {
        Some(t[colon + 1..].trim())
    } else {
        None
    }
}

/// A line announcing that the message follows, such as "Commit message:" or "A good commit
/// message would be:".
fn is_intro(line: &str) -> bool {
    let lower = line.trim().to_ascii_lowercase();
    let Some(head) = lower.strip_suffix(':') else {
        return false;
    };
    let head = head.trim();
    (is_label(head) && mentions_commit(head))
        || (head.contains("commit message")
            && head.split_whitespace().count() <= 14
            && (starts_with_lead_in(head)
                || [" would be", " could be", " is", " might be"]
                    .iter()
                    .any(|v| head.ends_with(v))))
}

pub(super) fn drop_preamble(lines: &mut Vec<String>) {
    // Whatever a model says before announcing the message is analysis, however it is worded.
    let intro = lines.iter().position(|l| is_intro(l));
    if let Some(at) = intro.filter(|&at| has_text(&lines[at + 1..])) {
        lines.drain(..=at);
    }
    let mut start = 0;
    // Bounded so that a line of endless "Sure! Sure! ..." cannot make this quadratic.
    let mut budget = 16;
    while start < lines.len() && budget > 0 {
        if lines[start].trim().is_empty() {
            start += 1;
            continue;
        }
        budget -= 1;
        match preamble_rest(&lines[start]) {
            None => break,
            Some(rest) if rest.trim().is_empty() => start += 1,
            Some(rest) => lines[start] = rest,
        }
    }
    lines.drain(..start);
}

// Chatter so clearly addressed to the user that it cannot be a subject either.
const CHATTER_ALWAYS: [&str; 9] = [
    "explanation:",
    "i hope",
    "hope this helps",
    "let me know",
    "feel free",
    "note:",
    "notes:",
    "please note",
    "please let me",
];

const CHATTER_AFTER_SUBJECT: [&str; 44] = [
    // Talk about the diff instead of the change: "The changes are detailed in the diff" came
    // from Qwen2.5-Coder-1.5B as the body of a journal entry.
    "the changes are detailed",
    "the changes can be seen",
    "see the diff",
    "the diff shows",
    "as shown in the diff",
    "details are in the diff",
    "refer to the diff",
    "explanation",
    "here's an example",
    "here is an example",
    "for example, a commit message",
    "an example of",
    "the above",
    "above is",
    "in this commit message",
    "if you'd like",
    "if you would like",
    "if you want",
    "if you need",
    "if you prefer",
    "would you like",
    "you can adjust",
    "you can modify",
    "you may want",
    "you might want",
    "adjust as needed",
    "i can ",
    "i've ",
    "i have ",
    "i'd ",
    "i would ",
    "i kept",
    "i used",
    "i followed",
    "i chose",
    "i included",
    "i made",
    "i focused",
    "this follows",
    "this format",
    "this adheres",
    "alternatively",
    "alternative:",
    "another option",
];

// "This message ..." is chatter when a verb about the message follows, not when a body talks
// about some message the code shows ("The commit message parser now ...").
const MESSAGE_SUBJECTS: [&str; 5] = [
    "this commit message",
    "the commit message",
    "this message",
    "the message",
    "the above commit message",
];

const MESSAGE_VERBS: [&str; 26] = [
    "follows",
    "adheres",
    "uses",
    "is",
    "summarizes",
    "summarises",
    "describes",
    "captures",
    "explains",
    "highlights",
    "provides",
    "clearly",
    "concisely",
    "above",
    "should",
    "keeps",
    "includes",
    "has",
    "would",
    "focuses",
    "conveys",
    "reflects",
    "accurately",
    "effectively",
    "communicates",
    "can",
];

fn is_chatter(line: &str, is_subject: bool) -> bool {
    let t = line.trim_start_matches(|c: char| c.is_whitespace() || "(*_>[".contains(c));
    let lower = t.to_ascii_lowercase();
    if CHATTER_ALWAYS.iter().any(|p| lower.starts_with(p)) || is_about_the_message(&lower) {
        return true;
    }
    !is_subject && CHATTER_AFTER_SUBJECT.iter().any(|p| lower.starts_with(p))
}

/// Whether lowercased `text` starts by talking about the message ("this message follows ...").
fn is_about_the_message(lower: &str) -> bool {
    MESSAGE_SUBJECTS.iter().any(|subject| {
        lower.strip_prefix(subject).is_some_and(|rest| {
            let verb = rest.split_whitespace().next().unwrap_or("");
            rest.starts_with(' ') && MESSAGE_VERBS.contains(&verb)
        })
    })
}

// Sentences addressed to the person that no commit message holds, wherever in a line they
// start: after any word boundary.
const CHATTER_ANYWHERE: [&str; 19] = [
    "hope this helps",
    "hope that helps",
    "hope it helps",
    "hope this is helpful",
    "i hope this",
    "i hope that",
    "i hope you",
    "let me know if",
    "let me know what",
    "feel free to",
    "happy coding",
    "happy hacking",
    "i apologize",
    "i apologise",
    "my apologies",
    "apologies for the",
    "sorry for the confusion",
    "sorry about the confusion",
    "is there anything else",
];

// Shorter openings, chatter only where a sentence or clause starts: "Update x. Let me know."
const CHATTER_SENTENCES: [&str; 7] = [
    "i hope",
    "let me know",
    "feel free",
    "please let me",
    "good luck",
    "if you have any questions",
    "if you need anything",
];

/// Where chatter starts in `line`: the earliest phrase of [`CHATTER_ANYWHERE`] at a word
/// boundary, or of [`CHATTER_SENTENCES`] (or talk about the message, "This message follows
/// ...") at the start of a sentence or clause.
fn chatter_start(line: &str) -> Option<usize> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` slice `line` safely.
    let lower = line.to_ascii_lowercase();
    let word_start = |at: usize| {
        line[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    };
    // After punctuation that ends a sentence or clause, or a capital after a space: a model
    // that runs "Update x Let me know ..." on without a full stop has still begun a sentence.
    let sentence_start = |at: usize| {
        let before = line[..at].trim_end();
        let spaced = before.len() < at;
        before.is_empty()
            || (spaced || before.ends_with('('))
                && before.ends_with(['.', '!', '?', '…', ';', ':', ',', '-', '—', '–', '('])
            || spaced && line[at..].starts_with(|c: char| c.is_uppercase())
    };
    let phrases = CHATTER_ANYWHERE
        .iter()
        .map(|p| (p, false))
        .chain(CHATTER_SENTENCES.iter().map(|p| (p, true)));
    let mut first: Option<usize> = lower
        .match_indices([' ', '('])
        .map(|(i, _)| i + 1)
        .find(|&at| sentence_start(at) && is_about_the_message(&lower[at..]));
    for (phrase, at_sentence) in phrases {
        for (at, _) in lower.match_indices(phrase) {
            if first.is_some_and(|f| at >= f) {
                break;
            }
            let ends_word = lower[at + phrase.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            let starts = if at_sentence {
                sentence_start(at)
            } else {
                word_start(at)
            };
            if starts && ends_word {
                first = Some(at);
                break;
            }
        }
    }
    first
}

/// What is left of a line cut before its chatter: without the comma, dash, colon, bracket or
/// ellipsis that led into it.
fn before_chatter(line: &str, at: usize) -> String {
    let mut kept = line[..at].trim_end();
    loop {
        let next = kept
            .strip_suffix([',', ';', ':', '-', '—', '–', '(', '…'])
            .or_else(|| kept.ends_with("..").then(|| kept.trim_end_matches('.')))
            .map(str::trim_end);
        match next {
            Some(shorter) => kept = shorter,
            None => return kept.to_string(),
        }
    }
}

/// Cuts the message at the first chatter: a line of it, or a sentence of it within a line
/// ("Update x. Hope this helps!"). What follows chatter is more chatter.
pub(super) fn drop_epilogue(lines: &mut Vec<String>) {
    for i in 0..lines.len() {
        if is_chatter(&lines[i], i == 0) {
            lines.truncate(i);
            return;
        }
        if let Some(at) = chatter_start(&lines[i]) {
            let kept = before_chatter(&lines[i], at);
            if kept.chars().any(char::is_alphanumeric) {
                lines[i] = kept;
                lines.truncate(i + 1);
            } else {
                lines.truncate(i);
            }
            return;
        }
    }
}

const TRAILERS: [&str; 3] = ["change-id", "cc", "link"];

/// A trailer the model made up; real ones are added by git and by people, not guessed:
/// `Signed-off-by:`, `Co-authored-by:` and every other `<Word>-by:`, `Change-Id:`, `Cc:`,
/// `Link:`, in any case, and the `(cherry picked from commit ...)` line git writes. The token is
/// read as git reads it (trailer.c, `find_separator`): letters, digits and `-`, then any spaces
/// or tabs, then the colon, so `Signed-off-by : X` is one too.
pub(super) fn is_trailer(line: &str) -> bool {
    let line = line.trim_start();
    if line
        .to_ascii_lowercase()
        .starts_with("(cherry picked from commit")
    {
        return true;
    }
    let token_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(line.len());
    let (token, rest) = line.split_at(token_len);
    if token.is_empty() || !rest.trim_start_matches([' ', '\t']).starts_with(':') {
        return false;
    }
    let token = token.to_ascii_lowercase();
    TRAILERS.contains(&token.as_str()) || (token.ends_with("-by") && token.len() > 3)
}

const BODY_LABELS: [&str; 8] = [
    "body",
    "description",
    "details",
    "commit body",
    "message body",
    "extended description",
    "long description",
    "body text",
];

pub(super) fn drop_body_labels(lines: &mut Vec<String>) {
    let mut first = true;
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.drain(..).enumerate() {
        if i == 0 || line.trim().is_empty() {
            out.push(line);
            continue;
        }
        let lower = line.trim().to_ascii_lowercase();
        if lower
            .strip_suffix(':')
            .is_some_and(|l| BODY_LABELS.contains(&l.trim()))
        {
            continue;
        }
        if std::mem::take(&mut first) {
            let label = BODY_LABELS
                .iter()
                .find(|b| lower.strip_prefix(*b).is_some_and(|r| r.starts_with(": ")));
            if let Some(label) = label {
                out.push(line.trim()[label.len() + 1..].trim().to_owned());
                continue;
            }
        }
        out.push(line);
    }
    *lines = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epilogue_cut(text: &str) -> Vec<String> {
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        drop_epilogue(&mut lines);
        lines
    }

    #[test]
    fn chatter_is_cut_wherever_it_starts_in_a_line() {
        for (line, kept) in [
            ("Update x. Hope this helps!", "Update x."),
            (
                "Fix the parser… I apologize for the confusion",
                "Fix the parser",
            ),
            (
                "Fix the parser... I apologise for the confusion.",
                "Fix the parser",
            ),
            ("Add retries, let me know if you want fewer", "Add retries"),
            ("Add retries - feel free to adjust the count", "Add retries"),
            ("Add retries (feel free to tweak)", "Add retries"),
            ("Add retries. I hope this works for you.", "Add retries."),
            ("Add retries! Happy coding!", "Add retries!"),
            ("Add retries 🙂 hope that helps", "Add retries 🙂"),
            (
                "Add retries; my apologies for the earlier reply",
                "Add retries",
            ),
            ("Add retries. Let me know.", "Add retries."),
            ("Add retries. Good luck!", "Add retries."),
            (
                "Add retries. Is there anything else you need?",
                "Add retries.",
            ),
            (
                "Add retries. This message follows the Conventional Commits style.",
                "Add retries.",
            ),
            ("Add retries; the message is concise", "Add retries"),
            ("Add retries (this message is short)", "Add retries"),
            ("Add retries Let me know.", "Add retries"),
        ] {
            assert_eq!(epilogue_cut(line), [kept], "{line}");
        }
        assert_eq!(
            epilogue_cut(
                "Add retries\n\nThe client retries twice. Let me know if\nmore is needed."
            ),
            ["Add retries", "", "The client retries twice."]
        );
        assert!(epilogue_cut("Happy coding! Add retries").is_empty());
    }

    #[test]
    fn words_of_chatter_in_a_real_message_are_kept() {
        for line in [
            "Let the parser know about tabs",
            "Make the sidebar feel freer to resize",
            "Add a hopeful retry on timeouts",
            "Rename i_hope_this to retry_once",
            "Fix the let-me-know button",
            "Fix typo in good luck message for translators",
            "Drop the happy-coding banner",
            "Fix the message is empty check",
            "Log why. The message parser now keeps tabs",
            "Tell the user to let me know tools",
        ] {
            assert_eq!(epilogue_cut(line), [line], "{line}");
        }
    }

    #[test]
    fn trailers_are_read_as_git_reads_them() {
        for line in [
            "Signed-off-by: Model <m@example.com>",
            "Signed-off-by : Model <m@example.com>",
            "Signed-off-by\t: Model",
            "signed-off-by:Model",
            "Co-Authored-By  :  Someone <s@example.com>",
            "  Reviewed-by: Nobody",
            "Acked-by: A",
            "Change-Id : I0123456789abcdef",
            "CC: list@example.com",
            "Link :https://example.com",
            "(cherry picked from commit 0123456789abcdef)",
        ] {
            assert!(is_trailer(line), "{line:?}");
        }
        for line in [
            "Fix: the parser",
            "Signed off by: Model",
            "Reviewed by: Nobody",
            "-by: x",
            "The parser is used by: the hook",
            "Signed-off-by Model",
            "Cc the list",
            "Linked: x",
        ] {
            assert!(!is_trailer(line), "{line:?}");
        }
    }
}
