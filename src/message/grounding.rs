//! Checks a cleaned message against what the model was shown: it must not repeat the
//! instructions, and it must name something in the change.

use std::collections::HashSet;

use super::Rejection;

/// Words too common in commit messages to show that a message is about this change.
const GENERIC: &[&str] = &[
    "add",
    "adds",
    "added",
    "adding",
    "update",
    "updates",
    "updated",
    "updating",
    "fix",
    "fixes",
    "fixed",
    "fixing",
    "remove",
    "removes",
    "removed",
    "removing",
    "change",
    "changes",
    "changed",
    "changing",
    "refactor",
    "refactored",
    "improve",
    "improves",
    "improved",
    "file",
    "files",
    "code",
    "new",
    "the",
    "and",
    "for",
    "with",
    "from",
    "into",
    "this",
    "that",
    "these",
    "those",
    "some",
    "minor",
    "small",
    "various",
    "support",
    "use",
    "make",
    "makes",
    "initial",
    "commit",
    "message",
    "more",
    "less",
    "also",
    "now",
    "when",
    "was",
    "are",
    "its",
    "not",
    "all",
    "any",
    "other",
    "about",
    "content",
    "contents",
    "work",
    "stuff",
    "things",
    "thing",
    "implement",
    "implemented",
    "create",
    "created",
    "creates",
    "delete",
    "deleted",
    "rename",
    "renamed",
    "move",
    "moved",
];

/// How many consecutive words of the instructions make an echo.
const ECHO_RUN: usize = 7;

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Rejects `message` when it repeats a run of `instructions`, or when none of its words
/// (beyond generic ones) appears in `change`, the text the model was shown. Word stems are
/// compared on their first five letters, so "greeting" matches "greet" and "parsing" matches
/// "parser".
pub fn check_against(message: &str, instructions: &str, change: &str) -> Result<(), Rejection> {
    let said: Vec<String> = words(message).collect();
    let told: Vec<String> = words(instructions).collect();
    if told.len() >= ECHO_RUN && said.len() >= ECHO_RUN {
        let runs: HashSet<&[String]> = told.windows(ECHO_RUN).collect();
        if said.windows(ECHO_RUN).any(|w| runs.contains(w)) {
            return Err(Rejection::EchoedInstructions);
        }
    }
    if copies_a_line(message, change) {
        return Err(Rejection::EchoedDiff);
    }
    let shown: HashSet<String> = words(change).collect();
    let stems: HashSet<String> = shown
        .iter()
        .filter(|w| w.chars().count() >= 5)
        .map(|w| w.chars().take(5).collect())
        .collect();
    let mut candidates = said
        .iter()
        .filter(|w| w.chars().count() >= 3 && !GENERIC.contains(&w.as_str()))
        .peekable();
    if candidates.peek().is_none() {
        // "Update files": nothing specific to check; the subject says little but nothing false.
        return Ok(());
    }
    let grounded = candidates.any(|w| {
        shown.contains(w)
            || (w.chars().count() >= 5 && stems.contains(&w.chars().take(5).collect::<String>()))
    });
    if grounded {
        Ok(())
    } else {
        Err(Rejection::Unrelated)
    }
}

/// The subject is a line of the change copied out (`define COLOR_OFFSET 0x00`, a sentence of
/// the README), without the `+`/`-` a diff line has. Only long subjects count: a short one
/// such as "Update README" may well be a changelog line too.
fn copies_a_line(message: &str, change: &str) -> bool {
    const MIN_COPIED: usize = 24;
    let subject = words(message.lines().next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    if subject.chars().count() < MIN_COPIED {
        return false;
    }
    change
        .lines()
        .filter(|line| line.len() >= MIN_COPIED)
        .any(|line| words(line).collect::<Vec<_>>().join(" ").contains(&subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOOK_DIFF: &str = "Changed files (1, +3 -1):\nM hooks/prepare-commit-msg +3 -1\n\
        \nDiff:\n--- hooks/prepare-commit-msg\n@@\n #!/bin/sh\n\
        -exec ai-commit hook \"$@\"\n+\"$bin\" hook \"$@\"\n+exit 0\n";
    const RULES: &str = "You write git commit messages. Reply with the commit message only. \
        The first line is a subject of at most 72 characters in the imperative mood.";

    #[test]
    fn a_message_about_the_change_passes() {
        assert_eq!(
            check_against("Exit 0 from the hook shim", RULES, HOOK_DIFF),
            Ok(())
        );
        assert_eq!(
            check_against("Make prepare-commit-msg never fail", RULES, HOOK_DIFF),
            Ok(())
        );
    }

    #[test]
    fn stems_match_across_word_forms() {
        let diff = "M src/greet.py +2\n+def greet(name):\n";
        assert_eq!(check_against("Add greeting function", RULES, diff), Ok(()));
    }

    #[test]
    fn a_message_about_something_else_is_unrelated() {
        assert_eq!(
            check_against(
                "Reflect on personal struggles with burnout",
                RULES,
                HOOK_DIFF
            ),
            Err(Rejection::Unrelated)
        );
    }

    #[test]
    fn generic_messages_are_not_judged() {
        assert_eq!(check_against("Update files", RULES, HOOK_DIFF), Ok(()));
    }

    #[test]
    fn a_subject_copied_from_a_line_of_the_diff_is_an_echo() {
        let diff = "M src/colors.h +1\n@@ -1 +1 @@\n+#define COLOR_ASCII_OTHER_COLOR_OFFSET 0x00\n";
        assert_eq!(
            check_against("define COLOR_ASCII_OTHER_COLOR_OFFSET 0x00", RULES, diff),
            Err(Rejection::EchoedDiff)
        );
        let readme = "M README.md +1\n+A special *thank you* goes to our biggest supporters.\n";
        assert_eq!(
            check_against("A special *thank you* goes to our biggest", RULES, readme),
            Err(Rejection::EchoedDiff)
        );
        // Short subjects may match a line by chance.
        let log = "M CHANGELOG.md +1\n+- Update README\n";
        assert_eq!(check_against("Update README", RULES, log), Ok(()));
    }

    #[test]
    fn repeating_the_instructions_is_rejected() {
        let reply = "The first line is a subject of at most 72 characters in the hook";
        assert_eq!(
            check_against(reply, RULES, HOOK_DIFF),
            Err(Rejection::EchoedInstructions)
        );
    }
}
