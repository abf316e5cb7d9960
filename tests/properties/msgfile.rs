//! Properties of the message file writer: `compose` puts the message on top and keeps every
//! byte that was there, the scissors section included, and running it twice changes nothing;
//! `comment_prefix` always has an answer.

use ai_commit::message::{clean, CleanOptions};
use ai_commit::msgfile::{comment_prefix, compose};
use proptest::collection::vec;
use proptest::prelude::*;

use crate::gen::{self, MsgFile, SCISSORS_TAIL};

/// A message as the hook gets it: what `clean` made of a generated reply, or a simple one.
fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => (gen::structured_reply(), gen::max_subject()).prop_filter_map(
            "clean rejected the reply",
            |(raw, max_subject)| {
                clean(&raw, &CleanOptions { max_subject, truncated: false }).ok()
            }
        ),
        1 => gen::simple_message(),
    ]
}

/// The note line as the hook writes it, with the file's comment prefix.
fn note(prefix: &str) -> impl Strategy<Value = Option<String>> {
    let prefix = prefix.to_owned();
    prop::option::of(gen::sentence().prop_map(move |s| format!("{prefix} ai-commit: {s}")))
}

fn file_message_note(
    scissors: impl Strategy<Value = bool> + Clone,
) -> impl Strategy<Value = (MsgFile, String, Option<String>)> {
    gen::msg_file_with(scissors).prop_flat_map(|file| {
        let n = note(&file.prefix);
        (Just(file), message(), n)
    })
}

/// Byte offsets of the lines of `bytes` equal to `line` (a CR before the LF is ignored).
fn line_offsets(bytes: &[u8], line: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut start = 0;
    for part in bytes.split(|&b| b == b'\n') {
        if part.strip_suffix(b"\r").unwrap_or(part) == line {
            found.push(start);
        }
        start += part.len() + 1;
    }
    found
}

/// `text` as `compose` may write it: no character that hides or moves text, a tab a space,
/// and line breaks only where `line_breaks` allows them (spaces elsewhere).
fn as_written(text: &str, line_breaks: bool) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' if line_breaks => Some('\n'),
            '\n' | '\t' => Some(' '),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}'
                )
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                None
            }
            c => Some(c),
        })
        .collect()
}

/// Checks B1 to B4 for one file, message and note.
pub fn check_compose(existing: &[u8], message: &str, note: Option<&str>) -> Result<(), String> {
    let ctx = || format!("existing {existing:?}, message {message:?}, note {note:?}");
    let out = compose(existing, Some(message), note);
    // B1: everything that was there is still there, byte for byte, at the end.
    if !out.ends_with(existing) {
        return Err(format!("existing text is not kept at the end: {}", ctx()));
    }
    // B4: the message (then the note) comes first, as it may be written: without control
    // characters, line separators or bidirectional overrides, a tab a space, the note one line.
    let mut block = format!("{}\n", as_written(message, true).trim_end_matches('\n'));
    if let Some(n) = note {
        block.push_str(&as_written(n, false));
        block.push('\n');
    }
    if !out.starts_with(block.as_bytes()) {
        return Err(format!("output does not start with the message: {}", ctx()));
    }
    // Between the block and the old text: nothing, or one line feed when the old text does
    // not already start with a blank line.
    let gap = out.len() - existing.len();
    if out != existing && gap != block.len() && gap != block.len() + 1 {
        return Err(format!(
            "{gap} bytes between message and old text: {}",
            ctx()
        ));
    }
    // B3: a second run finds its block already there.
    if compose(&out, Some(message), note) != out {
        return Err(format!("second run changed the file: {}", ctx()));
    }
    Ok(())
}

