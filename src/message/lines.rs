//! Questions about lines of text that several cleaning steps ask, kept here so that no step
//! has to depend on another for them.

/// Whether any of `lines` holds more than whitespace.
pub(super) fn has_text(lines: &[String]) -> bool {
    lines.iter().any(|l| !l.trim().is_empty())
}
