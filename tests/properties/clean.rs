//! Properties of `message::clean`: it never panics, whatever it accepts is a well-formed commit
//! message, and cleaning its own output changes nothing.

use ai_commit::message::{clean, CleanOptions};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestRunner;

use crate::gen;

/// Body lines are wrapped at this many characters (`message/layout.rs`, `WIDTH`).
pub const WIDTH: usize = 72;
/// Most characters a body keeps, line breaks included (`layout.rs`, `MAX_BODY_CHARS`).
pub const MAX_BODY_CHARS: usize = 2000;
/// Most lines a body keeps (`layout.rs`, `MAX_BODY_LINES`).
pub const MAX_BODY_LINES: usize = 40;
/// The text `clean` works on is cut to this many bytes (`message/mod.rs`, `TEXT_LIMIT`).
pub const TEXT_LIMIT: usize = 64 * 1024;

/// Length of the list marker `line` starts with ("- ", "1. ", "12) "), or 0
/// (`layout.rs`, `list_marker_len`).
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

/// A line `clean` must have removed as a code fence: one starting with ``` or ~~~ (after
/// indentation). ```` ```Fix x``` ```` on one line is inline code, not a fence (CommonMark: a
/// backtick fence's info string holds no backtick), and `clean` unwraps or keeps it as such.
fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("~~~") {
        return true;
    }
    let Some(rest) = t.strip_prefix("```") else {
        return false;
    };
    !rest.trim_start_matches('`').contains('`')
}

fn is_diff_line(line: &str) -> bool {
    let t = line.trim_start();
    t == "@@"
        || ["diff --git", "@@ ", "+++ ", "--- a/", "--- /dev/null"]
            .iter()
            .any(|p| t.starts_with(p))
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

/// Whether git would read `line` as one of the trailers only people and git write: the token
/// as git reads it (letters, digits, `-`, then spaces or tabs before the colon), any case.
fn is_trailer(line: &str) -> bool {
    let lower = line.trim_start().to_ascii_lowercase();
    let end = lower
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(lower.len());
    let (token, rest) = lower.split_at(end);
    rest.trim_start_matches([' ', '\t']).starts_with(':')
        && TRAILERS.contains(&format!("{token}:").as_str())
}

/// Checks that `out` is a well-formed message for a subject limit of `max_subject`.
pub fn check_message(out: &str, max_subject: usize) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{what}: {out:?}"));
    if out.is_empty() {
        return fail("empty message");
    }
    if out.ends_with('\n') {
        return fail("trailing newline");
    }
    // Tabs become spaces and `\r`, `\u{85}`, `\u{2028}`, `\u{2029}` become `\n`: git and the
    // terminal see only printable text and `\n` (`markup::normalise`); bidirectional controls,
    // which would show the text as other text, are gone.
    if let Some(c) = out.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }) {
        return fail(&format!("control character {c:?}"));
    }
    let lines: Vec<&str> = out.split('\n').collect();
    let subject = lines[0];
    if subject.trim().is_empty() {
        return fail("blank subject");
    }
    if !subject.chars().any(char::is_alphanumeric) {
        return fail("subject without a letter or digit");
    }
    if subject.chars().count() > max_subject {
        return fail(&format!("subject over {max_subject} characters"));
    }
    if subject != subject.trim() {
        return fail("subject with surrounding whitespace");
    }
    if lines.len() > 1 {
        if !lines[1].is_empty() {
            return fail("no blank line after the subject");
        }
        if lines.len() < 3 {
            return fail("blank line but no body");
        }
    }
    let body = lines.get(2..).unwrap_or(&[]);
    if body.first().is_some_and(|l| l.trim().is_empty())
        || body.last().is_some_and(|l| l.trim().is_empty())
    {
        return fail("body starts or ends with a blank line");
    }
    if body
        .windows(2)
        .any(|w| w[0].trim().is_empty() && w[1].trim().is_empty())
    {
        return fail("run of blank lines in the body");
    }
    if body.len() > MAX_BODY_LINES {
        return fail(&format!("body of {} lines", body.len()));
    }
    let body_chars = body.iter().map(|l| l.chars().count() + 1).sum::<usize>();
    if body_chars > MAX_BODY_CHARS + 1 {
        return fail(&format!("body of {} characters", body_chars - 1));
    }
    if out.len() > TEXT_LIMIT {
        return fail(&format!("{} bytes", out.len()));
    }
    for line in &lines {
        if line.ends_with(char::is_whitespace) {
            return fail(&format!("trailing whitespace on {line:?}"));
        }
        if is_fence(line) {
            return fail(&format!("code fence {line:?}"));
        }
        if is_diff_line(line) {
            return fail(&format!("diff line {line:?}"));
        }
        if is_trailer(line) {
            return fail(&format!("trailer {line:?}"));
        }
        let lower = line.to_lowercase();
        if ["<think>", "</think>", "<thinking>", "</thinking>"]
            .iter()
            .any(|t| lower.contains(t))
        {
            return fail(&format!("think tag in {line:?}"));
        }
    }
    // Wrapping at 72 columns (`layout::wrap_body`): a longer line is either preformatted
    // (indented 4 or more, left alone) or a single word that cannot be broken, after its
    // indentation and list marker.
    for line in body {
        if line.chars().count() <= WIDTH || line.starts_with("    ") {
            continue;
        }
        let t = line.trim_start_matches(' ');
        let word = &t[list_marker_len(t)..];
        if word.contains(' ') {
            return fail(&format!("body line over {WIDTH} columns: {line:?}"));
        }
    }
    Ok(())
}

