//! ai-commit drafts commit messages for `git commit` with a local model, and never breaks a
//! commit: `hook` is git's prepare-commit-msg hook, `generate` prints a message to stdout.
//!
//! Pipeline, one way: [`draft`] drafts for both modes: [`staged`] reads the staged changes ->
//! [`generate`] runs the exchange: [`prompt`] builds every request -> [`llm`] asks the model
//! within one deadline -> [`message`] judges every reply -> [`summary`] stands in when that
//! fails -> [`msgfile`] writes it above git's own text. Wherever git itself must answer (its
//! comment settings, the hooks directory, the config that `install` changes), [`git_cli`] runs
//! it. Every file a repository, a variable or git names is opened through [`untrusted`].
//! ARCHITECTURE.md draws the whole path.

pub mod answers;
pub mod bumps;
pub mod cli;
pub mod config;
pub mod diff;
pub mod doctor;
pub mod draft;
pub mod env;
pub mod error;
pub mod facts;
pub mod generate;
pub mod git_cli;
pub mod hook;
pub mod index;
pub mod install;
pub mod llm;
pub mod message;
pub mod msgfile;
pub mod prompt;
pub mod redact;
pub mod run;
pub mod speed;
pub mod spinner;
pub mod staged;
pub mod style;
pub mod summary;
pub mod ticket;
pub mod untrusted;
