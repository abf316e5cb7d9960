//! Turns what a weak local model replied into a clean commit message, or says why it cannot be used.

use std::fmt;

/// How to clean a reply.
#[derive(Debug, Clone)]
pub struct CleanOptions {
    /// Longest subject line allowed, in characters.
    pub max_subject: usize,
    /// The model stopped because it hit its output limit (Ollama `done_reason: "length"`), so the end may be cut mid-sentence.
    pub truncated: bool,
}

/// Why a reply was not usable as a commit message (Display: a short lowercase phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Nothing usable was left after cleaning.
    Empty,
    /// The reply held nothing but the model's thinking (a think block, or an unclosed one).
    OnlyThinking,
    /// The reply repeated lines of the diff instead of describing it.
    EchoedDiff,
    /// The reply reads like source code rather than prose.
    LooksLikeCode,
    /// The subject is longer than allowed and has no sentence break to shorten it at.
    SubjectTooLong {
        /// Length of the cleaned subject, in characters.
        len: usize,
        /// The limit it went over.
        max: usize,
    },
    /// The reply was truncated and its only line ends mid-phrase.
    Cut,
    /// The model spoke as itself (a refusal, an apology, "I have updated..."): a commit
    /// message describes the change, it does not talk to the reader.
    NotAMessage,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Empty => f.write_str("it was empty"),
            Rejection::OnlyThinking => f.write_str("it held only the model's thinking"),
            Rejection::EchoedDiff => f.write_str("it echoed diff lines"),
            Rejection::LooksLikeCode => f.write_str("it looked like code, not a message"),
            Rejection::SubjectTooLong { len, max } => write!(
                f,
                "the subject is {len} characters, over the limit of {max}"
            ),
            Rejection::Cut => f.write_str("it was cut off mid-sentence"),
            Rejection::NotAMessage => {
                f.write_str("the model talked instead of describing the change")
            }
        }
    }
}

impl std::error::Error for Rejection {}

// Thinking can run long, so think blocks are removed from a generous prefix before the rest is
// cut to a size no honest commit message comes near; both bounds keep the work linear and small.
const RAW_LIMIT: usize = 1 << 20;
const TEXT_LIMIT: usize = 64 * 1024;
const WIDTH: usize = 72;
const MAX_BODY_CHARS: usize = 2000;
const MAX_BODY_LINES: usize = 40;
// Each pass can uncover something the previous one could not see (a quote inside bold, a tag
// joined up by removing an escape); fuzzing never needed more than four passes to settle.
const MAX_PASSES: usize = 8;

/// Cleans a model reply into `subject` or `subject\n\nbody` (no trailing newline, body wrapped at 72 columns), or says why it cannot be used.
///
/// Beyond the obvious clean-ups (think blocks, code fences, preambles, epilogues, markdown,
/// quotes, invented trailers), the rules where judgement was needed are:
///
/// - A preamble is a leading line that is a bare acknowledgement ("Sure!", "Okay,") — the
///   acknowledgement is cut off and the rest of the line is looked at again — or that ends with
///   `:` and mentions a commit or message or starts with a lead-in ("Here is", "Below is",
///   "Based on"), or that starts with such a lead-in and mentions a commit or message, or that is
///   only a label ("Commit message", "Subject:"), or that narrates ("Let me", "The diff shows",
///   "The user"). A label before a colon ("Subject: Fix x") is cut. When a line announces the
///   message ("Commit message:", "A good commit message would be:") and text follows it,
///   everything before it goes too.
/// - Epilogue starts at the first line (after the subject) of chatter addressed to the user
///   ("I hope", "Let me know", "Feel free", "Note:", "Explanation", "This message follows", ...)
///   and runs to the end.
/// - A subject over the limit is split at its first ". " or "; " that comes within the limit
///   (not after "e.g", "etc" or a single letter); the rest opens the body.
/// - With `truncated`, a body whose last line does not end in closing punctuation loses its last
///   paragraph (or only its last list item). A reply with no body is rejected as [`Rejection::Cut`]
///   when its subject ends with `,` `:` `;` `-` `/` or an opening bracket or quote, leaves a
///   bracket, `"` or backtick unbalanced, or ends with one of: and, or, but, nor, the, a, an, to,
///   of, for, with, in, from, into, that, `&`.
/// - The result is a fixed point: cleaning it again (as a complete, untruncated reply) returns it
///   unchanged, so clean-ups that uncover more clean-ups are run until nothing changes.
pub fn clean(raw: &str, opts: &CleanOptions) -> Result<String, Rejection> {
    let mut out = clean_once(raw, opts.max_subject, opts.truncated)?;
    // Only the model's own reply can be cut; what this module produced is complete.
    for _ in 0..MAX_PASSES {
        let next = clean_once(&out, opts.max_subject, false)?;
        if next == out {
            break;
        }
        out = next;
    }
    Ok(out)
}

fn clean_once(raw: &str, max_subject: usize, truncated: bool) -> Result<String, Rejection> {
    let raw = &raw[..floor_boundary(raw, RAW_LIMIT)];
    let (text, had_think) = strip_think(raw);
    let text = normalise(&text);
    if text.trim().is_empty() {
        return Err(if had_think {
            Rejection::OnlyThinking
        } else {
            Rejection::Empty
        });
    }

    let lines: Vec<String> = text.split('\n').map(|l| l.trim_end().to_owned()).collect();
    let mut lines = extract_fence(lines)?;
    lines.retain(|l| fence_marker(l).is_none() && !is_rule(l));
    strip_blockquote(&mut lines);
    dedent(&mut lines);
    let mut lines: Vec<String> = lines.iter().map(|l| markdown(l)).collect();
    drop_preamble(&mut lines);
    drop_epilogue(&mut lines);
    lines.retain(|l| !is_trailer(l));
    drop_body_labels(&mut lines);
    check_diff(&lines)?;
    unwrap_message_quotes(&mut lines);
    let lines = tidy(lines);

    let mut subject = String::new();
    let mut next = 0;
    while next < lines.len() && !subject.chars().any(char::is_alphanumeric) {
        subject = tidy_subject(&lines[next]);
        next += 1;
    }
    // A subject of bare punctuation ("-", "...") says nothing; the next line may.
    if !subject.chars().any(char::is_alphanumeric) {
        return Err(Rejection::Empty);
    }
    let mut body: Vec<String> = lines[next..]
        .iter()
        .skip_while(|l| l.is_empty())
        .cloned()
        .collect();
    dedent(&mut body);

    if subject_is_code(&subject) || body_is_code(&body) {
        return Err(Rejection::LooksLikeCode);
    }
    if speaks_as_itself(&subject) {
        return Err(Rejection::NotAMessage);
    }
    let (subject, rest) = fit_subject(&subject, max_subject)?;
    if let Some(rest) = rest {
        if !body.is_empty() {
            body.insert(0, String::new());
        }
        body.insert(0, rest);
    }
    if truncated {
        if body.is_empty() {
            if is_cut(&subject) {
                return Err(Rejection::Cut);
            }
        } else {
            drop_cut_tail(&mut body);
        }
    }
    let body = bound_body(wrap_body(&body));

    let mut out = subject;
    if !body.is_empty() {
        out.push_str("\n\n");
        out.push_str(&body.join("\n"));
    }
    Ok(out)
}

