//! Every instruction the model is given: the system message (the configured or default
//! prompt, the repository's style, the reply's shape), the reply schema, and the correction of a
//! retry. `ai-commit config --prompt` prints these, so what it shows is what is sent.

use crate::config::{Config, ReplyFormat};
use crate::redact::redact;
use crate::style::{Style, STANDARD_TYPES};

/// How a reply is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyForm {
    /// A JSON object in [`reply_schema`] or [`candidates_schema`].
    Json,
    /// Free text, cleaned afterwards.
    Text,
    /// The subject alone, as one line of text that the server ends at [`LINE_END`].
    Line,
}

/// Where the server ends a [`ReplyForm::Line`] reply.
pub const LINE_END: &str = "\n";

/// The form of the reply to a request in `style`. One subject and nothing else is asked for as
/// a line unless `format = "json"` insists on a schema: the JSON around a subject is about 5
/// of its 13 tokens (`{"subject": "…"}`, and a JSON string alone is no shorter), half a
/// second of writing on two cores, and a line needs no schema to end where the subject ends.
/// Several candidates, or a body, keep the configured format.
pub fn reply_form(config: &Config, style: &Style) -> ReplyForm {
    let subject_only = !style.body && config.candidates.value == 1;
    match config.format.value {
        ReplyFormat::Json => ReplyForm::Json,
        _ if subject_only => ReplyForm::Line,
        _ if config.structured() => ReplyForm::Json,
        _ => ReplyForm::Text,
    }
}

/// The JSON schema a request in `style` asks for, when its form is [`ReplyForm::Json`]: of
/// `n` candidate subjects, or of one subject (with a body field when a body is wanted).
pub fn schema_for(config: &Config, style: &Style) -> Option<serde_json::Value> {
    (reply_form(config, style) == ReplyForm::Json).then(|| {
        let n = config.candidates.value;
        if n > 1 {
            candidates_schema(config.max_subject.value, style.body, n)
        } else {
            reply_schema(config.max_subject.value, style.body)
        }
    })
}

