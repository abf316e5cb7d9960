//! Carries out a parsed command line and says how it went as an exit code.

use std::io::Write;

use clap::CommandFactory;
use std::process::ExitCode;

use crate::cli::{Cli, Command, GenerateArgs, HookArgs, InstallArgs};
use crate::config::{self, Fallback, Flags};
use crate::draft::{self, draft, style_of, NoChange, Wish};
use crate::env::Environment;
use crate::error::{report, tell, Plain};
use crate::staged::{self, Base};
use crate::{doctor, hook, install, prompt};

/// Runs the command; the hook always succeeds.
pub fn run(cli: Cli, env: &Environment) -> ExitCode {
    let flags = cli.overrides;
    match cli.command {
        None => run_generate(env, &flags, &cli.generate),
        Some(Command::Generate(args)) => run_generate(env, &flags, &args),
        Some(Command::Hook(args)) => run_hook(env, &flags, args),
        Some(Command::Install(args)) => run_install(env, &args),
        Some(Command::Uninstall { global }) => {
            let result = if global {
                install::global::uninstall(env)
            } else {
                install::uninstall(env).map(|(path, done)| format!("{} {done}", path.display()))
            };
            match result {
                Ok(said) => say(&format!("ai-commit: {said}\n")),
                Err(e) => fail(&e, e.hint()),
            }
        }
        Some(Command::Config { prompt }) => run_config(env, &flags, prompt),
        Some(Command::Completions { shell }) => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ai-commit", &mut buf);
            say(&String::from_utf8_lossy(&buf))
        }
        Some(Command::Man) => {
            let mut buf = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                Ok(()) => say(&String::from_utf8_lossy(&buf)),
                Err(e) => fail(&e, None),
            }
        }
        Some(Command::Warm { wait }) => run_warm(env, &flags, wait),
        Some(Command::Doctor) => {
            let findings = doctor::check(env, &flags);
            let printed = say(&doctor::render(&findings));
            if findings.iter().any(|f| f.level == doctor::Level::Problem) {
                ExitCode::FAILURE
            } else {
                printed
            }
        }
    }
}

