//! A one-line progress indicator on stderr while the model thinks: the model's name and the
//! seconds waited, erased when done. Drawn only on a terminal, so GUI clients and logs see none.

use std::io::Write;
use std::time::Duration;

const FRAMES: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The spinner's state.
pub struct Spinner {
    label: String,
    enabled: bool,
    drawn: bool,
    frame: usize,
}

impl Spinner {
    /// A spinner showing `label`, drawn only when `enabled` (stderr is a terminal).
    pub fn new(label: impl Into<String>, enabled: bool) -> Self {
        Spinner {
            label: label.into(),
            enabled,
            drawn: false,
            frame: 0,
        }
    }

    /// Redraws with the time waited so far.
    pub fn tick(&mut self, elapsed: Duration) {
        if !self.enabled {
            return;
        }
        self.frame = (self.frame + 1) % FRAMES.len();
        let mut err = std::io::stderr().lock();
        // A failed write to stderr only loses the animation.
        let _ = write!(
            err,
            "\r\x1b[2K{} {} {:.0}s",
            FRAMES[self.frame],
            self.label,
            elapsed.as_secs_f64().floor()
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erases the line if anything was drawn.
    pub fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.clear();
    }
}
