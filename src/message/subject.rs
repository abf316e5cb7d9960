//! Shapes the subject line: strips its list marker, label and quotes, and fits it within the
//! length limit, moving what does not fit to the body.

use super::chatter::strip_label;
use super::layout::list_marker_len;
use super::markup::unwrap_line;
use super::Rejection;

pub(super) fn tidy_subject(line: &str) -> String {
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
    without_stray_backtick(s)
}

/// `s` with its code spans closed where the model got the last one wrong: without the last of a
/// doubled backtick that closes nothing, or with the backtick a last word opened and left open.
/// The 1.5B model wrote ripgrep subjects "`rg: update globset parser to use `copied` instead of
/// `map``" and "fix `search_path` to use `copied` instead of `map".
fn without_stray_backtick(mut s: String) -> String {
    // The whole line in backticks, its last word a code span: "`rg: use `copied` over `map``".
    let even = s.matches('`').count().is_multiple_of(2);
    let wrapped = s.len() > 3 && s.starts_with('`') && !s.starts_with("``");
    if even && wrapped && s.ends_with("``") && !s.ends_with("```") {
        return s[1..s.len() - 1].to_string();
    }
    if even {
        return s;
    }
    if s.ends_with("``") && !s.ends_with("```") {
        s.pop();
    } else if s
        .rsplit_once('`')
        .is_some_and(|(_, last)| !last.is_empty() && !last.contains(char::is_whitespace))
    {
        s.push('`');
    }
    s
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
pub(super) fn fit_subject(
    subject: &str,
    max: usize,
) -> Result<(String, Option<String>), Rejection> {
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
    match without_trailing_clause(whole, max) {
        Some(head) => Ok((head, None)),
        None => Err(Rejection::SubjectTooLong { len, max }),
    }
}

/// Where a subject's trailing clause or adjunct begins: what comes before one of these is a
/// whole statement of part of the change (`Update zram configuration` of "... to prioritize it
/// and reduce memory usage").
const CLAUSE_STARTS: [&str; 14] = [
    ", ",
    " and ",
    " to ",
    " for ",
    " with ",
    " by ",
    " in ",
    " into ",
    " from ",
    " so ",
    " when ",
    " via ",
    " using ",
    " because ",
];

/// The least words that go for `subject` to fit within `max` characters: its longest head of at
/// least three words that ends before a trailing clause or adjunct, where what goes is at most
/// half as long as what stays (a 150-character ramble is no subject cut short). Asked for as one line of
/// text, with no schema's `maxLength` to stop it, the 1.5B model wrote 81- and 82-character
/// subjects for 3 of the journal fixture's 17 commits ("Update zram configuration to
/// prioritize it and reduce memory usage in the laptop's swap setup"); the retry was as long.
/// The words that go say more of the same change: what stays is still true of it.
pub(super) fn without_trailing_clause(subject: &str, max: usize) -> Option<String> {
    let at = CLAUSE_STARTS
        .iter()
        .flat_map(|c| subject.match_indices(c).map(|(at, _)| at))
        .filter(|&at| subject[..at].chars().count() <= max)
        .max()?;
    let head = subject[..at].trim_end_matches([',', ':', ';', ' ']);
    let (kept, gone) = (head.chars().count(), subject[at..].chars().count());
    (head.split_whitespace().count() >= 3 && gone * 2 <= kept).then(|| head.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_closing_backtick_goes() {
        assert_eq!(
            tidy_subject("update globset parser to use `copied` instead of `map``"),
            "update globset parser to use `copied` instead of `map`"
        );
        assert_eq!(
            tidy_subject("fix `search_path` to use `copied` instead of `map"),
            "fix `search_path` to use `copied` instead of `map`"
        );
        // The raw reply of that run: the whole line in backticks.
        assert_eq!(
            tidy_subject("`rg: update globset parser to use `copied` instead of `map``"),
            "rg: update globset parser to use `copied` instead of `map`"
        );
        assert_eq!(tidy_subject("`x` and `y``"), "`x` and `y`");
        // Balanced, a doubled pair, or an open span of more than a word: left as written.
        assert_eq!(tidy_subject("use `a and b"), "use `a and b");
        assert_eq!(tidy_subject("use ``a`b`` here"), "use ``a`b`` here");
        assert_eq!(tidy_subject("quote `x`"), "quote `x`");
    }
}
