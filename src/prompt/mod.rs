//! Every request sent to the model, the first and the corrective retry, and every word in
//! them: the instructions ([`instructions`]), then the staged change, chosen ([`select`]),
//! written out ([`render`]) and fitted into the context window. Pure: staged changes and
//! settings in, requests out.
//!
//! Ollama does not reject a prompt longer than `num_ctx`: it silently drops the middle, and the
//! instructions at the head are lost with it. So the prompt is fitted here, with a token estimate
//! that errs on the side of counting too many.

mod instructions;
mod render;
mod select;
mod tokens;

use crate::config::Config;
use crate::diff::FileChange;
pub use crate::facts::is_prose;
use crate::facts::{new_title, Facts};
use crate::llm::{Request, Retry};
use crate::redact::redact;
use crate::style::{self, Style};
use crate::{bumps, facts};
use instructions::PROSE_HINT;
pub use instructions::{
    area_line, base, candidates_instruction, candidates_tokens, correction, reply_form,
    reply_schema, schema_for, style_sentences, subject_tokens, system, ReplyForm, DEFAULT_PROMPT,
    INTENT_HEADER, INTENT_LIMIT, LINE_END, STRUCTURED_INSTRUCTION, SUBJECT_ONLY_INSTRUCTION,
};
pub use render::LIST_NOTES;
use render::{file_list, fit_file, render_file};
use select::{exclusion_set, share_out, treatment, Treatment};
pub use tokens::estimate_tokens;

/// How many dependency bumps the prompt names before counting the rest.
const MAX_BUMPS: usize = 8;
/// The least of the change a deadline leaves in the prompt: a small change whole.
const MIN_CHANGE: usize = 512;
/// Tokens kept free for the chat template's own markup around the two messages.
const TEMPLATE_OVERHEAD: usize = 64;
/// The file list may use at most this share of the room, so that a huge change still shows
/// some diff.
const LIST_SHARE: f64 = 0.4;

/// What the prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptSettings {
    /// The system instructions.
    pub instructions: String,
    /// The model's context window in tokens.
    pub num_ctx: usize,
    /// Tokens reserved for the answer.
    pub num_predict: usize,
    /// Globs of paths whose diff is never sent.
    pub exclude: Vec<String>,
    /// Lines of unchanged text kept around each changed line.
    pub diff_context: usize,
    /// The most tokens the two messages may take, when the deadline bounds them more tightly
    /// than the window (see [`crate::speed`]).
    pub max_prompt: Option<usize>,
}

/// The two messages and what they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The system message.
    pub system: String,
    /// The user message: the file list and as much diff as fits.
    pub user: String,
    /// Estimated tokens of both messages.
    pub estimated_tokens: usize,
    /// Whether any part of the change was left out to fit the window.
    pub cut: bool,
}

/// The first request for `files`, in `style`, with the person's stated `intent` if any, at
/// most `max_prompt` tokens when the deadline bounds it, and the prompt it was built from.
pub fn first(
    config: &Config,
    style: &Style,
    files: &[FileChange],
    facts: &Facts,
    intent: Option<&str>,
    max_prompt: Option<usize>,
) -> (Request, Prompt) {
    let n = config.candidates.value;
    // Only what will be used is asked for: without a body, a subject's worth of tokens (one
    // per candidate).
    let max_tokens = (!style.body).then(|| {
        let tokens = if n > 1 {
            candidates_tokens(config.max_subject.value, n)
        } else {
            subject_tokens(config.max_subject.value)
        };
        tokens.min(config.num_predict.value)
    });
    // The intent and the area are kept whole: their room comes out of the diff's.
    let tail = [
        intent.map(intent_section),
        style.area.as_deref().map(area_line),
    ]
    .into_iter()
    .flatten()
    .reduce(|a, b| a + &b);
    let tail_tokens = tail.as_deref().map_or(0, estimate_tokens);
    let mut prompt = build(
        files,
        facts,
        &PromptSettings {
            instructions: system(config, style),
            num_ctx: config.num_ctx.value as usize,
            num_predict: max_tokens.unwrap_or(config.num_predict.value) as usize + tail_tokens,
            exclude: config.exclude.value.clone(),
            diff_context: config.diff_context.value,
            max_prompt: max_prompt.map(|m| m.saturating_sub(tail_tokens)),
        },
    );
    if let Some(tail) = &tail {
        prompt.user.push_str(tail);
        prompt.estimated_tokens += tail_tokens;
    }
    let request = Request {
        system: prompt.system.clone(),
        user: prompt.user.clone(),
        retry: None,
        schema: schema_for(config, style),
        stop: (reply_form(config, style) == ReplyForm::Line).then_some(LINE_END),
        temperature: None,
        max_tokens,
    };
    (request, prompt)
}