/// Cleans `raw` and, when it is accepted, checks the result is well-formed and a fixed point.
pub fn check_clean(raw: &str, max_subject: usize, truncated: bool) -> Result<(), String> {
    let opts = CleanOptions {
        max_subject,
        truncated,
    };
    let Ok(out) = clean(raw, &opts) else {
        return Ok(());
    };
    check_message(&out, max_subject).map_err(|e| format!("{e}\n  from input {raw:?}"))?;
    let again = CleanOptions {
        max_subject,
        truncated: false,
    };
    let twice = clean(&out, &again);
    if twice.as_deref() != Ok(out.as_str()) {
        return Err(format!(
            "not a fixed point: {out:?} cleans again to {twice:?}\n  from input {raw:?}"
        ));
    }
    Ok(())
}

/// Checks that no line of `out` would be deleted as a comment by git: in the editor flow the
/// hook serves, git's default cleanup (`strip`) drops every line starting with the comment
/// character, `#` unless configured otherwise. `clean` already strips markdown headings for
/// that reason (`markup::markdown`); a subject or a wrapped body line starting with `#` is lost
/// the same way.
pub fn check_no_comment_line(out: &str) -> Result<(), String> {
    match out.split('\n').find(|l| l.starts_with('#')) {
        Some(line) => Err(format!("git would delete the line {line:?} of {out:?}")),
        None => Ok(()),
    }
}

