//! Strips the formatting a model wraps a message in: think blocks, terminal escapes, code
//! fences, blockquotes, indentation, markdown and quotes.

use super::chatter::preamble_rest;
use super::lines::{has_text, leading_spaces};
use super::{floor_boundary, Rejection, TEXT_LIMIT};

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
pub(super) fn strip_think(raw: &str) -> (String, bool) {
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

/// Unifies line ends and drops terminal escapes, control characters and bidirectional
/// overrides ([`crate::redact::is_hidden_control`]), so git and the terminal see only printable
/// text, shown as it reads, and `\n`.
pub(super) fn normalise(s: &str) -> String {
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
            c if crate::redact::is_hidden_control(c) => {}
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
pub(super) fn fence_marker(line: &str) -> Option<(char, usize, &str)> {
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

/// Keeps only the content of the fenced block that holds the message, if there is one.
pub(super) fn extract_fence(lines: Vec<String>) -> Result<Vec<String>, Rejection> {
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
pub(super) fn is_rule(line: &str) -> bool {
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

pub(super) fn strip_blockquote(lines: &mut [String]) {
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

pub(super) fn dedent(lines: &mut [String]) {
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
pub(super) fn markdown(line: &str) -> String {
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

pub(super) fn unwrap_line(s: &str) -> Option<String> {
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
pub(super) fn unwrap_message_quotes(lines: &mut [String]) {
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
