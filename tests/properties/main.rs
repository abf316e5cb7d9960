//! Property tests of the pure parts between the model and git's message file: the reply cleaner
//! (`message::clean`) and the message file writer (`msgfile::compose`, `msgfile::comment_prefix`).
//!
//! Every property runs a fixed number of cases from a fixed seed, so CI is deterministic and
//! bounded in time. To explore further, set `PROPTEST_CASES` (cases per property) and
//! `PROPTEST_RNG_SEED` (any u64): both override the defaults here. A failure is not saved to a
//! file; write the minimal input proptest prints into `regressions.rs` as a plain `#[test]`.

mod addresses;
mod clean;
mod gen;
mod msgfile;
mod names;
mod regressions;

use proptest::test_runner::{Config, RngSeed};

/// The seed used unless `PROPTEST_RNG_SEED` is set.
const SEED: u64 = 0x5eed_a1c0_3317;

/// A configuration running `cases` cases (or `PROPTEST_CASES`), from the fixed seed (or
/// `PROPTEST_RNG_SEED`), without writing failures to the source tree.
pub fn config(cases: u32) -> Config {
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    Config {
        cases: env("PROPTEST_CASES").unwrap_or(cases),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        // A failing case should be reported, not shrunk for minutes on a 2-core CI machine.
        max_shrink_time: 60_000,
        ..Config::default()
    }
}