/// The instructions sent as the system message unless `prompt` replaces them.
/// `{max_subject}` is replaced by the configured limit.
pub const DEFAULT_PROMPT: &str = "\
You write git commit messages. Reply with the commit message only.
The first line is a subject of at most {max_subject} characters in the imperative mood \
(\"Add\", \"Fix\", \"Update\", \"Remove\"), with no period at the end.
If the change needs explaining, add a blank line and a short body, wrapped at 72 columns, \
saying what changed and why.
Describe only what the diff shows. No preamble, no markdown, no code fences, no quotes.";

/// What the instructions add when the reply is structured.
pub const STRUCTURED_INSTRUCTION: &str = "Reply with a JSON object: {\"subject\": the subject \
line, \"body\": the body, or \"\" when the subject says it all}.";

/// What the instructions add when the reply is structured and only a subject is asked for.
pub const SUBJECT_ONLY_INSTRUCTION: &str =
    "Reply with a JSON object: {\"subject\": the subject line}.";

/// How the person's stated intent is introduced, at the end of the user message: it says why,
/// which the diff cannot, and it is theirs, not the message.
pub const INTENT_HEADER: &str = "\n\nWhy the author made this change, in their own words \
(let it shape the message and say why; do not copy it word for word):\n";

/// The most characters of a stated intent that are sent.
pub const INTENT_LIMIT: usize = 500;

/// What the user message adds when every file shown is prose.
pub(super) const PROSE_HINT: &str = "\nThese are prose files: say what the new text is about, \
not only that a file changed.\n";

/// What the user message ends with when the change lies in one of the history's `area: `
/// prefixes: a small model left it out or invented one (`update:`, `crates/ignore:`) in most
/// subjects of a real history. The area came from the repository, so it is redacted.
pub fn area_line(area: &str) -> String {
    format!("\nStart the subject with `{}: `.\n", redact(area))
}

/// What introduces the history's recent subjects, one `- ` line each after it.
pub const EXAMPLES_HEADER: &str = "Recent subjects in this repository, as examples of the style:";

/// The configured prompt, or the default, with the subject limit filled in.
pub fn base(config: &Config) -> String {
    config
        .prompt
        .value
        .as_deref()
        .unwrap_or(DEFAULT_PROMPT)
        .replace("{max_subject}", &config.max_subject.value.to_string())
}

/// The whole system message: the prompt, the style's sentences, and the reply's shape when it
/// is structured. What came from the repository (its prompt, the recent subjects and the types,
/// scopes and areas read from them) passes the diff's redaction rule: a token someone once
/// committed in a subject is not sent again.
pub fn system(config: &Config, style: &Style) -> String {
    let mut text = base(config);
    let extra = style_sentences(style);
    if !extra.is_empty() {
        text.push_str("\n\n");
        text.push_str(&extra);
    }
    let n = config.candidates.value;
    let structured = reply_form(config, style) == ReplyForm::Json;
    if n > 1 {
        text.push('\n');
        text.push_str(&candidates_instruction(n, structured, style.body));
    } else if structured {
        text.push('\n');
        text.push_str(if style.body {
            STRUCTURED_INSTRUCTION
        } else {
            SUBJECT_ONLY_INSTRUCTION
        });
    }
    redact(&text).into_owned()
}

/// The sentences that hold the model to the repository's style; empty when there is nothing
/// to say.
pub fn style_sentences(style: &Style) -> String {
    let mut out = Vec::new();
    let l = &style.learned;
    if style.conventional {
        let mut s = String::from(
            "This repository uses Conventional Commits: the subject is \
             `type(scope): summary` or `type: summary`.",
        );
        let types: Vec<&str> = if l.types.is_empty() {
            STANDARD_TYPES.to_vec()
        } else {
            l.types.iter().map(String::as_str).collect()
        };
        s.push_str(&format!(" Types used here: {}.", types.join(", ")));
        if !l.scopes.is_empty() {
            let scopes: Vec<&str> = l.scopes.iter().take(12).map(String::as_str).collect();
            s.push_str(&format!(
                " Scopes used here: {}; use one only if it names what changed.",
                scopes.join(", ")
            ));
        }
        out.push(s);
    } else if l.area_prefix && !l.areas.is_empty() {
        let areas: Vec<&str> = l.areas.iter().take(12).map(String::as_str).collect();
        out.push(format!(
            "Subjects here start with the area they touch, like `{}: summary`.",
            areas[0]
        ));
    }
    if l.lowercase {
        out.push("Start the summary with a lowercase letter.".to_string());
    }
    if let Some(n) = l.typical_len {
        out.push(format!(
            "Subjects here are usually about {n} characters long."
        ));
    }
    if let Some(lang) = &style.language {
        out.push(format!("Write the message in {lang}."));
    }
    // Before the examples, not after them, where a commit asked for a body and the next asked
    // for none would share the cached examples: as the system message's last line it had the
    // 1.5B model end 5 of 7 of commitizen's subjects after the scope
    // (`fix(docs/images/bump.tape)`); before them it wrote those subjects whole.
    if !style.body {
        out.push("Write only the subject line, no body.".to_string());
    }
    if !l.examples.is_empty() {
        let mut s = String::from(EXAMPLES_HEADER);
        for e in &l.examples {
            s.push_str(&format!("\n- {e}"));
        }
        out.push(s);
    }
    out.join("\n")
}

/// How several candidate subjects are asked for: in the schema's `subjects` array, or as
/// numbered lines of text.
pub fn candidates_instruction(n: usize, structured: bool, body: bool) -> String {
    match (structured, body) {
        (true, true) => format!(
            "Reply with a JSON object: {{\"subjects\": {n} different subject lines for this \
             change, the best first, \"body\": the body for the first, or \"\" when it says \
             it all}}."
        ),
        (true, false) => format!(
            "Reply with a JSON object: {{\"subjects\": {n} different subject lines for this \
             change, the best first}}."
        ),
        (false, true) => format!(
            "Write {n} different subject lines for this change, the best first, numbered `1.` \
             to `{n}.`, one per line; then, if the change needs one, a blank line and the body \
             for the first."
        ),
        (false, false) => format!(
            "Write {n} different subject lines for this change, the best first, numbered `1.` \
             to `{n}.`, one per line, and nothing else."
        ),
    }
}

/// The schema of a structured reply with `n` candidate subjects, the best first.
pub fn candidates_schema(max_subject: usize, body: bool, n: usize) -> serde_json::Value {
    let subjects = serde_json::json!({
        "type": "array",
        "items": {"type": "string", "maxLength": max_subject},
        "minItems": 1,
        "maxItems": n
    });
    if body {
        serde_json::json!({
            "type": "object",
            "properties": {
                "subjects": subjects,
                "body": {"type": "string", "maxLength": 1000}
            },
            "required": ["subjects", "body"]
        })
    } else {
        serde_json::json!({
            "type": "object",
            "properties": {"subjects": subjects},
            "required": ["subjects"]
        })
    }
}

/// The most tokens `n` candidate subjects need: each subject and its quotes, and the object
/// around them.
pub fn candidates_tokens(max_subject: usize, n: usize) -> u32 {
    (n * (max_subject / 2 + 4) + 16) as u32
}

/// The JSON schema of a structured reply. The subject comes first (serde_json keeps the
/// order), because a model fills the fields in the order it is given them, and its length is
/// bounded: without `maxLength` a small model wrote 1,000-character subjects. Without `body`
/// the schema has no body field: a model given one writes a body, which costs seconds of output
/// that would then be thrown away.
pub fn reply_schema(max_subject: usize, body: bool) -> serde_json::Value {
    if body {
        serde_json::json!({
            "type": "object",
            "properties": {
                "subject": {"type": "string", "maxLength": max_subject},
                "body": {"type": "string", "maxLength": 1000}
            },
            "required": ["subject", "body"]
        })
    } else {
        serde_json::json!({
            "type": "object",
            "properties": {
                "subject": {"type": "string", "maxLength": max_subject}
            },
            "required": ["subject"]
        })
    }
}

/// The most tokens a subject-only reply needs: the subject (under three characters a token for
/// English, and the schema's `maxLength` bounds it) and the JSON around it.
pub fn subject_tokens(max_subject: usize) -> u32 {
    (max_subject / 2 + 16) as u32
}

/// What the second request asks for, after the first reply failed for `why`.
pub fn correction(why: &str, config: &Config, style: &Style) -> String {
    let mut text = format!(
        "That reply cannot be used as a commit message: {why}. Reply again with only the \
         commit message for the change above: a subject line of at most {} characters",
        config.max_subject.value
    );
    if style.conventional {
        text.push_str(" in the form `type(scope): summary`");
    }
    text.push_str(", describing what the diff changes. No other text.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::{learn, Learned, StyleSetting};

    fn subjects(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_example_config_spells_out_the_built_in_prompt() {
        let text = include_str!("../../config.example.toml");
        let path = std::path::Path::new("config.example.toml");
        let layer = crate::config::parse_layer(path, text, false).unwrap();
        let mut example = Config::default();
        example.apply(layer, &crate::config::Origin::Default);
        assert_eq!(example.prompt.value.as_deref(), Some(DEFAULT_PROMPT));
    }

    #[test]
    fn instructions_substitute_the_subject_limit() {
        let c = Config::default();
        assert!(base(&c).contains("at most 72 characters"));
    }

    #[test]
    fn the_language_is_said() {
        let l = learn(&subjects(&[
            "Fehler in der Anmeldung behoben",
            "Neue Seite für die Hilfe",
            "Tests für das Modul und die Doku",
        ]));
        let s = Style::new(StyleSetting::Auto, l, None, true);
        assert!(style_sentences(&s).contains("Write the message in German."));
        let s = Style::new(StyleSetting::Auto, Learned::default(), Some("French"), true);
        assert!(style_sentences(&s).contains("in French"));
    }

    #[test]
    fn no_body_is_asked_for_when_the_setting_says_so() {
        let style = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        assert!(style_sentences(&style).contains("only the subject line"));
        // Before the examples, which end the sentences: after them the 1.5B model ended
        // commitizen's subjects after the scope.
        let l = learn(&subjects(&[
            "feat: a thing",
            "fix(cli): b thing",
            "feat: c thing",
        ]));
        let style = Style::new(StyleSetting::Auto, l, None, false);
        let text = style_sentences(&style);
        assert!(
            text.contains("no body.\nRecent subjects") && text.ends_with("\n- feat: a thing"),
            "{text}"
        );
    }

    #[test]
    fn plain_setting_says_nothing_of_the_history() {
        let l = learn(&subjects(&["feat: a", "fix: b", "feat: c"]));
        let s = Style::new(StyleSetting::Plain, l, None, true);
        assert_eq!(style_sentences(&s), "");
    }

    #[test]
    fn secrets_in_recent_subjects_are_not_sent() {
        let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let l = learn(&subjects(&[
            &format!("feat({token}): rotate the key"),
            &format!("fix: drop {token} from the config"),
            "feat: add a thing",
        ]));
        let s = Style::new(StyleSetting::Auto, l, None, true);
        let text = system(&Config::default(), &s);
        assert!(!text.contains(token), "{text}");
        assert!(
            text.contains("fix: drop [REDACTED] from the config"),
            "{text}"
        );
    }

    #[test]
    fn the_system_message_holds_every_part() {
        let c = Config::default();
        let l = learn(&subjects(&[
            "feat: a thing",
            "fix: b thing",
            "feat: c thing",
        ]));
        let s = Style::new(StyleSetting::Auto, l, None, true);
        let text = system(&c, &s);
        assert!(text.starts_with(&base(&c)));
        assert!(text.contains("Conventional Commits"));
        assert!(text.ends_with(STRUCTURED_INSTRUCTION), "{text}");
    }
}
