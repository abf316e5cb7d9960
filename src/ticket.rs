//! The issue key in the branch name (`ABC-123`, `#123`, `gh-123`), and where the repository's
//! recent history puts its ticket references: added to a message after the model, the way the
//! history does it, and only where the history references tickets at all. Pure.

use crate::msgfile::is_trailer_line;

/// An issue reference found in a branch name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticket {
    /// A tracker key such as `ABC-123` (Jira, Linear, YouTrack): the project and the number.
    Key(String, u64),
    /// A GitHub or GitLab issue number, written `#123`.
    Number(u64),
}

impl Ticket {
    /// The reference as a message writes it.
    pub fn text(&self) -> String {
        match self {
            Ticket::Key(project, n) => format!("{project}-{n}"),
            Ticket::Number(n) => format!("#{n}"),
        }
    }

    /// The references of this kind in `text`: `ABC-<n>` for a key (the same project), `#<n>`
    /// for a number.
    fn refs_in(&self, text: &str) -> Vec<(usize, usize)> {
        match self {
            Ticket::Key(project, _) => keys_in(text)
                .into_iter()
                .filter(|(p, _, _, _)| p.eq_ignore_ascii_case(project))
                .map(|(_, _, start, end)| (start, end))
                .collect(),
            Ticket::Number(_) => numbers_in(text),
        }
    }
}

/// Where the history puts a reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Before the subject, followed by this separator: `ABC-123: `, `[ABC-123] `.
    Prefix {
        /// Written before the reference (`[` or nothing).
        open: String,
        /// Written after it, up to the subject (`: `, `] `).
        close: String,
    },
    /// After the subject: ` (#123)`, ` ABC-123`.
    Suffix {
        /// Written between the subject and the reference (` (` or ` `).
        open: String,
        /// Written after it (`)` or nothing).
        close: String,
    },
    /// A trailer line: `Refs: ABC-123`.
    Trailer(String),
}

/// The least number of recent commits that must place a reference the same way.
const MIN_USES: usize = 2;

/// The ticket a branch name refers to: `feature/ABC-123-login`, `gh-45`, `fix/#45`,
/// `issue-45`. The first one found.
pub fn from_branch(branch: &str) -> Option<Ticket> {
    if let Some((start, end)) = numbers_in(branch).first() {
        return branch[start + 1..*end].parse().ok().map(Ticket::Number);
    }
    keys_in(branch)
        .into_iter()
        .next()
        .map(
            |(project, n, _, _)| match project.to_ascii_lowercase().as_str() {
                "gh" | "issue" | "issues" => Ticket::Number(n),
                _ => Ticket::Key(project.to_ascii_uppercase(), n),
            },
        )
}

/// How the recent `messages` (newest first) place references of `ticket`'s kind, when at least
/// [`MIN_USES`] of them place one the same way; the most common way wins, the newest on a tie.
pub fn placement(ticket: &Ticket, messages: &[String]) -> Option<Placement> {
    let mut counts: Vec<(Placement, usize)> = Vec::new();
    for message in messages {
        if let Some(p) = placed(ticket, message) {
            match counts.iter_mut().find(|(q, _)| *q == p) {
                Some((_, n)) => *n += 1,
                None => counts.push((p, 1)),
            }
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == best && best >= MIN_USES)
        .map(|(p, _)| p)
}

/// Where one message puts a reference of `ticket`'s kind, if it has one in a known place.
fn placed(ticket: &Ticket, message: &str) -> Option<Placement> {
    let subject = message.lines().next().unwrap_or("");
    if let Some(trailer) = last_paragraph(message)
        .filter(|p| is_trailer_block(p))
        .and_then(|p| {
            p.lines().find_map(|line| {
                let (token, value) = line.split_once(": ")?;
                (!ticket.refs_in(value).is_empty()).then(|| token.to_string())
            })
        })
    {
        return Some(Placement::Trailer(trailer));
    }
    let refs = ticket.refs_in(subject);
    let &(start, end) = refs.first()?;
    let before = &subject[..start];
    if matches!(before, "" | "[" | "(") {
        let after: String = subject[end..]
            .chars()
            .take_while(|c| matches!(c, ':' | ']' | ')' | ' ' | '-'))
            .collect();
        if !after.is_empty() {
            return Some(Placement::Prefix {
                open: before.to_string(),
                close: after,
            });
        }
    }
    let &(start, end) = refs.last()?;
    let after = &subject[end..];
    if matches!(after, "" | ")" | "]") {
        let open: String = subject[..start]
            .chars()
            .rev()
            .take_while(|c| matches!(c, ' ' | '(' | '['))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if open.starts_with(' ') {
            return Some(Placement::Suffix {
                open,
                close: after.to_string(),
            });
        }
    }
    None
}

/// `message` with `ticket` placed as `placement` says, unless it names the ticket already.
pub fn apply(message: &str, ticket: &Ticket, placement: &Placement) -> String {
    let text = ticket.text();
    if message.to_lowercase().contains(&text.to_lowercase()) {
        return message.to_string();
    }
    let (subject, rest) = match message.split_once('\n') {
        Some((s, r)) => (s, Some(r)),
        None => (message, None),
    };
    let subject = match placement {
        Placement::Prefix { open, close } => format!("{open}{text}{close}{subject}"),
        Placement::Suffix { open, close } => format!("{subject}{open}{text}{close}"),
        Placement::Trailer(token) => return with_trailer(message, &format!("{token}: {text}")),
    };
    match rest {
        Some(rest) => format!("{subject}\n{rest}"),
        None => subject,
    }
}

/// `message` with `line` in its trailer block: added to the last paragraph when that is one,
/// else as a paragraph of its own, where `git interpret-trailers` finds it.
pub fn with_trailer(message: &str, line: &str) -> String {
    let message = message.trim_end_matches('\n');
    let has_block =
        message.contains("\n\n") && last_paragraph(message).is_some_and(is_trailer_block);
    if has_block {
        format!("{message}\n{line}")
    } else {
        format!("{message}\n\n{line}")
    }
}

fn last_paragraph(message: &str) -> Option<&str> {
    let message = message.trim_end();
    let (_, last) = message.rsplit_once("\n\n")?;
    Some(last.trim_start_matches('\n'))
}

/// Every line is a trailer.
fn is_trailer_block(paragraph: &str) -> bool {
    paragraph.lines().all(is_trailer_line)
}

/// The message without its trailer block, and the block, when its last paragraph is one.
pub fn split_trailers(message: &str) -> (&str, Option<&str>) {
    let trimmed = message.trim_end_matches('\n');
    match trimmed.rsplit_once("\n\n") {
        Some((head, last)) if is_trailer_block(last) && !head.trim().is_empty() => {
            (head.trim_end_matches('\n'), Some(last))
        }
        _ => (message, None),
    }
}

/// `#<digits>` not inside a word: byte ranges of the whole reference.
fn numbers_in(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'#' || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = i + 1 + digits;
        if digits > 0 && digits <= 9 && !bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            out.push((i, end));
        }
    }
    out
}

