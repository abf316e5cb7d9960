//! Lays out the message: blank-line structure, list markers, wrapping at 72 columns and the
//! body's size limits.

use super::lines::leading_spaces;

pub(super) const WIDTH: usize = 72;
pub(super) const MAX_BODY_CHARS: usize = 2000;
pub(super) const MAX_BODY_LINES: usize = 40;

/// Trims trailing whitespace, blank lines at both ends and runs of blank lines.
pub(super) fn tidy(lines: Vec<String>) -> Vec<String> {
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

pub(super) fn list_marker_len(s: &str) -> usize {
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

pub(super) fn is_list_item(line: &str) -> bool {
    list_marker_len(line.trim_start()) > 0
}

/// Breaks body lines longer than the width at spaces; short lines are never joined, because
/// a weak model's line breaks often carry structure a reflow would destroy.
pub(super) fn wrap_body(body: &[String]) -> Vec<String> {
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
                // git takes a line starting with `#` for a comment: carry the word before
                // the `#123` down with it.
                let carried = if word.starts_with('#') && prefix == 0 {
                    match cur.rfind(' ') {
                        Some(at) if at > 0 => {
                            let tail = cur[at + 1..].to_owned();
                            cur.truncate(at);
                            Some(tail)
                        }
                        _ => None,
                    }
                } else {
                    None
                };
                out.push(std::mem::replace(&mut cur, hang.clone()));
                cur_len = prefix;
                empty = true;
                if let Some(tail) = carried {
                    cur_len += tail.chars().count();
                    cur.push_str(&tail);
                    empty = false;
                }
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
pub(super) fn bound_body(mut body: Vec<String>) -> Vec<String> {
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
