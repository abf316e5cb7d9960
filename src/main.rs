//! The `ai-commit` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use ai_commit::cli::Cli;
use ai_commit::env::Environment;
use ai_commit::error::tell;
use clap::Parser;

fn main() -> ExitCode {
    let hook_mode = std::env::args_os().nth(1).is_some_and(|a| a == "hook");
    if hook_mode {
        // A commit must never fail because of us: a panic anywhere becomes one line on stderr.
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tell(&format!(
                "ai-commit: internal error{at}; message left as it was"
            ));
        }));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if hook_mode && e.use_stderr() => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("");
            tell(&format!("ai-commit: {first}; message left as it was"));
            return ExitCode::SUCCESS;
        }
        Err(e) => e.exit(),
    };
    let env = Environment::from_process();
    match std::panic::catch_unwind(|| ai_commit::run::run(cli, &env)) {
        Ok(code) => code,
        Err(_) if hook_mode => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