/// What `request` told the model to do, which its reply must not repeat: the system message
/// and any correction, without the history's recent subjects. Those are the repository's own
/// words, and a new bump of the same package rightly says much what the last one said.
pub fn told(request: &Request) -> String {
    let (mut out, _) = split_examples(&request.system);
    if let Some(retry) = &request.retry {
        out.push_str(&retry.correction);
    }
    out
}

/// `system` without the history's recent subjects shown as examples, and those subjects.
fn split_examples(system: &str) -> (String, Vec<&str>) {
    let mut out = String::new();
    let mut examples = Vec::new();
    let mut in_examples = false;
    for line in system.lines() {
        if line == instructions::EXAMPLES_HEADER {
            in_examples = true;
            continue;
        }
        if let Some(example) = line.strip_prefix("- ").filter(|_| in_examples) {
            examples.push(example);
            continue;
        }
        in_examples = false;
        out.push_str(line);
        out.push('\n');
    }
    (out, examples)
}

/// The tokens of `request` (estimated) a server that keeps its last prompt has not read
/// before: the user message of a first request (the instructions are those of the last
/// commit), only what a retry adds to the first one.
pub fn anew_tokens(request: &Request) -> usize {
    match &request.retry {
        Some(retry) => estimate_tokens(&retry.reply) + estimate_tokens(&retry.correction),
        None => estimate_tokens(&request.user),
    }
}

/// The stated intent as the user message ends with it: bounded, secrets redacted.
fn intent_section(intent: &str) -> String {
    let text: String = intent.trim().chars().take(INTENT_LIMIT).collect();
    format!("{INTENT_HEADER}{}\n", redact(&text))
}

/// The tokens a reply is expected to take, for sizing the prompt to the deadline: a subject
/// when only a subject is asked for, else a subject and a short body.
pub fn expected_output(config: &Config, style: &Style) -> u32 {
    const WITH_BODY: u32 = 120;
    let n = config.candidates.value;
    let most = match (style.body, n > 1) {
        (true, false) => WITH_BODY,
        (false, false) => subject_tokens(config.max_subject.value),
        (true, true) => WITH_BODY + candidates_tokens(config.max_subject.value, n - 1),
        (false, true) => candidates_tokens(config.max_subject.value, n),
    };
    most.min(config.num_predict.value)
}

/// The least sampling temperature of the corrective retry.
const RETRY_TEMPERATURE: f64 = 0.7;

