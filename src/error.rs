//! Rendering a failed command for a person: `error: ...`, each `caused by: ...`, then a `hint:`.

use std::error::Error;
use std::io::Write;

/// Writes `err` and its causes to stderr, with an optional hint.
pub fn report(err: &dyn Error, hint: Option<&str>) {
    let mut out = std::io::stderr().lock();
    // Nothing sensible is left to do if stderr itself fails.
    let _ = writeln!(out, "error: {err}");
    let mut cause = err.source();
    while let Some(c) = cause {
        let _ = writeln!(out, "caused by: {c}");
        cause = c.source();
    }
    if let Some(h) = hint {
        let _ = writeln!(out, "hint: {h}");
    }
}

/// Writes one line to stderr. Never panics: a closed stderr (some GUI clients) must not turn
/// a message into a crash, least of all in the hook.
pub fn tell(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// A failure with no error value behind it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Plain(pub String);
