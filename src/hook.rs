//! The `prepare-commit-msg` contract: which commits get a message, and writing it into git's
//! message file without losing anything. Never fails: every problem becomes one stderr line.

use std::path::{Path, PathBuf};

use crate::config::{self, Flags, Source};
use crate::draft::{self, Outcome, Provenance, Wish};
use crate::env::Environment;
use crate::git_cli;
use crate::msgfile::{
    comment_out_message, comment_prefix, compose, git_strips_comments, one_line, trailer_block_end,
    write_atomically, written_text,
};
use crate::staged::Base;
use crate::ticket;
use crate::untrusted;

/// What git passes a prepare-commit-msg hook.
#[derive(Debug, Clone, clap::Args)]
pub struct HookArgs {
    /// The commit message file.
    pub msgfile: PathBuf,
    /// How the commit was started: message, template, merge, squash or commit.
    pub source: Option<String>,
    /// The commit, for the `commit` source.
    pub rev: Option<String>,
}

/// What the hook did, for its one stderr line.
#[derive(Debug, Clone, PartialEq)]
pub enum HookReport {
    /// The source is not one we write for: nothing was opened or said.
    Skipped,
    /// Something stopped us before a message could be written; the file is untouched.
    Untouched(String),
    /// The file was written (or left as it was, for `fallback = "none"`).
    Done(String),
}

impl HookReport {
    /// The line for stderr, if any.
    pub fn line(&self) -> Option<String> {
        match self {
            HookReport::Skipped => None,
            HookReport::Untouched(why) => Some(format!("ai-commit: {why}; message left as it was")),
            HookReport::Done(what) => Some(format!("ai-commit: {what}")),
        }
    }
}

/// Runs the hook. Returns what happened; the caller prints it and exits 0 in every case.
pub fn run(env: &Environment, args: &HookArgs, flags: &Flags) -> HookReport {
    let Some(source) = Source::from_hook_arg(args.source.as_deref()) else {
        return HookReport::Skipped;
    };
    // git runs hooks at the top of the work tree, so the repository file is found without
    // opening the repository: a skipped source (every rebase pick) costs two file reads.
    let loaded = config::load(env, env.cwd.as_deref(), flags);
    if !loaded.config.sources.value.contains(&source) {
        return HookReport::Skipped;
    }
    let config_note = match loaded.errors.first() {
        Some(e) => format!(" (config skipped: {e})"),
        None => String::new(),
    };
    let existing = match untrusted::read(&args.msgfile, untrusted::MESSAGE_LIMIT) {
        Ok(bytes) => bytes,
        Err(e) => {
            return HookReport::Untouched(format!(
                "cannot read {}: {e}{config_note}",
                args.msgfile.display()
            ))
        }
    };
    if is_read_only(&args.msgfile) {
        return HookReport::Untouched(format!("{} is read-only", args.msgfile.display()));
    }
    let base = if source == Source::Commit {
        Base::HeadParent
    } else {
        Base::Head
    };
    // An amend (or reword) replaces a message the person wrote: only where it can stay in view
    // as comments that git then drops. Without an editor the commit keeps its message.
    let amend = source == Source::Commit;
    let keeps_message = || {
        HookReport::Untouched(
            "no editor will run, or git keeps comments, so the commit keeps its message".into(),
        )
    };
    if amend && env.no_editor() {
        return keeps_message();
    }
    // git's message settings do not change what is staged: the two are read at once.
    let (settings, change) = std::thread::scope(|scope| {
        let settings =
            std::thread::Builder::new().spawn_scoped(scope, || git_cli::message_settings(env));
        let change = draft::change(env, base, None);
        let settings = match settings {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: they are read after the change instead.
            Err(_) => git_cli::message_settings(env),
        };
        (settings, change)
    });
    let prefix = comment_prefix(settings.comment.as_deref(), &existing);
    if amend && !git_strips_comments(&existing, &prefix) {
        return keeps_message();
    }
    let staged = match change {
        Ok(staged) => staged,
        Err(e) => return HookReport::Untouched(format!("{e}{config_note}")),
    };
    let wish = Wish {
        intent: intent(env, source, &existing, &prefix),
        commit: None,
    };
    let outcome = draft::draft_for(env, &loaded.config, staged, &wish);
    let note = note_line(env, &existing, &prefix, &outcome);
    let by_model = matches!(
        outcome.provenance,
        Provenance::Model { .. } | Provenance::Cached { .. }
    );
    if amend && !by_model {
        // A summary is no better than the message the person wrote: that one stays.
        let new = compose(&existing, None, note.as_deref());
        if new != existing {
            if let Err(e) = write_atomically(&args.msgfile, &new) {
                return HookReport::Untouched(format!(
                    "cannot write {}: {e}",
                    args.msgfile.display()
                ));
            }
        }
        return HookReport::Done(format!("{}{config_note}", outcome.describe()));
    }
    if amend {
        if let Some(message) = outcome.message.as_deref() {
            let (commented, trailers) = comment_out_message(&existing, &prefix);
            let message = match trailers {
                Some(t) => t
                    .lines()
                    .filter(|line| !message.contains(line))
                    .fold(message.to_string(), |m, line| {
                        ticket::with_trailer(&m, line)
                    }),
                None => message.to_string(),
            };
            let note = note.map(|n| {
                format!("{n}\n{prefix} ai-commit: the message it replaces is below, as comments")
            });
            let new = compose(&commented, Some(&message), note.as_deref());
            if let Err(e) = write_atomically(&args.msgfile, &new) {
                return HookReport::Untouched(format!(
                    "cannot write {}: {e}",
                    args.msgfile.display()
                ));
            }
            return HookReport::Done(format!("{}{config_note}", outcome.describe()));
        }
    }
    let new = compose_with_trailers(
        &existing,
        outcome.message.as_deref(),
        note.as_deref(),
        &prefix,
    );
    if new != existing {
        if let Err(e) = write_atomically(&args.msgfile, &new) {
            return HookReport::Untouched(format!("cannot write {}: {e}", args.msgfile.display()));
        }
    }
    HookReport::Done(format!("{}{config_note}", outcome.describe()))
}