/// `<letters><letters or digits>-<digits>` not inside a word: (project, number, start, end).
fn keys_in(text: &str) -> Vec<(String, u64, usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !boundary || !bytes[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let word = bytes[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let dash = i + word;
        let digits = bytes.get(dash + 1..).map_or(0, |rest| {
            rest.iter().take_while(|c| c.is_ascii_digit()).count()
        });
        let end = dash + 1 + digits;
        let ends_word = !bytes.get(end).is_some_and(u8::is_ascii_alphanumeric);
        if (2..=10).contains(&word)
            && bytes.get(dash) == Some(&b'-')
            && (1..=9).contains(&digits)
            && ends_word
        {
            if let Ok(n) = text[dash + 1..end].parse() {
                out.push((text[i..dash].to_string(), n, i, end));
            }
        }
        i += word.max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(m: &[&str]) -> Vec<String> {
        m.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn branch_names_give_their_ticket() {
        let key = |p: &str, n| Some(Ticket::Key(p.into(), n));
        assert_eq!(from_branch("feature/ABC-123-login"), key("ABC", 123));
        assert_eq!(from_branch("abc-7"), key("ABC", 7));
        assert_eq!(from_branch("gh-45"), Some(Ticket::Number(45)));
        assert_eq!(from_branch("fix/#45-crash"), Some(Ticket::Number(45)));
        assert_eq!(from_branch("issue-9"), Some(Ticket::Number(9)));
        assert_eq!(from_branch("main"), None);
        assert_eq!(from_branch("release/v2"), None);
    }

    #[test]
    fn the_history_s_placement_is_found_and_followed() {
        let abc = Ticket::Key("ABC".into(), 123);
        let prefixed = msgs(&["ABC-1: Add x", "ABC-2: Fix y", "Tidy"]);
        let p = placement(&abc, &prefixed).unwrap();
        assert_eq!(apply("Add login", &abc, &p), "ABC-123: Add login");
        let bracket = msgs(&["[ABC-1] Add x", "[ABC-2] Fix y"]);
        let p = placement(&abc, &bracket).unwrap();
        assert_eq!(apply("Add login", &abc, &p), "[ABC-123] Add login");

        let gh = Ticket::Number(45);
        let suffixed = msgs(&["Add x (#1)", "Fix y (#2)"]);
        let p = placement(&gh, &suffixed).unwrap();
        assert_eq!(
            apply("Add login\n\nBody.", &gh, &p),
            "Add login (#45)\n\nBody."
        );

        let trailers = msgs(&[
            "Add x\n\nRefs: ABC-1",
            "Fix y\n\nBody.\n\nRefs: ABC-2\nSigned-off-by: A <a@b>",
        ]);
        let p = placement(&abc, &trailers).unwrap();
        assert_eq!(p, Placement::Trailer("Refs".into()));
        assert_eq!(apply("Add login", &abc, &p), "Add login\n\nRefs: ABC-123");
    }

    #[test]
    fn no_placement_without_enough_references_of_the_same_project() {
        let abc = Ticket::Key("ABC".into(), 123);
        assert_eq!(placement(&abc, &msgs(&["ABC-1: Add x", "Fix y"])), None);
        assert_eq!(
            placement(&abc, &msgs(&["XYZ-1: Add x", "XYZ-2: Fix y"])),
            None
        );
        assert_eq!(
            placement(&abc, &msgs(&["Mention ABC-1 in passing here", "ABC-2 ok"])),
            None
        );
    }

    #[test]
    fn a_message_that_names_the_ticket_is_left_alone() {
        let abc = Ticket::Key("ABC".into(), 123);
        let p = Placement::Prefix {
            open: String::new(),
            close: ": ".into(),
        };
        assert_eq!(apply("ABC-123: Add login", &abc, &p), "ABC-123: Add login");
    }

    #[test]
    fn trailers_join_an_existing_block() {
        assert_eq!(with_trailer("Add x", "A-b: c"), "Add x\n\nA-b: c");
        assert_eq!(
            with_trailer("Add x\n\nRefs: ABC-1\n", "A-b: c"),
            "Add x\n\nRefs: ABC-1\nA-b: c"
        );
        assert_eq!(
            with_trailer("Add x\n\nIt does: a thing, then more", "A-b: c"),
            "Add x\n\nIt does: a thing, then more\n\nA-b: c"
        );
    }
}
