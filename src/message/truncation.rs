//! Handles a reply the model stopped writing mid-way: rejects a lone subject cut off
//! mid-phrase and drops the unfinished end of a body.

use super::layout::is_list_item;

/// Words no finished subject ends with, whether or not the reply was cut: an article, a
/// conjunction or a preposition that needs its object. Seen from the 1.5B model on ripgrep:
/// "adjusted `search_path` method to use `cloned` for".
const NEVER_LAST: [&str; 12] = [
    "and", "or", "but", "nor", "the", "a", "an", "of", "for", "with", "from", "into",
];

/// Words a cut reply stops at that a finished subject may end with too ("switch to", "opt
/// in"): taken for a cut only where the reply was truncated.
const LAST_WHEN_CUT: [&str; 4] = ["to", "in", "that", "&"];

/// The last word of `subject`, lowercase.
fn last_word(subject: &str) -> String {
    subject
        .trim_end()
        .rsplit(' ')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a lone subject line of a complete reply ends where no sentence would.
pub(super) fn is_unfinished(subject: &str) -> bool {
    NEVER_LAST.contains(&last_word(subject).as_str())
}

/// Whether a lone subject line of a truncated reply ends where no sentence would.
pub(super) fn is_cut(subject: &str) -> bool {
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
    let word = last_word(t);
    NEVER_LAST.contains(&word.as_str()) || LAST_WHEN_CUT.contains(&word.as_str())
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

/// Drops the part of a truncated body that was probably cut mid-sentence.
pub(super) fn drop_cut_tail(body: &mut Vec<String>) {
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