/// Checks B2: a file with one scissors line still has exactly one, with the same bytes after.
pub fn check_scissors(file: &MsgFile, message: &str, note: Option<&str>) -> Result<(), String> {
    let scissors = format!("{}{SCISSORS_TAIL}", file.prefix);
    let before = line_offsets(&file.bytes, scissors.as_bytes());
    let out = compose(&file.bytes, Some(message), note);
    let after = line_offsets(&out, scissors.as_bytes());
    let ctx = || format!("file {:?}, message {message:?}, note {note:?}", file.bytes);
    if after.len() != 1 {
        return Err(format!(
            "{} scissors lines in the output: {}",
            after.len(),
            ctx()
        ));
    }
    if out[after[0]..] != file.bytes[before[0]..] {
        return Err(format!("the scissors section changed: {}", ctx()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config(300))]

    /// B1, B3, B4: the old text is kept as the suffix, the message comes first, and a second
    /// run changes nothing.
    #[test]
    fn compose_keeps_the_file_and_puts_the_message_first(
        (file, message, note) in file_message_note(any::<bool>()),
    ) {
        check_compose(&file.bytes, &message, note.as_deref()).map_err(TestCaseError::fail)?;
        // Every line of the old file is a line of the new one, in order: it follows from B1
        // when the message is put in front of a line break, checked here directly.
        let out = compose(&file.bytes, Some(&message), note.as_deref());
        let old: Vec<&[u8]> = file.bytes.split(|&b| b == b'\n').collect();
        let new: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
        prop_assert!(new.ends_with(&old), "lines lost or changed: {:?}", out);
    }

    /// B1, B3, B4 with any bytes at all as the old file.
    #[test]
    fn compose_keeps_arbitrary_bytes(
        existing in vec(any::<u8>(), 0..200),
        message in message(),
        note in note("#"),
    ) {
        check_compose(&existing, &message, note.as_deref()).map_err(TestCaseError::fail)?;
    }

    /// B2: the scissors line stays, once, with everything below it byte-identical.
    #[test]
    fn compose_keeps_the_scissors_section(
        (file, message, note) in file_message_note(Just(true)),
    ) {
        prop_assume!(line_offsets(&file.bytes, format!("{}{SCISSORS_TAIL}", file.prefix).as_bytes()).len() == 1);
        check_scissors(&file, &message, note.as_deref()).map_err(TestCaseError::fail)?;
    }

    /// Without a message or a note there is nothing to write.
    #[test]
    fn compose_without_anything_keeps_the_file(existing in vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(compose(&existing, None, None), existing);
    }

}

proptest! {
    #![proptest_config(crate::config(600))]

    /// C: `comment_prefix` never panics and always names a non-empty prefix without a line
    /// break; a configured prefix other than `auto` is used as it is.
    #[test]
    fn comment_prefix_is_never_empty(
        configured in prop::option::of(prop_oneof![
            3 => Just("auto".to_owned()),
            1 => Just(String::new()),
            1 => gen::comment_prefix(),
            1 => gen::any_text(4).prop_filter("line break", |s| !s.contains('\n')),
        ]),
        existing in prop_oneof![
            vec(any::<u8>(), 0..300),
            gen::msg_file().prop_map(|f| f.bytes),
            (gen::any_text(6), vec(any::<u8>(), 0..40)).prop_map(|(p, mut tail)| {
                let mut bytes = format!("x\n{p}{SCISSORS_TAIL}\n").into_bytes();
                bytes.append(&mut tail);
                bytes
            }),
        ],
    ) {
        let prefix = comment_prefix(configured.as_deref(), &existing);
        prop_assert!(!prefix.is_empty());
        prop_assert!(!prefix.contains('\n'), "{:?}", prefix);
        match configured.as_deref() {
            Some("auto") | Some("") | None => {}
            Some(p) => prop_assert_eq!(prefix.as_str(), p),
        }
    }

    /// C, `auto`: in a file as git writes it, the prefix found is the one git used.
    #[test]
    fn auto_prefix_is_the_one_git_used(file in gen::msg_file()) {
        let git_wrote_it = file.scissors || file.bytes.split(|&b| b == b'\n')
            .rev()
            .find(|l| !l.iter().all(u8::is_ascii_whitespace))
            .is_some_and(|l| l.starts_with(file.prefix.as_bytes()));
        prop_assume!(git_wrote_it && file.prefix.len() == 1);
        prop_assert_eq!(comment_prefix(Some("auto"), &file.bytes), file.prefix);
    }
}