/// The comment line under the message, only when git will strip comments: with no editor
/// (`GIT_EDITOR=:`) or a cleanup mode that keeps them (`commit.cleanup` or `--cleanup`
/// whitespace, verbatim, scissors), a comment would be committed. The file git wrote is what
/// says which mode is in force: the flag never reaches the hook.
/// The other candidates follow it, one comment line each, so swapping one in is an edit.
fn note_line(
    env: &Environment,
    existing: &[u8],
    prefix: &str,
    outcome: &Outcome,
) -> Option<String> {
    if env.no_editor() {
        return None;
    }
    if !git_strips_comments(existing, prefix) {
        return None;
    }
    let mut note = format!("{prefix} ai-commit: {}", one_line(&outcome.describe()));
    if !outcome.alternatives.is_empty() {
        note.push_str(&format!(
            "\n{prefix} ai-commit: other candidates, to put in place of the subject above:"
        ));
        for alternative in &outcome.alternatives {
            note.push_str(&format!("\n{prefix}   {}", one_line(alternative)));
        }
    }
    Some(note)
}

/// [`compose`], except that the message's trailers (`Assisted-by:`, `Refs:`) join the trailer
/// block git already wrote (`-s`, `--trailer`), so that git reads them as one block.
fn compose_with_trailers(
    existing: &[u8],
    message: Option<&str>,
    note: Option<&str>,
    prefix: &str,
) -> Vec<u8> {
    let split = message.map(ticket::split_trailers);
    match (split, trailer_block_end(existing, prefix)) {
        (Some((body, Some(trailers))), Some(end)) => {
            let mut joined = existing[..end].to_vec();
            joined.extend_from_slice(trailers.as_bytes());
            joined.push(b'\n');
            joined.extend_from_slice(&existing[end..]);
            compose(&joined, Some(body), note)
        }
        _ => compose(existing, message, note),
    }
}

/// Why the change was made, as the person said it: `AI_COMMIT_CONTEXT`, and for a plain or
/// template commit the text already above git's comments (a filled-in template line). The old
/// message of an amended commit is no statement of intent.
fn intent(env: &Environment, source: Source, existing: &[u8], prefix: &str) -> Option<String> {
    let written = matches!(source, Source::Plain | Source::Template)
        .then(|| written_text(existing, prefix))
        .flatten();
    let parts: Vec<String> = [env.ai_commit_context.clone(), written]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn is_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly())
}