/// A subject in the first person or addressed to the reader: refusals ("I'm sorry, but"),
/// "As an AI", "I have updated". Commit subjects describe the change, never the writer.
fn speaks_as_itself(subject: &str) -> bool {
    let lower = subject.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    let first = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    matches!(
        first,
        "i" | "i'm" | "i've" | "i'll" | "i'd" | "im" | "sorry" | "unfortunately" | "apologies"
    ) || lower.starts_with("as an ai")
        || lower.starts_with("as a language model")
        || lower.starts_with("you ")
}

/// Largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

const THINK_OPEN: [&str; 2] = ["<think>", "<thinking>"];
const THINK_CLOSE: [&str; 2] = ["</think>", "</thinking>"];

fn tag_at(raw: &str, at: usize, tags: &[&str]) -> Option<usize> {
    let bytes = &raw.as_bytes()[at..];
    tags.iter()
        .find(|t| bytes.len() >= t.len() && bytes[..t.len()].eq_ignore_ascii_case(t.as_bytes()))
        .map(|t| t.len())
}

/// End of the first tag from `tags` at or after `from`.
fn find_tag(raw: &str, from: usize, tags: &[&str]) -> Option<usize> {
    let mut pos = from;
    while let Some(off) = raw[pos..].find('<') {
        let at = pos + off;
        if let Some(len) = tag_at(raw, at, tags) {
            return Some(at + len);
        }
        pos = at + 1;
    }
    None
}

fn push_capped(out: &mut String, s: &str) {
    let room = TEXT_LIMIT.saturating_sub(out.len());
    out.push_str(&s[..floor_boundary(s, room)]);
}

/// Removes think blocks; says whether there were any.
fn strip_think(raw: &str) -> (String, bool) {
    let mut out = String::new();
    let mut had = false;
    let mut keep_from = 0;
    let mut pos = 0;
    while let Some(off) = raw[pos..].find('<') {
        let at = pos + off;
        if let Some(len) = tag_at(raw, at, &THINK_OPEN) {
            push_capped(&mut out, &raw[keep_from..at]);
            had = true;
            match find_tag(raw, at + len, &THINK_CLOSE) {
                Some(end) => {
                    pos = end;
                    keep_from = end;
                }
                // Models that run out of tokens while thinking never close the block.
                None => return (out, true),
            }
        } else if let Some(len) = tag_at(raw, at, &THINK_CLOSE) {
            // Some chat templates put the opener in the prompt, so only the closer comes back.
            out.clear();
            had = true;
            pos = at + len;
            keep_from = pos;
        } else {
            pos = at + 1;
        }
    }
    push_capped(&mut out, &raw[keep_from..]);
    (out, had)
}

/// Unifies line ends and drops terminal escapes and control characters, so git and the
/// terminal see only printable text and `\n`.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\u{feff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            // String sequences end at BEL or ST; stopping at a line end keeps one stray
            // escape from eating the whole message.
            while let Some(&c) = chars.peek() {
                match c {
                    '\u{7}' | '\u{9c}' => {
                        chars.next();
                        break;
                    }
                    '\u{1b}' => {
                        chars.next();
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                    '\n' | '\r' => break,
                    _ => {
                        chars.next();
                    }
                }
            }
        }
        Some(&c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
        Some(&c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut Chars<'_>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// A fence line: its character, its length and its info string.
fn fence_marker(line: &str) -> Option<(char, usize, &str)> {
    let t = line.trim_start();
    let ch = t.chars().next().filter(|&c| c == '`' || c == '~')?;
    let n = t.chars().take_while(|&c| c == ch).count();
    if n < 3 {
        return None;
    }
    let info = t[n..].trim();
    // "```Fix x```" on one line is inline code, not an opener.
    if ch == '`' && info.contains('`') {
        return None;
    }
    Some((ch, n, info))
}

fn is_fence_close(line: &str, ch: char, n: usize) -> bool {
    let t = line.trim();
    t.len() >= n && t.chars().all(|c| c == ch)
}

fn has_text(lines: &[String]) -> bool {
    lines.iter().any(|l| !l.trim().is_empty())
}

/// Keeps only the content of the fenced block that holds the message, if there is one.
fn extract_fence(lines: Vec<String>) -> Result<Vec<String>, Rejection> {
    // (content start, content end, is a diff block, is closed)
    let mut blocks: Vec<(usize, usize, bool, bool)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((ch, n, info)) = fence_marker(&lines[i]) else {
            i += 1;
            continue;
        };
        let lang = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_diff = lang == "diff" || lang == "patch";
        let mut j = i + 1;
        while j < lines.len() && !is_fence_close(&lines[j], ch, n) {
            j += 1;
        }
        let closed = j < lines.len();
        // An unclosed "opener" after real text is usually a stray closing fence, and what
        // follows it is chatter, not the message.
        if closed || lines[..i].iter().all(|l| is_preamble_line(l)) {
            blocks.push((i + 1, j, is_diff, closed));
        }
        i = j + 1;
    }
    let usable = |b: &&(usize, usize, bool, bool)| has_text(&lines[b.0..b.1]);
    // A model that shows the diff in one block and the message in another means the message.
    let chosen = blocks
        .iter()
        .filter(usable)
        .find(|b| !b.2)
        .or_else(|| blocks.iter().find(usable));
    match chosen {
        Some(&(_, _, true, _)) => Err(Rejection::EchoedDiff),
        Some(&(start, end, _, _)) => Ok(lines[start..end].to_vec()),
        None => Ok(lines),
    }
}

fn is_preamble_line(line: &str) -> bool {
    line.trim().is_empty() || preamble_rest(&markdown(line)).is_some_and(|r| r.trim().is_empty())
}

/// A horizontal rule or setext underline, which models use to fence off their chatter.
fn is_rule(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first) = marks.next() else {
        return false;
    };
    let mut n = 1;
    for c in marks {
        if c != first {
            return false;
        }
        n += 1;
    }
    n >= 3 && matches!(first, '-' | '*' | '_' | '=')
}