/// The second request: the first one, the reply it got (bounded) and why that reply cannot
/// be used; or, for a reply that copied one of the examples, the first one asked again without
/// them ([`without_copied_example`]).
pub fn retry(first: &Request, reply: &str, why: &str, config: &Config, style: &Style) -> Request {
    // A line the server ended is asked for again in the schema of the subject alone where the
    // server takes one: its `maxLength` bounds what a small model, unbounded, wrote too long
    // twice (6 of commitizen's 50 commits with the 0.5B model, 85 characters and more, fell
    // back so), and no newline can end it before it begins.
    let subject_only = first.stop.is_some() && config.structured();
    let schema = match subject_only {
        true => Some(reply_schema(config.max_subject.value, false)),
        false => first.schema.clone(),
    };
    if let Some(system) = without_copied_example(first, reply) {
        return Request {
            system: match subject_only {
                true => format!("{system}\n{SUBJECT_ONLY_INSTRUCTION}"),
                false => system,
            },
            stop: first.stop.filter(|_| !subject_only),
            schema,
            ..first.clone()
        };
    }
    let mut correction = correction(why, config, style);
    if subject_only {
        correction.push(' ');
        correction.push_str(SUBJECT_ONLY_INSTRUCTION);
    }
    Request {
        retry: Some(Retry {
            reply: reply.chars().take(2000).collect(),
            correction,
        }),
        // At the configured (low) temperature a small model mostly answered the same words
        // again: half of the retries measured were byte-identical.
        temperature: Some(config.temperature.value.max(RETRY_TEMPERATURE)),
        // A line that ended before it began (a model that opens its reply with a newline) is
        // asked for again without the stop: the output bound still holds.
        stop: first
            .stop
            .filter(|_| schema.is_none() && !reply.trim().is_empty()),
        schema,
        ..first.clone()
    }
}

/// The instructions of `first` without the history's recent subjects, when `reply` holds one
/// of them whole: the retry is then `first` asked again with these, and no correction. The 1.5B
/// model answered three of commitizen's commits, a workflow, a provider fix and an action bump,
/// with its example "fix(check): expand env vars in --rev-range"; shown its copy and told why,
/// it wrote the copy again six times in six at temperature 0.7. Asked without the examples, it
/// wrote "fix(cargo_provider): update version workspace handling", and for the workflow, in the
/// schema of the subject, "docs: update GitHub Actions tutorial with commitizen-bump-preview"
/// (without the schema, 90 characters and refused). The instructions up to the examples are
/// unchanged, so a server that keeps its last prompt reads only the change again.
fn without_copied_example(first: &Request, reply: &str) -> Option<String> {
    let (system, examples) = split_examples(&first.system);
    // Whole subjects of three words or more: `ci: z` may be part of anything.
    let copied = examples
        .iter()
        .any(|e| e.split_whitespace().count() >= 3 && reply.contains(e));
    copied.then(|| system.trim_end().to_string())
}

/// Builds the prompt for `files`, with what is computed of them (`facts`, [`Facts::of`]), within
/// the settings' window.
pub fn build(files: &[FileChange], facts: &Facts, settings: &PromptSettings) -> Prompt {
    let excluded = exclusion_set(&settings.exclude);
    let system = settings.instructions.clone();
    let reserved = estimate_tokens(&system) + settings.num_predict + TEMPLATE_OVERHEAD;
    // 5% margin on top of the estimate for what the estimate cannot see.
    let room = (settings.num_ctx.saturating_sub(reserved) * 95 / 100).max(64);
    // What the deadline allows after the instructions, when that is less; never less than
    // enough to show a small change whole.
    let room = match settings.max_prompt {
        Some(max) => room.min(max.saturating_sub(estimate_tokens(&system)).max(MIN_CHANGE)),
        None => room,
    };

    let (list, list_cut) = file_list(files, &excluded, (room as f64 * LIST_SHARE) as usize);
    let mut user = list;
    // Facts the model gets wrong and that are computed exactly instead.
    if let Some(kind) = facts.kind {
        user.push_str(&format!("\n{}\n", kind.sentence()));
    }
    if !facts.spelling.is_empty() {
        user.push_str(&redact(&format!(
            "\n{}\n",
            facts::spelling_sentence(&facts.spelling)
        )));
    }
    if !facts.bumps.is_empty() {
        let line = bumps::facts_line(&facts.bumps, MAX_BUMPS);
        user.push_str(&redact(&format!(
            "\nDependency versions changed: {line}.\n"
        )));
    }
    let mut used = estimate_tokens(&user);

    let shown: Vec<&FileChange> = files
        .iter()
        .filter(|f| treatment(f, &excluded) == Treatment::Diff)
        .collect();
    let sections: Vec<render::Section<'_>> = shown
        .iter()
        .map(|f| render_file(f, settings.diff_context))
        .collect();
    let mut diff_cut = false;
    if !sections.is_empty() {
        let prose = shown.iter().all(|f| is_prose(&f.path));
        let titles = if prose { titles(&shown) } else { String::new() };
        if prose {
            used += estimate_tokens(PROSE_HINT) + estimate_tokens(&titles);
        }
        let header = "\nDiff:\n";
        used += estimate_tokens(header);
        let budget = room.saturating_sub(used);
        let sizes: Vec<usize> = sections.iter().map(|s| s.estimate_up_to(budget)).collect();
        let shares = share_by_part(&shown, &sizes, budget);
        user.push_str(header);
        for ((file, section), share) in shown.iter().zip(&sections).zip(shares) {
            let (text, cut) = fit_file(file, section, share);
            diff_cut |= cut;
            // After fitting: a marker is never longer than what it replaces.
            user.push_str(&redact(&text));
        }
        if prose {
            user.push_str(PROSE_HINT);
            user.push_str(&redact(&titles));
        }
    }
    let estimated_tokens = estimate_tokens(&system) + estimate_tokens(&user);
    Prompt {
        system,
        user,
        estimated_tokens,
        cut: list_cut || diff_cut,
    }
}

