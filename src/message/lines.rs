//! Questions about lines of text that several cleaning steps ask, kept here so that no step
//! has to depend on another for them.

/// Whether any of `lines` holds more than whitespace.
pub(super) fn has_text(lines: &[String]) -> bool {
    lines.iter().any(|l| !l.trim().is_empty())
}

/// How many spaces `line` starts with.
pub(super) fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}
