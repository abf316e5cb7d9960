//! The one entry point for a model's reply: decodes a structured reply, cleans it, checks it
//! against what was sent, and holds it to the repository's style.

use super::agreement::{
    echoes_scaffolding, reads_back_the_spelling, repeats_an_earlier_subject, verb_disagrees,
    with_the_verb_of_new_files,
};
use super::subject::without_trailing_clause;
use super::{check_against, clean, CleanOptions};
use crate::bumps::Bump;
use crate::diff::FileChange;
use crate::facts::Facts;
use crate::style::Style;

/// What a reply is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The reply was asked for as a JSON object.
    pub structured: bool,
    /// Longest subject line allowed.
    pub max_subject: usize,
    /// What the model was told: echoing it is no message.
    pub told: &'a str,
    /// The change as shown to the model: copying its lines is no message either.
    pub shown: &'a str,
    /// The style the message must be in.
    pub style: &'a Style,
    /// The staged files, for the style's type and scope checks.
    pub files: &'a [FileChange],
    /// What is computed of them, once for every reply ([`Facts::of`]).
    pub facts: &'a Facts,
}

/// The message in `content`, cleaned, grounded and styled, or why it cannot be used (a short
/// lowercase phrase). `truncated`: the model stopped at its output limit.
pub fn judge(content: &str, truncated: bool, expected: &Expected<'_>) -> Result<String, String> {
    // Read as the object it is whatever was asked: a model asked for a line of text may still
    // answer `{"subject": …}`, and such an object is never a commit message.
    let text = from_structured(content);
    let options = CleanOptions {
        max_subject: expected.max_subject,
        truncated,
    };
    let message = clean(&text, &options).map_err(|why| why.to_string())?;
    // A new prose file's own title is what the change is about, not an echo of the diff.
    let message = match titled(&message, &expected.facts.titles, expected.max_subject) {
        Some(message) => message,
        None => {
            check_against(&message, expected.told, expected.shown)
                .map_err(|why| why.to_string())?;
            message
        }
    };
    let subject = message.lines().next().unwrap_or("");
    if echoes_scaffolding(subject) {
        return Err("it repeats the prompt's list of changed files".into());
    }
    if reads_back_the_spelling(subject, &expected.facts.spelling) {
        return Err("it reads back the prompt's spelling fact".into());
    }
    if let Some(why) = verb_disagrees(subject, expected.files) {
        return Err(why);
    }
    if let Some(why) = repeats_an_earlier_subject(subject, &expected.style.earlier, expected.files)
    {
        return Err(why);
    }
    if let Some(why) = expected.facts.kind.and_then(|k| k.contradiction(subject)) {
        return Err(why.into());
    }
    if let Some(why) = misses_the_bumps(subject, expected.files, &expected.facts.bumps) {
        return Err(why);
    }
    let message = with_the_verb_of_new_files(&message, expected.files);
    let styled = expected.style.apply(&message, expected.files)?;
    // The style may add a type or a scope: the limit holds for the subject as written, with
    // its trailing clause gone if that is what it takes. (The 0.5B model's "add
    // `https://api.star-history.com/` to the exclude list in `lychee.toml`" became 78
    // characters with its `feat: `.)
    let subject = styled.lines().next().unwrap_or("");
    let len = subject.chars().count();
    if len > expected.max_subject {
        let Some(short) = without_trailing_clause(subject, expected.max_subject) else {
            return Err(super::Rejection::SubjectTooLong {
                len,
                max: expected.max_subject,
            }
            .to_string());
        };
        return Ok(format!("{short}{}", &styled[subject.len()..]));
    }
    Ok(styled)
}

/// `message` with its subject made "Add \"<title>\"" where the subject is only the title of a
/// new prose file (as the file writes it, but for a heading's `#`, quotes and a final period):
/// the 1.5B model answered the journal's "Add entry on tuning zram on the laptop" with
/// "Tuning zram on the laptop", the new entry's heading, which was refused as an echo of the
/// diff. `None` where it is not, or the result would be over `max_subject`.
fn titled(message: &str, titles: &[String], max_subject: usize) -> Option<String> {
    let (subject, rest) = message
        .split_once('\n')
        .map_or((message, ""), |(s, r)| (s, r));
    let bare = subject
        .trim()
        .trim_start_matches('#')
        .trim()
        .trim_matches(['"', '\'', '`', '“', '”'])
        .trim_end_matches('.')
        .trim();
    let title = titles.iter().find(|t| t.eq_ignore_ascii_case(bare))?;
    let subject = format!("Add \"{title}\"");
    if subject.chars().count() > max_subject {
        return None;
    }
    Some(match rest {
        "" => subject,
        rest => format!("{subject}\n{rest}"),
    })
}