/// [`share_out`] of `budget` among the files the change is about first, and what they leave
/// among the tests, CI files and top-level manifests and changelogs that come with them
/// ([`style::follows`]). With shares by size alone, ripgrep's "ignore: support
/// `GIT_CONFIG_GLOBAL` and `GIT_CONFIG_SYSTEM`" showed its changelog and two tests whole or
/// nearly, and of `gitignore.rs`, where the change is, one `@@` line.
fn share_by_part(shown: &[&FileChange], sizes: &[usize], budget: usize) -> Vec<usize> {
    let mut shares = vec![0; sizes.len()];
    let mut left = budget;
    // The files the change is about, then those that follow it; a change made of one kind
    // only shares as `share_out` alone would.
    for follows in [false, true] {
        let part: Vec<usize> = (0..shown.len())
            .filter(|&i| style::follows(shown[i]) == follows)
            .collect();
        let part_sizes: Vec<usize> = part.iter().map(|&i| sizes[i]).collect();
        for (&i, share) in part.iter().zip(share_out(&part_sizes, left)) {
            shares[i] = share;
            left = left.saturating_sub(share);
        }
    }
    shares
}

/// The titles of the new prose files among `shown`, as the prompt says them after the prose
/// hint; empty when there are none, or more than a few.
fn titles(shown: &[&FileChange]) -> String {
    const MOST: usize = 3;
    let found: Vec<String> = shown
        .iter()
        .filter_map(|f| new_title(f).map(|t| format!("`{}` is titled \"{t}\"", f.path)))
        .collect();
    if found.is_empty() || found.len() > MOST {
        return String::new();
    }
    format!("New: {}.\n", found.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Hunk, Status};

    fn settings(num_ctx: usize) -> PromptSettings {
        PromptSettings {
            instructions: "Write a commit message.".into(),
            num_ctx,
            num_predict: 128,
            exclude: vec!["docs/generated/**".into()],
            diff_context: 3,
            max_prompt: None,
        }
    }

    fn text_file(path: &str, lines: usize) -> FileChange {
        let mut f = FileChange::new(path, Status::Modified);
        let body: String = (0..lines)
            .map(|i| format!("+line {i} of {path}\n"))
            .collect();
        f.added = lines;
        f.hunks.push(Hunk {
            header: format!("@@ -0,0 +1,{lines} @@"),
            body,
        });
        f
    }

    #[test]
    fn a_new_prose_file_is_told_by_its_title() {
        let entry = |path: &str, body: &str| {
            let mut f = FileChange::new(path, Status::Added);
            f.added = body.lines().count();
            f.hunks.push(Hunk {
                header: "@@ -0,0 +1,3 @@".into(),
                body: body.into(),
            });
            f
        };
        // The journal fixture's first entry.
        let zram = entry(
            "2026/11/02-zram.md",
            "+# Tuning zram on the laptop\n+\n+The laptop has 16 GB of memory.\n",
        );
        let rst = entry(
            "doc/guide.rst",
            "+Getting started\n+===============\n+Text.\n",
        );
        let untitled = entry("notes/todo.md", "+- keep-alive\n+- timeout\n");
        let style = Style::new(
            crate::style::StyleSetting::Plain,
            crate::style::Learned::default(),
            None,
            false,
        );
        let user = |files: &[FileChange]| {
            first(
                &Config::default(),
                &style,
                files,
                &Facts::of(files),
                None,
                None,
            )
            .0
            .user
        };
        let one = user(std::slice::from_ref(&zram));
        assert!(
            one.ends_with("New: `2026/11/02-zram.md` is titled \"Tuning zram on the laptop\".\n"),
            "{one}"
        );
        let two = user(&[zram, rst, untitled.clone()]);
        assert!(
            two.contains("`doc/guide.rst` is titled \"Getting started\""),
            "{two}"
        );
        assert!(!user(&[untitled]).contains("New: "));
    }

    #[test]
    fn a_spelling_fix_is_told_as_one() {
        let mut f = FileChange::new("crates/searcher/src/searcher/mod.rs", Status::Modified);
        f.added = 1;
        f.removed = 1;
        f.hunks.push(Hunk {
            header: "@@ -576,7 +576,7 @@ impl SearcherBuilder {".into(),
            body: "-    /// immediately quick without searching anything.\n\
                   +    /// immediately quit without searching anything.\n"
                .into(),
        });
        let style = Style::new(
            crate::style::StyleSetting::Plain,
            crate::style::Learned::default(),
            None,
            false,
        );
        let files = [f];
        let (request, _) = first(
            &Config::default(),
            &style,
            &files,
            &Facts::of(&files),
            None,
            None,
        );
        assert!(
            request
                .user
                .contains("\nOnly the spelling of words changed: `quick` to `quit`.\n"),
            "{}",
            request.user
        );
    }

    #[test]
    fn fewer_context_lines_keep_every_change_and_the_nearest_lines() {
        let mut f = FileChange::new("src/a.rs", Status::Modified);
        f.hunks.push(Hunk {
            header: "@@ -1,9 +1,9 @@ fn main()".into(),
            body: " one\n two\n three\n-four\n+FOUR\n five\n six\n seven\n".into(),
        });
        let user = |context| {
            let s = PromptSettings {
                diff_context: context,
                ..settings(8192)
            };
            build(
                std::slice::from_ref(&f),
                &Facts::of(std::slice::from_ref(&f)),
                &s,
            )
            .user
        };
        assert!(user(3).contains("@@ fn main()\n one\n two\n three\n-four\n"));
        assert!(user(1).contains("@@ fn main()\n three\n-four\n+FOUR\n five\n"));
        assert!(!user(1).contains(" two\n") && !user(1).contains(" six\n"));
        assert!(user(0).contains("@@ fn main()\n-four\n+FOUR\n"));
        assert!(!user(0).contains(" three\n"));
    }

    #[test]
    fn small_change_is_sent_whole() {
        let files = vec![text_file("src/a.rs", 3), text_file("src/b.rs", 2)];
        let p = build(&files, &Facts::of(&files), &settings(8192));
        assert!(!p.cut);
        assert!(p
            .user
            .starts_with("Changed files (2, +5 -0):\nM src/a.rs +3\nM src/b.rs +2\n"));
        assert!(p.user.contains("--- src/a.rs\n@@\n+line 0 of src/a.rs\n"));
    }

    #[test]
    fn one_file_is_listed_under_its_totals() {
        let mut f = text_file("src/a.rs", 3);
        f.status = Status::Added;
        let files = std::slice::from_ref(&f);
        let p = build(files, &Facts::of(files), &settings(8192));
        assert_eq!(
            p.user,
            "Changed files (1, +3 -0):\nA src/a.rs +3\n\nDiff:\n--- src/a.rs (new file)\n@@\n\
             +line 0 of src/a.rs\n\
             +line 1 of src/a.rs\n+line 2 of src/a.rs\n"
        );
    }

    #[test]
    fn the_files_the_change_is_about_get_the_diff_s_room_before_its_tests() {
        // ripgrep's 241b87b3, in shape: the changelog, the code, and two tests.
        let files = vec![
            text_file("CHANGELOG.md", 5),
            text_file("crates/ignore/src/gitignore.rs", 60),
            text_file("tests/regression.rs", 25),
            text_file("tests/util.rs", 10),
        ];
        let s = PromptSettings {
            max_prompt: Some(0),
            ..settings(8192)
        };
        let p = build(&files, &Facts::of(&files), &s);
        assert!(p.cut);
        let lines = |path: &str| p.user.matches(&format!(" of {path}\n")).count();
        // Most of the code is shown; the tests get what is left, none here.
        assert!(lines("crates/ignore/src/gitignore.rs") >= 15, "{}", p.user);
        assert_eq!(lines("tests/regression.rs"), 0, "{}", p.user);
        assert_eq!(lines("tests/util.rs"), 0, "{}", p.user);
    }

    #[test]
    fn huge_change_fits_the_window_and_says_what_was_cut() {
        let files = vec![text_file("journal.txt", 46_505), text_file("src/b.rs", 5)];
        let s = settings(4096);
        let p = build(&files, &Facts::of(&files), &s);
        assert!(p.cut);
        assert!(p.estimated_tokens + s.num_predict + TEMPLATE_OVERHEAD <= s.num_ctx);
        // The small file is whole even though the big one came first.
        assert!(p.user.contains("+line 4 of src/b.rs\n"));
        assert!(p.user.contains("lines not shown ...]"));
        // The end of the long insertion is shown too.
        assert!(
            p.user.contains("+line 46504 of journal.txt\n"),
            "{}",
            p.user
        );
    }

    #[test]
    fn thousands_of_files_keep_the_list_bounded() {
        let files: Vec<_> = (0..2000)
            .map(|i| text_file(&format!("src/m{i}.rs"), 2))
            .collect();
        let s = settings(8192);
        let p = build(&files, &Facts::of(&files), &s);
        assert!(p.estimated_tokens + s.num_predict + TEMPLATE_OVERHEAD <= s.num_ctx);
        assert!(p.user.contains("more files: "), "{}", p.user);
        assert!(p.user.contains(" modified under src/\n"), "{}", p.user);
        assert!(p.user.contains("\nDiff:\n"));
    }

    #[test]
    fn lockfiles_binaries_and_excluded_paths_are_names_only() {
        let mut bin = FileChange::new("logo.png", Status::Added);
        bin.binary = true;
        let files = vec![
            text_file("Cargo.lock", 10),
            text_file("docs/generated/api.md", 10),
            bin,
        ];
        let p = build(&files, &Facts::of(&files), &settings(8192));
        assert!(p
            .user
            .contains("M Cargo.lock +10 (lockfile, diff not shown)\n"));
        assert!(p
            .user
            .contains("M docs/generated/api.md +10 (excluded, diff not shown)\n"));
        assert!(p.user.contains("A logo.png (binary)\n"));
        assert!(!p.user.contains("Diff:"));
    }

    #[test]
    fn secret_files_and_lfs_pointers_are_names_only_and_secrets_are_redacted() {
        let mut env = text_file("config/.env", 2);
        env.hunks[0].body = "+DB_PASSWORD=hunter2hunter2\n+PORT=80\n".into();
        let mut lfs = text_file("assets/video.bin", 3);
        lfs.status = Status::Added;
        lfs.hunks[0].body = "+version https://git-lfs.github.com/spec/v1\n+oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n+size 12345\n".into();
        let mut code = text_file("src/aws.rs", 1);
        code.hunks[0].body = "+const KEY: &str = \"AKIAIOSFODNN7EXAMPLE\";\n".into();
        let files = [env, lfs, code];
        let p = build(&files, &Facts::of(&files), &settings(8192));
        assert!(p
            .user
            .contains("M config/.env +2 (secret file, content not sent)\n"));
        assert!(p
            .user
            .contains("A assets/video.bin (Git LFS object, 12345 bytes)\n"));
        assert!(!p.user.contains("hunter2"), "{}", p.user);
        assert!(!p.user.contains("oid sha256"), "{}", p.user);
        assert!(!p.user.contains("AKIAIOSFODNN7EXAMPLE"), "{}", p.user);
        assert!(
            p.user.contains("+const KEY: &str = \"[REDACTED]\";\n"),
            "{}",
            p.user
        );
    }

    #[test]
    fn a_subject_only_request_asks_for_no_body_and_a_subject_s_worth_of_tokens() {
        use crate::style::{Learned, StyleSetting};
        let config = Config::default();
        let files = vec![text_file("src/a.rs", 3)];
        let subject_only = Style::new(StyleSetting::Plain, Learned::default(), None, false);
        // A subject alone is one line, which the server ends at the newline: no JSON.
        let (request, _) = first(
            &config,
            &subject_only,
            &files,
            &Facts::of(&files),
            None,
            None,
        );
        assert_eq!(request.schema, None);
        assert_eq!(request.stop, Some("\n"));
        assert!(!request.system.contains("JSON"), "{}", request.system);
        assert_eq!(request.max_tokens, Some(subject_tokens(72)));
        // Unless `format = "json"` insists on a schema: of the subject alone.
        let mut json = Config::default();
        json.format.value = crate::config::ReplyFormat::Json;
        let (request, _) = first(&json, &subject_only, &files, &Facts::of(&files), None, None);
        let schema = request.schema.expect("structured when asked");
        assert!(schema["properties"].get("body").is_none(), "{schema}");
        assert_eq!(schema["required"], serde_json::json!(["subject"]));
        assert_eq!(request.stop, None);
        assert_eq!(request.max_tokens, Some(subject_tokens(72)));
        assert!(request.system.ends_with(SUBJECT_ONLY_INSTRUCTION));

        let with_body = Style::new(StyleSetting::Plain, Learned::default(), None, true);
        let (request, _) = first(&config, &with_body, &files, &Facts::of(&files), None, None);
        assert_eq!(request.stop, None);
        assert!(request.schema.unwrap()["properties"].get("body").is_some());
        assert_eq!(request.max_tokens, None);
        assert!(request.system.ends_with(STRUCTURED_INSTRUCTION));
    }

    #[test]
    fn a_copied_example_is_asked_for_again_without_the_examples() {
        use crate::style::{learn, StyleSetting};
        let config = Config::default();
        let files = vec![text_file("src/providers/cargo_provider.py", 3)];
        let subjects: Vec<String> = [
            "ci(deps): bump uv from 0.11.6 to 0.11.15",
            "test: normalize argparse choice snapshots",
            "fix(check): expand env vars in --rev-range",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let style = Style::new(StyleSetting::Auto, learn(&subjects), None, false);
        let facts = Facts::of(&files);
        let (first_request, _) = first(&config, &style, &files, &facts, None, None);
        assert!(first_request
            .system
            .contains("- fix(check): expand env vars in --rev-range"));
        assert_eq!(first_request.stop, Some("\n"));

        let copied = "fix(check): expand env vars in --rev-range";
        let again = retry(&first_request, copied, "it repeats", &config, &style);
        // No conversation, no examples, the rest as it was, in the schema of the subject.
        assert!(again.retry.is_none());
        assert!(!again.system.contains(instructions::EXAMPLES_HEADER));
        assert!(!again.system.contains("expand env vars"));
        let (before, _) = split_examples(&first_request.system);
        assert!(again.system.starts_with(before.trim_end()));
        assert!(again.system.ends_with(SUBJECT_ONLY_INSTRUCTION));
        assert_eq!(again.user, first_request.user);
        assert_eq!(again.stop, None);
        assert!(again.schema.is_some());
        assert_eq!(again.temperature, first_request.temperature);

        // Any other unusable reply gets the correction.
        let other = retry(
            &first_request,
            "Sure! Here it is:",
            "chatter",
            &config,
            &style,
        );
        assert!(other.retry.is_some());
        assert_eq!(other.system, first_request.system);
    }
}