fn strip_blockquote(lines: &mut [String]) {
    let quoted = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.trim_start().starts_with('>'));
    if !quoted || !has_text(lines) {
        return;
    }
    for line in lines.iter_mut() {
        if let Some(rest) = line.trim_start().strip_prefix('>') {
            *line = rest.strip_prefix(' ').unwrap_or(rest).to_owned();
        }
    }
}

fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

fn dedent(lines: &mut [String]) {
    let common = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| leading_spaces(l))
        .min()
        .unwrap_or(0);
    if common == 0 {
        return;
    }
    for line in lines.iter_mut() {
        let cut = leading_spaces(line).min(common);
        line.drain(..cut);
    }
}

/// Rewrites one line's markdown into plain commit-message text.
fn markdown(line: &str) -> String {
    let indent = leading_spaces(line);
    // Indented code is meant literally.
    if indent >= 4 {
        return line.to_owned();
    }
    let mut t = &line[indent..];
    let mut heading = false;
    // git deletes lines starting with '#' as comments, so a heading must lose its hashes.
    for _ in 0..8 {
        match strip_heading(t) {
            Some(rest) => {
                t = rest;
                heading = true;
            }
            None => break,
        }
    }
    let line = if heading {
        t.trim().to_owned()
    } else {
        let bullet = ["* ", "+ ", "• "].iter().find_map(|m| t.strip_prefix(m));
        match bullet {
            Some(rest) => format!("{}- {}", &line[..indent], rest.trim_start()),
            None => line.to_owned(),
        }
    };
    strip_marker(&strip_marker(&line, "**"), "__")
}

fn strip_heading(t: &str) -> Option<&str> {
    let n = t.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&n) {
        return None;
    }
    let rest = &t[n..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim();
    let closed = rest.trim_end_matches('#');
    if closed.len() < rest.len() && (closed.is_empty() || closed.ends_with(' ')) {
        return Some(closed.trim_end());
    }
    Some(rest)
}