/// A dependency update of a few packages whose subject names none of them ("update
/// poetry.lock"): the fallback names them, so this is the worse message.
fn misses_the_bumps(subject: &str, files: &[FileChange], found: &[Bump]) -> Option<String> {
    if files.is_empty() || !files.iter().all(crate::bumps::is_manifest) {
        return None;
    }
    if found.is_empty() || found.len() > 3 {
        return None;
    }
    let lower = subject.to_lowercase();
    // The package by its name, its last path part, a distinctive part of it (`searcher` of
    // `grep-searcher`), or the version it moved to.
    let named = found.iter().any(|b| {
        let name = b.name.to_lowercase();
        let to = b.to.trim_start_matches(['^', '~', '=', 'v']).to_lowercase();
        lower.contains(&name)
            || name
                .split(['/', '-', '_', '.', '@'])
                .any(|part| part.len() >= 5 && lower.contains(part))
            || (to.len() >= 3 && lower.contains(&to))
    });
    (!named).then(|| {
        let names: Vec<&str> = found.iter().map(|b| b.name.as_str()).collect();
        format!(
            "it names none of the packages that moved ({})",
            names.join(", ")
        )
    })
}

/// A structured reply as message text: the subject, then the body after a blank line. Text
/// that is not such an object is returned as it is, for the cleaner to judge.
pub fn from_structured(content: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Structured {
        subject: String,
        #[serde(default)]
        body: String,
    }
    match serde_json::from_str::<Structured>(content.trim()) {
        Ok(s) if s.body.trim().is_empty() => s.subject,
        Ok(s) => format!("{}\n\n{}", s.subject, s.body),
        Err(_) => content.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::{Learned, StyleSetting};

    #[test]
    fn the_subject_limit_holds_after_the_style_adds_a_type() {
        let style = Style::new(StyleSetting::Conventional, Learned::default(), None, false);
        let files = [crate::diff::FileChange::new(
            "lychee.toml",
            crate::diff::Status::Modified,
        )];
        let expected = Expected {
            structured: true,
            max_subject: 72,
            told: "You write git commit messages.",
            shown: "M lychee.toml +1\n+exclude = [\"https://api.star-history.com/\"]\n",
            style: &style,
            files: &files,
            facts: &Facts::of(&files),
        };
        // Seen from the 0.5B model on commitizen: 70 characters, 78 with the type it lacked.
        let reply = r#"{"subject": "add `https://api.star-history.com/` to the exclude list in `lychee.toml`"}"#;
        assert_eq!(
            judge(reply, false, &expected).as_deref(),
            Ok("feat: add `https://api.star-history.com/` to the exclude list")
        );
        // With nowhere to cut, it is refused.
        let reply = r#"{"subject": "add `https://api.star-history.com/very/long/path/of/the/badge/svg/files`"}"#;
        assert_eq!(
            judge(reply, false, &expected),
            Err("the subject is 78 characters, over the limit of 72".into())
        );
    }

    #[test]
    fn a_new_entry_s_title_is_what_it_adds_not_an_echo() {
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        let mut entry =
            crate::diff::FileChange::new("2026/11/02-zram.md", crate::diff::Status::Added);
        entry.hunks.push(crate::diff::Hunk {
            header: "@@ -0,0 +1,3 @@".into(),
            body: "+# Tuning zram on the laptop\n+\n+The laptop swapped to disk.\n".into(),
        });
        let files = [entry];
        let expected = Expected {
            structured: true,
            max_subject: 72,
            told: "You write git commit messages.",
            shown: "A 2026/11/02-zram.md +3\n+# Tuning zram on the laptop\n+\n+The laptop swapped to disk.\n",
            style: &style,
            files: &files,
            facts: &Facts::of(&files),
        };
        // The 1.5B model's reply for the journal's new entry.
        let reply = "{\n  \"subject\": \"Tuning zram on the laptop\"\n}";
        assert_eq!(
            judge(reply, false, &expected).as_deref(),
            Ok("Add \"Tuning zram on the laptop\"")
        );
        // Another line of the diff is still an echo.
        assert_eq!(
            judge("The laptop swapped to disk.", false, &expected),
            Err("it echoed diff lines".into())
        );
    }

    #[test]
    fn an_object_answered_to_a_request_for_text_is_read_as_one() {
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        let files = [crate::diff::FileChange::new(
            "hello.txt",
            crate::diff::Status::Modified,
        )];
        let expected = Expected {
            structured: false,
            max_subject: 72,
            told: "You write git commit messages.",
            shown: "M hello.txt +1 -1\n-Hello\n+Hello, reader!\n",
            style: &style,
            files: &files,
            facts: &Facts::of(&files),
        };
        assert_eq!(
            judge(r#"{"subject": "Greet the reader"}"#, false, &expected).as_deref(),
            Ok("Greet the reader")
        );
    }

    #[test]
    fn structured_replies_become_message_text() {
        assert_eq!(
            from_structured(r#"{"subject": "Add x", "body": "Because y."}"#),
            "Add x\n\nBecause y."
        );
        assert_eq!(
            from_structured(r#" {"subject": "Add x", "body": ""} "#),
            "Add x"
        );
        assert_eq!(from_structured("Add x"), "Add x");
        assert_eq!(
            from_structured(r#"{"subject": "Add x""#),
            r#"{"subject": "Add x""#
        );
    }

    #[test]
    fn a_reply_is_decoded_cleaned_grounded_and_styled() {
        let style = Style::new(StyleSetting::Conventional, Learned::default(), None, false);
        let files = [crate::diff::FileChange::new(
            "src/cli.rs",
            crate::diff::Status::Modified,
        )];
        let expected = Expected {
            structured: true,
            max_subject: 72,
            told: "You write git commit messages.",
            shown: "M src/cli.rs +1\n+let verbose = true;\n",
            style: &style,
            files: &files,
            facts: &Facts::of(&files),
        };
        let reply = r#"{"subject": "feat(cli): add a verbose flag", "body": "So it talks."}"#;
        assert_eq!(
            judge(reply, false, &expected).as_deref(),
            Ok("feat(cli): add a verbose flag")
        );
        assert_eq!(
            judge(
                r#"{"subject": "Add a verbose flag", "body": ""}"#,
                false,
                &expected
            )
            .as_deref(),
            Ok("feat: add a verbose flag")
        );
        assert!(judge(
            r#"{"subject": "verbose: add a flag", "body": ""}"#,
            false,
            &expected
        )
        .unwrap_err()
        .contains("not a commit type"));
        assert!(judge("", false, &expected).is_err());
    }
}

#[cfg(test)]
mod bump_tests {
    use super::*;
    use crate::diff::{FileChange, Hunk, Status};

    #[test]
    fn a_bump_s_subject_names_a_package_that_moved() {
        let mut lock = FileChange::new("poetry.lock", Status::Modified);
        lock.hunks.push(Hunk {
            header: "@@ -1 +1 @@".into(),
            body: " name = \"mkdocs-material\"\n-version = \"9.5.34\"\n+version = \"9.5.35\"\n"
                .into(),
        });
        let files = [lock];
        let bumps = crate::bumps::bumps(&files);
        // Seen with Qwen2.5-Coder-1.5B for exactly this change.
        assert!(misses_the_bumps("chore: update poetry.lock", &files, &bumps).is_some());
        assert!(misses_the_bumps(
            "build(deps): bump mkdocs-material to 9.5.35",
            &files,
            &bumps
        )
        .is_none());
        // Seen on ripgrep for grep-searcher 0.1.16 -> 0.1.17: a fair subject.
        assert!(misses_the_bumps("docs: bump material to 9.5.35", &files, &bumps).is_none());
        assert!(misses_the_bumps("chore: update the docs theme", &files, &bumps).is_some());
        // Not a manifest-only change: nothing to require.
        let code = [FileChange::new("src/a.rs", Status::Modified)];
        assert!(misses_the_bumps("Update a", &code, &crate::bumps::bumps(&code)).is_none());
    }
}

#[cfg(test)]
mod prose_tests {
    use super::*;

    #[test]
    fn a_body_about_the_diff_or_the_commit_is_dropped() {
        let opts = CleanOptions {
            max_subject: 72,
            truncated: false,
        };
        for body in [
            "The changes are detailed in the diff.",
            "See the diff for details.",
        ] {
            let reply = format!("Add journal entry on fixing the commit hook\n\n{body}");
            assert_eq!(
                clean(&reply, &opts).unwrap(),
                "Add journal entry on fixing the commit hook",
                "{body}"
            );
        }
    }
}