proptest! {
    #![proptest_config(crate::config(3000))]

    /// A1, A2, A3 on arbitrary code points: no panic; an accepted message is well-formed and
    /// cleans to itself.
    #[test]
    fn arbitrary_text(
        raw in gen::any_text(400),
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        check_clean(&raw, max_subject, truncated).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(crate::config(800))]

    /// A1, A2, A3 on fragments of model replies in any order.
    #[test]
    fn reply_fragments(
        raw in gen::fragments(),
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        check_clean(&raw, max_subject, truncated).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(crate::config(800))]

    /// A1, A2, A3 on replies of models stuck in a loop of acknowledgements.
    #[test]
    fn acknowledgement_loops(
        raw in gen::acknowledgement_loop(),
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        check_clean(&raw, max_subject, truncated).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(crate::config(800))]

    /// A1, A2, A3 on replies of models stuck in a loop of announced messages.
    #[test]
    fn announcement_loops(
        raw in gen::announcement_loop(),
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        check_clean(&raw, max_subject, truncated).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(crate::config(1000))]

    /// A1, A2, A3 on replies laid out as models lay them out.
    #[test]
    fn structured_replies(
        raw in gen::structured_reply(),
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        check_clean(&raw, max_subject, truncated).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(crate::config(400))]

    /// A4: no line of an accepted message is one git deletes as a comment.
    #[test]
    fn no_line_is_a_git_comment(
        raw in prop_oneof![gen::structured_reply(), gen::fragments()],
        max_subject in gen::max_subject(),
        truncated in any::<bool>(),
    ) {
        let opts = CleanOptions { max_subject, truncated };
        if let Ok(out) = clean(&raw, &opts) {
            check_no_comment_line(&out)
                .map_err(|e| TestCaseError::fail(format!("{e}\n  from input {raw:?}")))?;
        }
    }
}

/// The properties above say nothing if `clean` rejects nearly everything it is given: most of
/// the laid-out replies, and a fair share of the fragment soups, must be accepted.
#[test]
fn generators_produce_accepted_messages() {
    let mut runner = TestRunner::new(crate::config(400));
    let opts = CleanOptions {
        max_subject: 72,
        truncated: false,
    };
    let mut rate = |strategy: BoxedStrategy<String>| {
        let n = 150;
        let ok = (0..n)
            .filter(|_| {
                let raw = strategy.new_tree(&mut runner).unwrap().current();
                clean(&raw, &opts).is_ok()
            })
            .count();
        ok * 100 / n
    };
    let structured = rate(gen::structured_reply().boxed());
    let fragments = rate(gen::fragments().boxed());
    assert!(
        structured >= 40,
        "{structured}% of laid-out replies accepted"
    );
    assert!(fragments >= 10, "{fragments}% of fragment soups accepted");
}

/// Chatter sentences appended to a line of a message, the subject or a body line.
const CHATTER: &[&str] = &[
    "Hope this helps!",
    "hope that helps",
    "I hope this is what you wanted.",
    "Let me know if you need anything else.",
    "let me know if it should be shorter",
    "Feel free to adjust.",
    "feel free to rename it",
    "Happy coding!",
    "I apologize for the confusion.",
    "My apologies for the earlier reply.",
    "Sorry for the confusion!",
    "Is there anything else?",
    "This commit message follows the Conventional Commits format.",
];

/// What leads from a message's text into the chatter.
const JOINTS: &[&str] = &[
    ". ", "! ", "… ", "... ", ", ", " - ", " — ", "; ", " (", " ",
];

proptest! {
    #![proptest_config(crate::config(600))]

    /// A5: chatter starting anywhere in a line goes, with everything after it: the message
    /// cleans to its lines up to the chatter, or the reply is rejected, never committed with it.
    #[test]
    fn chatter_within_a_line_is_cut(
        message in gen::simple_message(),
        chatter in select(CHATTER),
        joint in select(JOINTS),
        in_body in any::<bool>(),
        tail in prop::option::of(gen::sentence()),
    ) {
        let opts = CleanOptions { max_subject: 72, truncated: false };
        let Ok(plain) = clean(&message, &opts) else {
            return Ok(());
        };
        let mut lines: Vec<String> = plain.split('\n').map(str::to_string).collect();
        let at = if in_body { lines.len() - 1 } else { 0 };
        let expected = lines[..=at].join("\n");
        lines[at] = format!("{}{joint}{chatter}", lines[at]);
        if let Some(tail) = tail {
            lines.push(String::new());
            lines.push(tail);
        }
        let raw = lines.join("\n");
        // The same words: a joint's punctuation may stay, a body may wrap differently.
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        if let Ok(out) = clean(&raw, &opts) {
            prop_assert_eq!(words(&out), words(&expected), "{:?} -> {:?}", raw, out);
        }
    }
}