/// Removes paired bold markers, leaving globs like `src/**/*.rs` and names like `__init__` alone.
fn strip_marker(line: &str, marker: &str) -> String {
    if !line.contains(marker) {
        return line.to_owned();
    }
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(off) = line[pos..].find(marker) {
        found.push(pos + off);
        pos += off + marker.len();
    }
    let mut drop = Vec::new();
    let mut open: Option<usize> = None;
    for &at in &found {
        let before = line[..at].chars().next_back();
        let after = line[at + marker.len()..].chars().next();
        let can_close = before.is_some_and(|c| !c.is_whitespace())
            && after.is_none_or(|c| !c.is_alphanumeric() && c != '/');
        let can_open = before.is_none_or(|c| c.is_whitespace() || "([{\"'“‘".contains(c))
            && after.is_some_and(|c| !c.is_whitespace());
        if let Some(o) = open {
            let inner = &line[o + marker.len()..at];
            let identifier =
                marker == "__" && inner.chars().all(|c| c.is_alphanumeric() || c == '_');
            if can_close && !identifier {
                drop.push(o);
                drop.push(at);
                open = None;
                continue;
            }
        }
        if can_open {
            open = Some(at);
        }
    }
    let mut out = String::with_capacity(line.len());
    let mut from = 0;
    for at in drop {
        out.push_str(&line[from..at]);
        from = at + marker.len();
    }
    out.push_str(&line[from..]);
    out
}

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
fn preamble_rest(line: &str) -> Option<String> {
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
fn strip_label(t: &str) -> Option<&str> {
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

fn drop_preamble(lines: &mut Vec<String>) {
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

const CHATTER_AFTER_SUBJECT: [&str; 33] = [
    "explanation",
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
    if CHATTER_ALWAYS.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    for subject in MESSAGE_SUBJECTS {
        if let Some(rest) = lower.strip_prefix(subject) {
            let verb = rest.split_whitespace().next().unwrap_or("");
            if rest.starts_with(' ') && MESSAGE_VERBS.contains(&verb) {
                return true;
            }
        }
    }
    !is_subject && CHATTER_AFTER_SUBJECT.iter().any(|p| lower.starts_with(p))
}

/// Cuts the message at the first line of chatter: what follows it is more chatter.
fn drop_epilogue(lines: &mut Vec<String>) {
    if let Some(at) = lines
        .iter()
        .enumerate()
        .position(|(i, l)| is_chatter(l, i == 0))
    {
        lines.truncate(at);
    }
}

const TRAILERS: [&str; 7] = [
    "signed-off-by:",
    "co-authored-by:",
    "reviewed-by:",
    "acked-by:",
    "tested-by:",
    "reported-by:",
    "change-id:",
];

/// A trailer the model made up; real ones are added by git and by people, not guessed.
fn is_trailer(line: &str) -> bool {
    let lower = line.trim_start().to_ascii_lowercase();
    TRAILERS.iter().any(|t| lower.starts_with(t))
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

fn drop_body_labels(lines: &mut Vec<String>) {
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

fn check_diff(lines: &[String]) -> Result<(), Rejection> {
    let mut changed = 0;
    for line in lines {
        let t = line.trim_start();
        if ["diff --git", "@@ -", "+++ ", "--- a/", "--- /dev/null"]
            .iter()
            .any(|p| t.starts_with(p))
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

const QUOTES: [(&str, &str); 8] = [
    ("```", "```"),
    ("``", "``"),
    ("\"", "\""),
    ("'", "'"),
    ("`", "`"),
    ("“", "”"),
    ("‘", "’"),
    ("«", "»"),
];

/// Whether every quote character inside `inner` is an apostrophe between letters, so that
/// stripping the outer pair cannot break up `foo` and `bar`.
fn quotes_only_apostrophes(inner: &str, open: &str, close: &str) -> bool {
    let mut prev: Option<char> = None;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if open.contains(c) || close.contains(c) {
            let between = prev.is_some_and(char::is_alphanumeric)
                && chars.peek().is_some_and(|n| n.is_alphanumeric());
            if !between {
                return false;
            }
        }
        prev = Some(c);
    }
    true
}

fn unwrap_line(s: &str) -> Option<String> {
    for (open, close) in QUOTES {
        if s.len() < open.len() + close.len() {
            continue;
        }
        if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            if quotes_only_apostrophes(inner, open, close) {
                return Some(inner.trim().to_owned());
            }
        }
    }
    None
}

/// Unwraps a message quoted as a whole, or failing that a quoted subject.
fn unwrap_message_quotes(lines: &mut [String]) {
    for _ in 0..4 {
        let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) else {
            return;
        };
        let last = lines
            .iter()
            .rposition(|l| !l.trim().is_empty())
            .unwrap_or(first);
        let mut changed = false;
        if first != last {
            let head = lines[first].trim().to_owned();
            let tail = lines[last].trim().to_owned();
            for (open, close) in QUOTES {
                let (Some(h), Some(t)) = (head.strip_prefix(open), tail.strip_suffix(close)) else {
                    continue;
                };
                let mut inner = vec![h];
                inner.extend(lines[first + 1..last].iter().map(String::as_str));
                inner.push(t);
                if inner
                    .iter()
                    .all(|l| quotes_only_apostrophes(l, open, close))
                {
                    let (h, t) = (h.to_owned(), t.to_owned());
                    lines[first] = h;
                    lines[last] = t;
                    changed = true;
                    break;
                }
            }
        }
        if let Some(s) = unwrap_line(lines[first].trim()) {
            lines[first] = s;
            changed = true;
        }
        if !changed {
            return;
        }
    }
}

/// Trims trailing whitespace, blank lines at both ends and runs of blank lines.
fn tidy(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        let line = line.trim_end();
        if !line.is_empty() {
            out.push(line.to_owned());
        } else if out.last().is_some_and(|l| !l.is_empty()) {
            out.push(String::new());
        }
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

fn tidy_subject(line: &str) -> String {
    let mut s = line.trim().to_owned();
    for _ in 0..4 {
        let before = s.len();
        let marker = list_marker_len(&s);
        if marker > 0 {
            s = s[marker..].trim().to_owned();
        } else if let Some(rest) = ["* ", "+ ", "• "].iter().find_map(|m| s.strip_prefix(m)) {
            s = rest.trim().to_owned();
        }
        if let Some(rest) = strip_label(&s) {
            s = rest.to_owned();
        }
        if let Some(rest) = unwrap_line(&s) {
            s = rest;
        }
        if s.len() == before {
            break;
        }
    }
    s
}

fn subject_is_code(subject: &str) -> bool {
    let t = subject.trim();
    if t.ends_with('{') || t.ends_with(';') || t.starts_with("#include") {
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

fn body_is_code(body: &[String]) -> bool {
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

fn strip_period(s: &str) -> &str {
    match s.strip_suffix('.') {
        Some(rest) if !rest.ends_with('.') => rest.trim_end(),
        _ => s,
    }
}

const ABBREVIATIONS: [&str; 12] = [
    "e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "no", "mr", "mrs", "dr", "fig",
];

/// The subject within the limit, and what had to move to the body to get it there.
fn fit_subject(subject: &str, max: usize) -> Result<(String, Option<String>), Rejection> {
    let whole = strip_period(subject);
    let len = whole.chars().count();
    if len <= max {
        return Ok((whole.to_owned(), None));
    }
    // Splitting at a sentence break keeps every word the model wrote; cutting words off would
    // make the subject say something else.
    let mut prev = ' ';
    let mut chars = subject.char_indices().enumerate().peekable();
    while let Some((n, (at, c))) = chars.next() {
        if n > max {
            break;
        }
        let next_is_space = chars.peek().is_some_and(|&(_, (_, c))| c == ' ');
        let is_break = next_is_space && (c == ';' || (c == '.' && prev != '.'));
        prev = c;
        if !is_break {
            continue;
        }
        let head = subject[..at].trim_end();
        let tail = subject[at + 1..].trim();
        let last_word = head.rsplit(' ').next().unwrap_or("").to_ascii_lowercase();
        let abbreviation = c == '.'
            && (last_word.chars().count() == 1 || ABBREVIATIONS.contains(&last_word.as_str()));
        if head.is_empty() || tail.is_empty() || abbreviation {
            continue;
        }
        return Ok((strip_period(head).to_owned(), Some(tail.to_owned())));
    }
    Err(Rejection::SubjectTooLong { len, max })
}

const DANGLING: [&str; 16] = [
    "and", "or", "but", "nor", "the", "a", "an", "to", "of", "for", "with", "in", "from", "into",
    "that", "&",
];

/// Whether a lone subject line of a truncated reply ends where no sentence would.
fn is_cut(subject: &str) -> bool {
    let t = subject.trim_end();
    let Some(last) = t.chars().next_back() else {
        return false;
    };
    if matches!(
        last,
        ',' | ':' | ';' | '-' | '/' | '(' | '[' | '{' | '“' | '‘' | '«'
    ) {
        return true;
    }
    let count = |c: char| t.chars().filter(|&x| x == c).count();
    if count('(') > count(')')
        || count('[') > count(']')
        || count('{') > count('}')
        || count('“') > count('”')
        || count('"') % 2 == 1
        || count('`') % 2 == 1
    {
        return true;
    }
    let word = t.rsplit(' ').next().unwrap_or("").to_ascii_lowercase();
    DANGLING.contains(&word.as_str())
}

fn ends_closed(line: &str) -> bool {
    line.trim_end().chars().next_back().is_some_and(|c| {
        matches!(
            c,
            '.' | '!'
                | '?'
                | ')'
                | ']'
                | '}'
                | '"'
                | '\''
                | '`'
                | '”'
                | '’'
                | '…'
                | '»'
                | '。'
                | '！'
                | '？'
        )
    })
}

fn list_marker_len(s: &str) -> usize {
    if s.starts_with("- ") {
        return 2;
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &s.as_bytes()[digits..];
    if (1..=3).contains(&digits)
        && rest.len() >= 2
        && (rest[0] == b'.' || rest[0] == b')')
        && rest[1] == b' '
    {
        return digits + 2;
    }
    0
}

fn is_list_item(line: &str) -> bool {
    list_marker_len(line.trim_start()) > 0
}

/// Drops the part of a truncated body that was probably cut mid-sentence.
fn drop_cut_tail(body: &mut Vec<String>) {
    let Some(last) = body.iter().rposition(|l| !l.trim().is_empty()) else {
        return;
    };
    body.truncate(last + 1);
    if ends_closed(&body[last]) {
        return;
    }
    let para = body[..last]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let item = (para..=last).rev().find(|&i| is_list_item(&body[i]));
    body.truncate(item.unwrap_or(para));
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
}

/// Breaks body lines longer than the width at spaces; short lines are never joined, because
/// a weak model's line breaks often carry structure a reflow would destroy.
fn wrap_body(body: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(body.len());
    for line in body {
        let indent = leading_spaces(line);
        if indent >= 4 || line.chars().count() <= WIDTH {
            out.push(line.clone());
            continue;
        }
        let prefix = indent + list_marker_len(&line[indent..]);
        let hang = " ".repeat(prefix);
        let mut cur = line[..prefix].to_owned();
        let mut cur_len = prefix;
        let mut empty = true;
        for word in line[prefix..].split(' ').filter(|w| !w.is_empty()) {
            let len = word.chars().count();
            if !empty && cur_len + 1 + len > WIDTH {
                out.push(std::mem::replace(&mut cur, hang.clone()));
                cur_len = prefix;
                empty = true;
            }
            if !empty {
                cur.push(' ');
                cur_len += 1;
            }
            cur.push_str(word);
            cur_len += len;
            empty = false;
        }
        if !empty {
            out.push(cur);
        }
    }
    out
}

/// Keeps the body within the size limits, cutting at a paragraph break when one is in reach.
fn bound_body(mut body: Vec<String>) -> Vec<String> {
    let mut total = 0;
    let mut keep = 0;
    for (i, line) in body.iter().enumerate() {
        let add = line.chars().count() + usize::from(i > 0);
        if i >= MAX_BODY_LINES || total + add > MAX_BODY_CHARS {
            break;
        }
        total += add;
        keep = i + 1;
    }
    if keep < body.len() {
        if let Some(blank) = body[..keep].iter().rposition(|l| l.trim().is_empty()) {
            if blank > 0 {
                keep = blank;
            }
        }
    }
    body.truncate(keep);
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CleanOptions {
        CleanOptions {
            max_subject: 72,
            truncated: false,
        }
    }

    fn cut_opts() -> CleanOptions {
        CleanOptions {
            max_subject: 72,
            truncated: true,
        }
    }

    fn ok(raw: &str) -> String {
        clean(raw, &opts()).unwrap()
    }

    fn err(raw: &str) -> Rejection {
        clean(raw, &opts()).unwrap_err()
    }

    #[test]
    fn plain_subject_is_kept() {
        assert_eq!(
            ok("Add parser for TOML config"),
            "Add parser for TOML config"
        );
    }

    #[test]
    fn think_block_is_removed() {
        assert_eq!(
            ok("<think>The user wants...</think>\n\nFix off-by-one in pager"),
            "Fix off-by-one in pager"
        );
    }

    #[test]
    fn think_tags_any_case_and_repeated() {
        assert_eq!(
            ok("<THINK>a</Think>Fix x<thinking>b\nc</THINKING>\n<think></think>"),
            "Fix x"
        );
    }

    #[test]
    fn stray_closer_drops_what_came_before() {
        assert_eq!(ok("I should look at the diff.\n</think>\nFix x"), "Fix x");
    }

    #[test]
    fn preamble_fence_and_epilogue() {
        let raw = "Sure! Here is a commit message for your changes:\n\n```\nfeat(hook): write message above scissors\n\nThe -v flow appends the diff below a scissors line.\n```\n\nThis commit message follows the Conventional Commits format.";
        assert_eq!(
            ok(raw),
            "feat(hook): write message above scissors\n\nThe -v flow appends the diff below a scissors line."
        );
    }

    #[test]
    fn fence_with_language_tag() {
        assert_eq!(ok("```text\nFix x\n```"), "Fix x");
        assert_eq!(ok("~~~git\nFix y\n~~~"), "Fix y");
    }

    #[test]
    fn first_non_blank_fence_wins() {
        assert_eq!(
            ok("```\n\n```\nchatter\n```\nFix z\n```\n```\nOther\n```"),
            "Fix z"
        );
    }

    #[test]
    fn diff_fence_is_skipped_for_the_message_fence() {
        assert_eq!(ok("```diff\n-a\n+b\n```\nSo:\n```\nFix y\n```"), "Fix y");
    }

    #[test]
    fn diff_fence_alone_is_rejected() {
        assert_eq!(
            err("Here is the diff:\n```diff\n-a\n+b\n```"),
            Rejection::EchoedDiff
        );
    }

    #[test]
    fn narration_before_the_message_is_dropped() {
        assert_eq!(
            ok("Okay, let me analyze the diff.\n\nThe diff shows changes to the README.\n\nCommit message:\n\nUpdate README with install steps"),
            "Update README with install steps"
        );
        assert_eq!(
            ok("You changed the loader. A good commit message would be:\n\nFix loader"),
            "Fix loader"
        );
    }

    #[test]
    fn numbered_subject_loses_its_number() {
        assert_eq!(ok("1. Fix bug\n2. Add test"), "Fix bug\n\n2. Add test");
    }

    #[test]
    fn numbered_item_wraps_with_hanging_indent() {
        assert_eq!(
            ok("Fix x\n\n1. first step is long enough to need wrapping because it goes on and on and on\n2. second"),
            "Fix x\n\n1. first step is long enough to need wrapping because it goes on and on\n   and on\n2. second"
        );
    }

    #[test]
    fn truncated_split_subject_keeps_the_subject() {
        assert_eq!(
            clean(
                "Fix login. The session token was not refreshed on expiry and users were lo",
                &cut_opts()
            )
            .unwrap(),
            "Fix login"
        );
    }

    #[test]
    fn unclosed_fence_takes_what_follows() {
        assert_eq!(
            ok("Here is the commit message:\n```\nFix x\n\nBody."),
            "Fix x\n\nBody."
        );
    }

    #[test]
    fn stray_closing_fence_after_message() {
        assert_eq!(
            ok("Fix x\n```\n\nThis commit message follows the format."),
            "Fix x"
        );
    }

    #[test]
    fn inline_triple_backticks_unwrapped() {
        assert_eq!(ok("```Fix bug in parser```"), "Fix bug in parser");
    }

    #[test]
    fn double_quotes_unwrapped() {
        assert_eq!(ok("\"Update README\""), "Update README");
    }

    #[test]
    fn other_quotes_unwrapped() {
        assert_eq!(ok("'Update README'"), "Update README");
        assert_eq!(ok("`Update README`"), "Update README");
        assert_eq!(ok("“Update README”"), "Update README");
    }

    #[test]
    fn inner_code_spans_are_not_unwrapped() {
        assert_eq!(ok("`foo` calls `bar`"), "`foo` calls `bar`");
    }

    #[test]
    fn whole_message_quotes_with_apostrophe_inside() {
        assert_eq!(
            ok("'Fix x\n\nDon't panic on empty input.'"),
            "Fix x\n\nDon't panic on empty input."
        );
    }

    #[test]
    fn quoted_subject_only() {
        assert_eq!(ok("\"Fix x\"\n\nMore detail."), "Fix x\n\nMore detail.");
    }

    #[test]
    fn bold_label_and_period() {
        assert_eq!(
            ok("**Subject:** Fix crash on empty input."),
            "Fix crash on empty input"
        );
    }

    #[test]
    fn heading_and_bullets() {
        assert_eq!(
            ok("## Add retry to fetch\n\n* retries three times\n* logs each failure"),
            "Add retry to fetch\n\n- retries three times\n- logs each failure"
        );
    }

    #[test]
    fn plus_bullets_and_bold_in_body() {
        assert_eq!(
            ok("Fix x\n\n+ **Parser**: handle tabs\n+ __Lexer fix__ done"),
            "Fix x\n\n- Parser: handle tabs\n- Lexer fix done"
        );
    }

    #[test]
    fn globs_and_dunders_are_untouched() {
        assert_eq!(
            ok("Ignore src/**/*.rs and tests/**/*.rs in __init__ checks"),
            "Ignore src/**/*.rs and tests/**/*.rs in __init__ checks"
        );
        assert_eq!(ok("Match *.rs files"), "Match *.rs files");
    }

    #[test]
    fn bullet_subject_loses_marker() {
        assert_eq!(ok("- Fix x\n- Add y"), "Fix x\n\n- Add y");
    }

    #[test]
    fn echoed_diff_is_rejected() {
        assert_eq!(
            err("diff --git a/hello.txt b/hello.txt\n@@ -1 +1 @@\n-hi\n+hello"),
            Rejection::EchoedDiff
        );
    }

    #[test]
    fn signed_lines_are_rejected_as_diff() {
        assert_eq!(
            err("Fix x\n\n+fn main() {}\n-import x\n+let y = 1"),
            Rejection::EchoedDiff
        );
        assert_eq!(
            err("Fix x\n\nindex 3b18e51..a042389 100644"),
            Rejection::EchoedDiff
        );
    }

    #[test]
    fn empty_replies() {
        assert_eq!(err(""), Rejection::Empty);
        assert_eq!(err("   \n\n"), Rejection::Empty);
        assert_eq!(err("Sure!"), Rejection::Empty);
        assert_eq!(err("\x1b[0m\t\u{7}"), Rejection::Empty);
        assert_eq!(err("- \n...\n\"\""), Rejection::Empty);
    }

    #[test]
    fn only_thinking() {
        assert_eq!(err("<think>only thoughts</think>"), Rejection::OnlyThinking);
        assert_eq!(err("<think>unclosed thoughts"), Rejection::OnlyThinking);
    }

    #[test]
    fn long_subject_without_break_is_rejected() {
        let subject = "a".repeat(150);
        assert_eq!(
            err(&subject),
            Rejection::SubjectTooLong { len: 150, max: 72 }
        );
        let words = "word ".repeat(30);
        assert_eq!(
            err(words.trim()),
            Rejection::SubjectTooLong { len: 149, max: 72 }
        );
    }

    #[test]
    fn subject_length_counts_chars_not_bytes() {
        let subject = "é".repeat(72);
        assert_eq!(ok(&subject), subject);
        assert_eq!(
            err(&"日".repeat(73)),
            Rejection::SubjectTooLong { len: 73, max: 72 }
        );
    }

    #[test]
    fn long_subject_splits_at_sentence() {
        assert_eq!(
            ok("Fix login. The session token was not refreshed on expiry and users were logged out."),
            "Fix login\n\nThe session token was not refreshed on expiry and users were logged out."
        );
    }

    #[test]
    fn long_subject_splits_at_semicolon_before_existing_body() {
        let raw = "Fix login; the session token was not refreshed on expiry so users were always logged out\n\nBody.";
        assert_eq!(
            ok(raw),
            "Fix login\n\nthe session token was not refreshed on expiry so users were always\nlogged out\n\nBody."
        );
    }

    #[test]
    fn ansi_escapes_removed() {
        assert_eq!(ok("\x1b[31mFix colour\x1b[0m bug"), "Fix colour bug");
        assert_eq!(ok("\x1b]0;title\x07Fix \x1b(Btitle"), "Fix title");
    }

    #[test]
    fn control_chars_and_line_ends() {
        assert_eq!(ok("Fix\tx\u{0}\r\n\r\nBody\rline."), "Fix x\n\nBody\nline.");
    }

    #[test]
    fn trailers_removed() {
        assert_eq!(
            ok("Fix x\n\nBody.\n\nSigned-off-by: Bot <b@x>"),
            "Fix x\n\nBody."
        );
        assert_eq!(
            ok("Fix x\n\nBody.\n\nco-authored-by: A <a@x>\nChange-Id: I123"),
            "Fix x\n\nBody."
        );
    }

    #[test]
    fn truncated_body_drops_cut_paragraph() {
        assert_eq!(
            clean(
                "Fix x\n\nFirst para done.\n\nSecond para cut in the mid",
                &cut_opts()
            )
            .unwrap(),
            "Fix x\n\nFirst para done."
        );
    }

    #[test]
    fn truncated_bullets_drop_last_item_only() {
        assert_eq!(
            clean("Fix x\n\n- one\n- two\n- thr", &cut_opts()).unwrap(),
            "Fix x\n\n- one\n- two"
        );
    }

    #[test]
    fn truncated_complete_body_is_kept() {
        assert_eq!(
            clean("Fix x\n\nAll done (really).", &cut_opts()).unwrap(),
            "Fix x\n\nAll done (really)."
        );
    }

    #[test]
    fn truncated_single_line_cut_is_rejected() {
        assert_eq!(
            clean("Fix parsing of the", &cut_opts()),
            Err(Rejection::Cut)
        );
        assert_eq!(clean("Fix parsing (for", &cut_opts()), Err(Rejection::Cut));
        assert_eq!(clean("Fix parsing,", &cut_opts()), Err(Rejection::Cut));
        assert_eq!(
            clean("Fix parsing of headers", &cut_opts()).unwrap(),
            "Fix parsing of headers"
        );
    }

    #[test]
    fn untruncated_dangling_subject_is_kept() {
        assert_eq!(ok("Fix parsing of the"), "Fix parsing of the");
    }

    #[test]
    fn long_paragraph_wraps() {
        let para = "word ".repeat(40);
        let para = para.trim();
        assert_eq!(para.len(), 199);
        let out = ok(&format!("Fix x\n\n{para}"));
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("Fix x"));
        assert_eq!(lines.next(), Some(""));
        let body: Vec<&str> = lines.collect();
        assert!(body.iter().all(|l| l.chars().count() <= 72));
        assert_eq!(body.join(" "), para);
        assert_eq!(body[0].len(), 69);
    }

    #[test]
    fn bullet_wraps_with_hanging_indent() {
        let raw = format!("Fix x\n\n- {}", "abcd ".repeat(20).trim());
        assert_eq!(
            ok(&raw),
            format!(
                "Fix x\n\n- {}\n  {}",
                "abcd ".repeat(14).trim(),
                "abcd ".repeat(6).trim()
            )
        );
    }

    #[test]
    fn long_word_stays_whole() {
        let url = format!("https://example.com/{}", "x".repeat(80));
        assert_eq!(
            ok(&format!("Fix x\n\nSee {url} for details.")),
            format!("Fix x\n\nSee\n{url}\nfor details.")
        );
    }

    #[test]
    fn preformatted_lines_are_left_alone() {
        let code = format!("    let x = \"{}\";", "y".repeat(80));
        let raw = format!("Fix x\n\nExample:\n\n{code}");
        assert_eq!(ok(&raw), raw);
    }

    #[test]
    fn missing_blank_after_subject() {
        assert_eq!(ok("Fix x\nMore detail here."), "Fix x\n\nMore detail here.");
    }

    #[test]
    fn preamble_variants() {
        for pre in [
            "Here's a concise commit message for your changes:",
            "Certainly.",
            "Okay, here is the commit message:",
            "Commit message:",
            "**Commit message:**",
            "Below is the message:",
            "The commit message is:",
            "Of course!",
            "# Commit Message",
            "Based on the diff, here's a suggestion:",
        ] {
            assert_eq!(ok(&format!("{pre}\n\nFix x")), "Fix x", "{pre}");
        }
    }

    #[test]
    fn label_prefixes() {
        assert_eq!(ok("Commit message: Fix x"), "Fix x");
        assert_eq!(ok("Title: Fix x"), "Fix x");
        assert_eq!(ok("Sure! Fix x"), "Fix x");
        assert_eq!(
            ok("Subject: Fix x\n\nBody: the details."),
            "Fix x\n\nthe details."
        );
        assert_eq!(
            ok("Subject:\nFix x\n\nDescription:\nThe details."),
            "Fix x\n\nThe details."
        );
    }

    #[test]
    fn conventional_prefix_is_not_a_label() {
        assert_eq!(
            ok("feat(message): add trailer"),
            "feat(message): add trailer"
        );
        assert_eq!(ok("fix: handle empty message"), "fix: handle empty message");
    }

    #[test]
    fn epilogue_variants() {
        for post in [
            "I hope this helps!",
            "Let me know if you'd like any changes.",
            "Feel free to adjust the wording.",
            "Note: I assumed the tests pass.",
            "Explanation:\n- the subject says what\n- the body says why",
            "This message uses the imperative mood.",
            "**Explanation:** short and clear.",
        ] {
            assert_eq!(
                ok(&format!("Fix x\n\nBody.\n\n{post}")),
                "Fix x\n\nBody.",
                "{post}"
            );
        }
    }

    #[test]
    fn body_about_messages_is_not_chatter() {
        let raw = "Fix x\n\nThe commit message parser now keeps scissors lines.";
        assert_eq!(ok(raw), raw);
    }

    #[test]
    fn code_is_rejected() {
        assert_eq!(err("fn main() {"), Rejection::LooksLikeCode);
        assert_eq!(
            err("I'm sorry, but I can't help with that."),
            Rejection::NotAMessage
        );
        assert_eq!(
            err("As an AI language model, I cannot see files"),
            Rejection::NotAMessage
        );
        assert_eq!(err("I have updated the parser"), Rejection::NotAMessage);
        assert_eq!(err("import os"), Rejection::LooksLikeCode);
        assert_eq!(err("use std::fmt;"), Rejection::LooksLikeCode);
        assert_eq!(
            err("Fix x\n\nif a {\n    b();\n}\nok"),
            Rejection::LooksLikeCode
        );
        assert_eq!(ok("Use cached lookups"), "Use cached lookups");
        assert_eq!(ok("use cached lookups"), "use cached lookups");
    }

    #[test]
    fn rules_and_blank_runs() {
        assert_eq!(ok("\n\nFix x\n---\n\n\n\nBody.   \n\n\n"), "Fix x\n\nBody.");
    }

    #[test]
    fn common_indent_removed() {
        assert_eq!(
            ok("    Fix x\n\n    Body.\n      more"),
            "Fix x\n\nBody.\n  more"
        );
        assert_eq!(ok("Fix x\n    * a\n    * b"), "Fix x\n\n- a\n- b");
    }

    #[test]
    fn ellipsis_is_kept() {
        assert_eq!(ok("Wait for it..."), "Wait for it...");
    }

    #[test]
    fn body_is_bounded() {
        let para = "Sentence here. ".repeat(20);
        let raw = format!("Fix x\n\n{}", vec![para.trim(); 30].join("\n\n"));
        let out = ok(&raw);
        let body = out.split_once("\n\n").unwrap().1;
        assert!(body.chars().count() <= MAX_BODY_CHARS);
        assert!(body.lines().count() <= MAX_BODY_LINES);
        assert!(body.ends_with("here."));
    }

    #[test]
    fn display_phrases() {
        assert_eq!(Rejection::Empty.to_string(), "it was empty");
        assert_eq!(Rejection::EchoedDiff.to_string(), "it echoed diff lines");
        assert_eq!(
            Rejection::SubjectTooLong { len: 143, max: 72 }.to_string(),
            "the subject is 143 characters, over the limit of 72"
        );
    }

    #[test]
    fn huge_input_is_fast() {
        let start = std::time::Instant::now();
        let big = "Fix x ".repeat(10_000_000);
        let _ = clean(&big, &opts());
        let lt = "<".repeat(50_000_000);
        let _ = clean(&lt, &opts());
        let mixed = "<think>é\n\x1b[1m**a** ".repeat(2_000_000);
        let _ = clean(&mixed, &opts());
        assert!(start.elapsed().as_secs() < 10);
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: [&str; 62] = [
        "```",
        "~~~",
        "```text\n",
        "\n```\n",
        "<think>",
        "</think>",
        "<thinking>",
        "\x1b[",
        "\x1b[31m",
        "\x1b]0;t\x07",
        "**",
        "__",
        "#",
        "## ",
        "\n",
        "\n",
        "\n\n",
        "\"",
        "'",
        "`",
        "“",
        "”",
        "é",
        "日",
        "🙂",
        " ",
        " ",
        " ",
        "a",
        "Fix",
        "word",
        "update",
        ".",
        ". ",
        "; ",
        "- ",
        "* ",
        "+",
        "-",
        "diff --git",
        "@@ -",
        "Sure!",
        "Commit message:",
        "Note:",
        "Signed-off-by:",
        "\t",
        "\r\n",
        "\r",
        "{",
        "}",
        ";",
        ":",
        "(",
        ")",
        "\u{7f}",
        "\u{85}",
        "    ",
        "and",
        "the",
        "Subject: ",
        "> ",
        "1. ",
    ];

    fn random_input(rng: &mut XorShift) -> String {
        let mut s = String::new();
        for _ in 0..rng.below(80) {
            match rng.below(20) {
                0 => s.push_str(&"longword".repeat(1 + rng.below(15))),
                1 => s.push_str(&"word ".repeat(rng.below(40))),
                _ => s.push_str(PIECES[rng.below(PIECES.len())]),
            }
        }
        s
    }

    fn check_output(input: &str, out: &str, o: &CleanOptions) {
        let ctx = format!("input {input:?} output {out:?}");
        assert!(!out.is_empty(), "{ctx}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{ctx}");
        let lines: Vec<&str> = out.split('\n').collect();
        assert!(lines[0].chars().count() <= o.max_subject, "{ctx}");
        assert!(!lines[0].trim().is_empty(), "{ctx}");
        assert!(!lines.iter().any(|l| l.starts_with("diff --git")), "{ctx}");
        if lines.len() > 1 {
            assert_eq!(lines[1], "", "{ctx}");
            assert!(lines.len() > 2, "{ctx}");
        }
        for line in lines.iter().skip(2) {
            if line.chars().count() <= WIDTH || line.starts_with("    ") {
                continue;
            }
            let t = line.trim_start();
            let word = &t[list_marker_len(t)..];
            assert!(!word.contains(' '), "{ctx} line {line:?}");
        }
        let again = CleanOptions {
            truncated: false,
            ..o.clone()
        };
        assert_eq!(clean(out, &again).as_deref(), Ok(out), "{ctx}");
    }

    #[test]
    fn random_code_points_never_panic() {
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for i in 0..2000 {
            let mut input = String::new();
            for _ in 0..rng.below(200) {
                let c = match rng.below(4) {
                    0 => char::from_u32(rng.below(0x80) as u32),
                    1 => char::from_u32(rng.below(0x800) as u32),
                    _ => char::from_u32(rng.below(0x11_0000) as u32),
                };
                input.push(c.unwrap_or('\u{fffd}'));
            }
            let o = CleanOptions {
                max_subject: 72,
                truncated: i % 2 == 0,
            };
            if let Ok(out) = clean(&input, &o) {
                check_output(&input, &out, &o);
            }
        }
    }

    #[test]
    fn random_inputs_never_panic_and_clean_to_a_fixed_point() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        let rounds = std::env::var("CLEAN_FUZZ_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(5000);
        if let Some(seed) = std::env::var("CLEAN_FUZZ_SEED")
            .ok()
            .and_then(|r| r.parse().ok())
        {
            rng = XorShift(seed);
        }
        for i in 0..rounds {
            let input = random_input(&mut rng);
            let o = CleanOptions {
                max_subject: [72, 50, 20, 0][i % 4],
                truncated: i % 3 == 0,
            };
            if let Ok(out) = clean(&input, &o) {
                accepted += 1;
                check_output(&input, &out, &o);
            }
        }
        assert!(accepted > 100, "only {accepted} accepted");
    }
}