/// `warm`: in the background unless `wait`; never prints when it detaches.
fn run_warm(env: &Environment, flags: &Flags, wait: bool) -> ExitCode {
    if !wait {
        // The same command with --wait, detached: the caller (an editor, a pre-commit hook)
        // goes on at once, and nothing of ours reaches its terminal.
        let Ok(me) = std::env::current_exe() else {
            return ExitCode::SUCCESS;
        };
        let mut child = std::process::Command::new(me);
        if let Some(model) = &flags.model {
            child.args(["--model", model]);
        }
        if let Some(host) = &flags.host {
            child.args(["--host", host]);
        }
        if let Some(timeout) = flags.timeout {
            child.args(["--timeout", &timeout.to_string()]);
        }
        use std::os::unix::process::CommandExt;
        let _ = child
            .args(["warm", "--wait"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn();
        return ExitCode::SUCCESS;
    }
    let work_tree = staged::work_tree(env);
    let loaded = config::load(env, work_tree.as_deref(), flags);
    match draft::warm(env, &loaded.config) {
        Ok(seconds) => say(&format!(
            "ai-commit: {} is ready ({seconds:.1}s)\n",
            loaded.config.model.value
        )),
        Err(e) => fail(&e, None),
    }
}

fn run_install(env: &Environment, args: &InstallArgs) -> ExitCode {
    let result = if let Some(dir) = &args.hooks_dir {
        install::global::install_into(env, dir)
    } else if args.config_hook {
        install::global::install_config_hook(env)
    } else if args.global {
        install::global::install(env, args.force)
    } else {
        install::install(env, args.force).map(|(path, done)| format!("{done} {}", path.display()))
    };
    match result {
        Ok(said) => say(&format!("ai-commit: {said}\n")),
        Err(e) => fail(&e, e.hint()),
    }
}

fn fail(err: &dyn std::error::Error, hint: Option<&str>) -> ExitCode {
    report(err, hint);
    ExitCode::FAILURE
}

/// The hook: whatever happens, one line on stderr at most and exit 0.
fn run_hook(env: &Environment, flags: &Flags, mut args: HookArgs) -> ExitCode {
    // The pre-commit framework passes only the message file, and the source in its
    // environment.
    args.source = args.source.or_else(|| env.pre_commit_source.clone());
    if let Some(line) = hook::run(env, &args, flags).line() {
        tell(&line);
    }
    ExitCode::SUCCESS
}

fn run_generate(env: &Environment, flags: &Flags, args: &GenerateArgs) -> ExitCode {
    let work_tree = staged::work_tree(env);
    let mut loaded = config::load(env, work_tree.as_deref(), flags);
    for e in &loaded.errors {
        tell(&format!("ai-commit: warning: config skipped: {e}"));
    }
    if args.no_fallback {
        loaded.config.fallback.value = Fallback::None;
    }
    if let Some(n) = args.candidates {
        loaded.config.candidates.value = usize::from(n);
        loaded.config.candidates.origin = config::Origin::Flag("--candidates");
    }
    let wish = Wish {
        intent: args.context.clone().filter(|c| !c.trim().is_empty()),
        commit: args.rev.clone(),
    };
    if args.dry_run {
        return match draft::dry_run(env, &loaded.config, Base::Head, &wish) {
            Ok(text) => say(&text),
            Err(draft::DryRunError::NoChange(NoChange::NothingStaged)) => fail(
                &Plain("nothing is staged".into()),
                Some("stage changes with `git add` first"),
            ),
            Err(e) => fail(&e, None),
        };
    }
    let outcome = match draft(env, &loaded.config, Base::Head, &wish) {
        Ok(outcome) => outcome,
        Err(NoChange::NothingStaged) => {
            let err = Plain("nothing is staged".into());
            return fail(&err, Some("stage changes with `git add` first"));
        }
        Err(e) => return fail(&e, None),
    };
    match &outcome.message {
        Some(message) => {
            let mut out = std::io::stdout().lock();
            // With candidates asked for, the subjects numbered, the best (with its body) first.
            let text = if loaded.config.candidates.value > 1 {
                numbered(message, &outcome.alternatives)
            } else {
                message.clone()
            };
            if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
                // The reader went away (a closed pipe): nothing more to say to it.
                return ExitCode::FAILURE;
            }
            tell(&format!("ai-commit: {}", outcome.describe()));
            ExitCode::SUCCESS
        }
        None => fail(&Plain(outcome.describe()), None),
    }
}

/// `1. <message>` (its body indented under it), then `2. <subject>` and on.
fn numbered(message: &str, alternatives: &[String]) -> String {
    let mut text = String::new();
    for (i, line) in message.lines().enumerate() {
        match i {
            0 => text.push_str(&format!("1. {line}")),
            _ if line.is_empty() => text.push('\n'),
            _ => text.push_str(&format!("\n   {line}")),
        }
    }
    for (i, alternative) in alternatives.iter().enumerate() {
        text.push_str(&format!("\n{}. {alternative}", i + 2));
    }
    text
}

fn run_config(env: &Environment, flags: &Flags, prompt: bool) -> ExitCode {
    let work_tree = staged::work_tree(env);
    let loaded = config::load(env, work_tree.as_deref(), flags);
    let mut text = String::new();
    if prompt {
        text.push_str(&prompt_text(&loaded.config, &staged::history(env)));
    } else {
        match config::user_file(env) {
            Some(p) => text.push_str(&format!("# user file: {}\n", p.display())),
            None => text.push_str("# user file: none (HOME is not set)\n"),
        }
        if let Some(top) = &work_tree {
            let repo_file = top.join(config::REPO_FILE);
            text.push_str(&format!("# repository file: {}\n", repo_file.display()));
        }
        text.push_str(&loaded.config.render());
    }
    let printed = say(&text);
    if loaded.errors.is_empty() {
        return printed;
    }
    for e in &loaded.errors {
        report(
            e,
            Some("the file was skipped; the values above come from the other layers"),
        );
    }
    ExitCode::FAILURE
}

/// Every instruction a request for this repository would carry: the system message as sent,
/// then what a corrective retry adds and, for structured replies, the schema asked for (a
/// subject alone is asked for as one line, which the server ends at the newline).
fn prompt_text(config: &config::Config, history: &[crate::style::Past]) -> String {
    // As for a small change: `body = "auto"` asks for one only where a change earns it.
    let style = style_of(config, history, &[], &crate::facts::Facts::default());
    let mut text = prompt::system(config, &style);
    text.push_str("\n\n# When a reply cannot be used, one retry adds this message:\n");
    text.push_str(&prompt::correction("<why>", config, &style));
    text.push('\n');
    if let Some(schema) = prompt::schema_for(config, &style) {
        text.push_str(&format!(
            "\n# The reply is asked for in this JSON schema:\n{schema}\n"
        ));
    } else if prompt::reply_form(config, &style) == prompt::ReplyForm::Line {
        text.push_str(
            "\n# The reply is asked for as one line: the server ends it at the newline.\n",
        );
    }
    text
}

/// Prints to stdout. A reader that went away (`| head`) is not an error worth a panic or a
/// message: what it wanted, it read.
fn say(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
