//! The hook in other ecosystems: the real pre-commit framework (from PyPI) running our
//! `.pre-commit-hooks.yaml`, and Nix evaluating `default.nix` and the README's snippets against a
//! stand-in for nixpkgs written here.
//!
//! Both need tools that `.ci/run` installs (`pre-commit`, Debian's `nix-bin`). Where one is
//! missing, a test says so in one stderr line naming the command that installs it and passes
//! without running, so that `cargo test` passes on a fresh clone; `.ci/run` exports
//! `AI_COMMIT_REQUIRE_TOOLS=1` (and a CI runner's `CI=true` means the same unless that variable
//! is `0`), and then a missing tool fails the test. Nothing reaches a network: pre-commit clones
//! our hook repository from a local path (and git may use no other transport), and Nix evaluates
//! against `dummy://`, a store that has no daemon, no database and nothing to download.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{
    assert_ok, describe, sh_quote, stderr, stdout, user_message, world, TestEnv, BIN,
};

/// The work tree of this package: `.pre-commit-hooks.yaml`, `default.nix`, `README.md`.
const PROJECT: &str = env!("CARGO_MANIFEST_DIR");

const REPLY: &str = "Add greeting to hello.txt";

fn project_file(rel: &str) -> PathBuf {
    Path::new(PROJECT).join(rel)
}

fn read_project_file(rel: &str) -> String {
    let path = project_file(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Whether `program --version` runs in the test environment. When it does not: panics, naming
/// what installs it, if the tools are required (see the module's header); else prints one line
/// saying the test is skipped and returns false, and the caller returns.
pub(crate) fn have_tool(env: &TestEnv, program: &str, installed_by: &str) -> bool {
    let mut cmd = env.command(program, env.root());
    cmd.arg("--version");
    if cmd.output().is_ok_and(|out| out.status.success()) {
        return true;
    }
    assert!(
        !tools_required(),
        "`{program} --version` failed: {program} is needed for this test ({installed_by}, as .ci/run does)"
    );
    eprintln!(
        "skipped: {program} is not installed ({installed_by} to run this test; \
         AI_COMMIT_REQUIRE_TOOLS=1 makes a missing tool fail)"
    );
    false
}

/// `AI_COMMIT_REQUIRE_TOOLS=1` (set by `.ci/run`), or `CI=true` unless that variable is `0`.
fn tools_required() -> bool {
    match std::env::var("AI_COMMIT_REQUIRE_TOOLS").ok().as_deref() {
        Some("0") => false,
        Some(v) if !v.is_empty() => true,
        _ => std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
    }
}

// ---------------------------------------------------------------------------------------------
// pre-commit

/// The hook through the pre-commit framework, as a user sets it up: a hook repository holding our
/// `.pre-commit-hooks.yaml`, a project whose `.pre-commit-config.yaml` names it, an existing
/// `pre-commit` stage hook, then `pre-commit install --hook-type prepare-commit-msg`.
///
/// A plain `git commit` gets the model's message; `git commit -m` keeps the user's message and
/// sends nothing (git's source argument reaches the hook only as PRE_COMMIT_COMMIT_MSG_SOURCE);
/// the `pre-commit` stage hook still runs for both commits.
#[test]
fn pre_commit_framework_runs_the_hook_and_passes_the_commit_source() {
    let (standin, env) = world(REPLY);
    if !have_tool(&env, "pre-commit", "python3 -m pip install pre-commit") {
        return;
    }
    let bin_dir = Path::new(BIN).parent().expect("the binary's directory");
    let inherited = env
        .base_vars()
        .into_iter()
        .find(|(key, _)| key == "PATH")
        .map(|(_, value)| value)
        .unwrap_or_default();
    // `language: system` runs `ai-commit` from PATH; the shim's variable plays no part here.
    env.set_env("PATH", &format!("{}:{inherited}", bin_dir.display()));
    env.unset_env("AI_COMMIT_BIN");
    // A fresh store inside this test's directory; git may clone from local paths only.
    let store = env.root().join("pre-commit-home");
    assert!(!store.exists(), "{} already exists", store.display());
    env.set_env("PRE_COMMIT_HOME", &store.to_string_lossy());
    env.set_env("GIT_ALLOW_PROTOCOL", "file");

    let hooks = env.repo("hook-repo");
    hooks.stage(
        ".pre-commit-hooks.yaml",
        read_project_file(".pre-commit-hooks.yaml"),
    );
    hooks.git_ok(&["commit", "-q", "-m", "Add the hook definitions"]);
    let rev = hooks.git_ok(&["rev-parse", "HEAD"]).trim().to_owned();

    let marker = env.root().join("pre-commit-stage-ran.txt");
    let config = format!(
        "repos:\n\
         \x20 - repo: {hook_repo}\n\
         \x20   rev: {rev}\n\
         \x20   hooks:\n\
         \x20     - id: ai-commit\n\
         \x20 - repo: local\n\
         \x20   hooks:\n\
         \x20     - id: marker\n\
         \x20       name: marker\n\
         \x20       language: system\n\
         \x20       entry: {entry}\n\
         \x20       stages: [pre-commit]\n\
         \x20       pass_filenames: false\n\
         \x20       always_run: true\n",
        hook_repo = yaml_quote(&hooks.path().to_string_lossy()),
        entry = yaml_quote(&format!("sh -c 'echo ran >> {}'", sh_quote(&marker))),
    );
    let repo = env.repo("project");
    repo.stage(".pre-commit-config.yaml", &config);
    repo.git_ok(&["commit", "-q", "-m", "Add the pre-commit configuration"]);

    // The project already used pre-commit for its `pre-commit` stage; then adds ours.
    for hook_type in ["pre-commit", "prepare-commit-msg"] {
        let mut cmd = env.command("pre-commit", repo.path());
        cmd.args(["install", "--hook-type", hook_type]);
        let out = env.run(cmd);
        assert_ok(&out, &format!("pre-commit install --hook-type {hook_type}"));
    }
    let installed = repo.hook_path();
    let shim = fs::read_to_string(&installed).expect("pre-commit wrote prepare-commit-msg");
    assert!(
        shim.contains("pre-commit") && shim.contains("--hook-type=prepare-commit-msg"),
        "{} is not pre-commit's hook:\n{shim}",
        installed.display()
    );

    // A plain commit: the model's message.
    repo.stage("hello.txt", "Hello, world!\n");
    let out = repo.git(&["commit"]);
    assert_ok(&out, "git commit through pre-commit");
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert!(
        user_message(&standin, &out).contains("hello.txt"),
        "the prompt does not name the staged file"
    );
    assert_eq!(marker_lines(&marker), 1, "{}", describe(&out));

    // `git commit -m`: the user's message, and not one request.
    let before = standin.requests().len();
    repo.stage("hello.txt", "Hello again!\n");
    let out = repo.git(&["commit", "-m", "mine"]);
    assert_ok(&out, "git commit -m through pre-commit");
    assert_eq!(
        repo.commit_msg_of("HEAD"),
        "mine",
        "the hook wrote over a -m message: PRE_COMMIT_COMMIT_MSG_SOURCE was not honoured\n{}",
        describe(&out)
    );
    assert_eq!(
        standin.requests().len(),
        before,
        "the stand-in was asked for a -m commit: {:#?}\n{}",
        standin.chat_requests(),
        describe(&out)
    );
    assert_eq!(marker_lines(&marker), 2, "{}", describe(&out));

    // pre-commit's store is this test's own and holds one clone, of the local hook repository.
    let clones: Vec<PathBuf> = fs::read_dir(&store)
        .unwrap_or_else(|e| panic!("read {}: {e}", store.display()))
        .map(|entry| entry.expect("a store entry").path())
        .filter(|path| path.is_dir())
        .collect();
    assert_eq!(clones.len(), 1, "pre-commit's store holds {clones:#?}");
    let origin = env.git(&clones[0], &["remote", "get-url", "origin"]);
    assert_ok(&origin, "git remote get-url origin in pre-commit's clone");
    assert_eq!(
        Path::new(stdout(&origin).trim_end()),
        hooks.path(),
        "pre-commit cloned something other than the local hook repository"
    );
}

/// pre-commit's own schema accepts our manifest and the README's `.pre-commit-config.yaml`
/// snippet, without a warning (a mutable `rev`, an unexpected key).
#[test]
fn pre_commit_accepts_the_manifest_and_the_readme_config() {
    let env = TestEnv::new();
    if !have_tool(&env, "pre-commit", "python3 -m pip install pre-commit") {
        return;
    }
    env.set_env(
        "PRE_COMMIT_HOME",
        &env.root().join("pre-commit-home").to_string_lossy(),
    );
    let readme = read_project_file("README.md");
    let blocks = fenced_blocks(markdown_section(&readme, "## pre-commit"), "yaml");
    assert_eq!(blocks.len(), 1, "expected one yaml block: {blocks:#?}");
    assert!(blocks[0].contains("- id: ai-commit"), "{}", blocks[0]);
    let config = env.root().join("readme-pre-commit-config.yaml");
    fs::write(&config, &blocks[0]).expect("write the README's config");

    for (subcommand, file) in [
        ("validate-manifest", project_file(".pre-commit-hooks.yaml")),
        ("validate-config", config),
    ] {
        let mut cmd = env.command("pre-commit", env.root());
        cmd.arg(subcommand).arg(&file);
        let out = env.run(cmd);
        assert_ok(&out, &format!("pre-commit {subcommand} {}", file.display()));
        assert!(
            !stdout(&out).contains("WARNING") && !stderr(&out).contains("WARNING"),
            "pre-commit {subcommand} warned\n{}",
            describe(&out)
        );
    }
}

fn marker_lines(marker: &Path) -> usize {
    fs::read_to_string(marker)
        .map(|text| text.lines().filter(|line| *line == "ran").count())
        .unwrap_or(0)
}

/// A YAML double-quoted scalar.
fn yaml_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---------------------------------------------------------------------------------------------
// Nix

/// The stand-in for nixpkgs: the attributes `default.nix` and the README's snippets use, and
/// `callPackage` as nixpkgs defines it (arguments taken from the package set by name, then the
/// overrides), without the override machinery. A derivation is the attribute set it was built
/// from, with an `outPath` so that `"${package}"` works as it does for a real one.
const NIXPKGS_STANDIN: &str = r#"
let
  storePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  package = pname: { type = "derivation-standin"; inherit pname; outPath = storePath pname; };
  pkgs = {
    lib = {
      cleanSourceWith = { src, filter ? (_: _: true), name ? "source" }:
        { standin = "cleanSourceWith"; origSrc = src; inherit filter name; };
      importTOML = path: builtins.fromTOML (builtins.readFile path);
      licenses.mit = { spdxId = "MIT"; shortName = "mit"; };
      platforms.unix = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    };
    rustPlatform.buildRustPackage = attrs: attrs // {
      type = "derivation-standin";
      outPath = storePath "${attrs.pname}-${attrs.version}";
    };
    git = package "git";
    installShellFiles = package "installShellFiles";
    util-linux = package "util-linux";
    callPackage = fn: overrides:
      let f = if builtins.isFunction fn then fn else import fn;
      in f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // overrides);
  };
in
pkgs
"#;

/// `nix-instantiate` with its configuration, state and cache inside the test's directory and the
/// `dummy://` store: evaluation reads files but can neither build nor fetch.
struct Nix<'a> {
    env: &'a TestEnv,
}

impl<'a> Nix<'a> {
    /// `None` (the test returns) where nix-instantiate is missing and not required.
    fn new(env: &'a TestEnv) -> Option<Nix<'a>> {
        if !have_tool(env, "nix-instantiate", "apt-get install nix-bin") {
            return None;
        }
        for sub in ["nix-conf", "nix-state", "nix-log", "nix-cache"] {
            fs::create_dir_all(env.root().join(sub)).expect("create a Nix directory");
        }
        fs::write(
            env.root().join("nixpkgs-standin.nix"),
            NIXPKGS_STANDIN.trim_start(),
        )
        .expect("write the nixpkgs stand-in");
        Some(Nix { env })
    }

    fn run(&self, args: &[&str]) -> Output {
        let root = self.env.root();
        let mut cmd = self.env.command("nix-instantiate", root);
        cmd.arg("--store")
            .arg("dummy://")
            .args(args)
            .env("NIX_CONF_DIR", root.join("nix-conf"))
            .env(
                "NIX_USER_CONF_FILES",
                root.join("nix-conf").join("nix.conf"),
            )
            .env("NIX_STATE_DIR", root.join("nix-state"))
            .env("NIX_LOG_DIR", root.join("nix-log"))
            .env("XDG_CACHE_HOME", root.join("nix-cache"))
            .env("NIX_PATH", "");
        self.env.run(cmd)
    }

    /// `nix-instantiate --eval --strict --json <file> --argstr project <PROJECT>`, parsed.
    fn eval_json(&self, file: &str, expression: &str) -> Value {
        fs::write(self.env.root().join(file), expression).expect("write the expression");
        let out = self.run(&[
            "--eval", "--strict", "--json", file, "--argstr", "project", PROJECT,
        ]);
        assert_ok(&out, &format!("nix-instantiate --eval {file}"));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{file} did not give JSON: {e}\n{}", describe(&out)))
    }
}

#[test]
fn default_nix_parses() {
    let env = TestEnv::new();
    let Some(nix) = Nix::new(&env) else {
        return;
    };
    let path = project_file("default.nix");
    let out = nix.run(&["--parse", &path.to_string_lossy()]);
    assert_ok(&out, "nix-instantiate --parse default.nix");
    assert!(
        stdout(&out).contains("buildRustPackage"),
        "{}",
        describe(&out)
    );
}

/// `pkgs.callPackage ./default.nix { }` against the stand-in: every argument is a package-set
/// attribute, and the attributes handed to `buildRustPackage` are the ones the README promises.
/// Only strings are taken out of the result: a path printed as JSON would be copied to the store.
#[test]
fn default_nix_evaluates_with_call_package() {
    let env = TestEnv::new();
    let Some(nix) = Nix::new(&env) else {
        return;
    };
    let result = nix.eval_json(
        "eval-default.nix",
        r#"{ project }:
let
  pkgs = import ./nixpkgs-standin.nix;
  file = /. + "${project}/default.nix";
  args = builtins.functionArgs (import file);
  pkg = pkgs.callPackage file { };
  keeps = path: type: pkg.src.filter "${project}/${path}" type;
in
{
  arguments = builtins.attrNames args;
  missing = builtins.filter (name: !(pkgs ? ${name})) (builtins.attrNames args);
  inherit (pkg) type pname version postInstall;
  lockFile = toString pkg.cargoLock.lockFile;
  src = toString pkg.src.origSrc;
  keepsSources = keeps "src" "directory" && keeps "Cargo.toml" "regular" && keeps "hooks" "directory";
  dropsTarget = !(keeps "target" "directory");
  dropsGit = !(keeps ".git" "directory");
  nativeCheckInputs = map (p: p.pname) (pkg.nativeCheckInputs or [ ]);
  checkFlags = pkg.checkFlags or [ ];
  mainProgram = pkg.meta.mainProgram;
  license = pkg.meta.license.spdxId;
}
"#,
    );

    assert_eq!(
        result["missing"],
        Value::Array(vec![]),
        "default.nix takes arguments that are not package-set attributes (or not in the \
         stand-in): {result:#}"
    );
    assert_eq!(result["type"], "derivation-standin", "{result:#}");
    assert_eq!(result["pname"], "ai-commit", "{result:#}");
    let cargo: toml::Table =
        toml::from_str(&read_project_file("Cargo.toml")).expect("Cargo.toml parses");
    let cargo_version = cargo["package"]["version"]
        .as_str()
        .expect("package.version");
    assert_eq!(
        result["version"], cargo_version,
        "default.nix's version is not Cargo.toml's: {result:#}"
    );
    assert_eq!(
        result["lockFile"],
        project_file("Cargo.lock").to_string_lossy().as_ref(),
        "{result:#}"
    );
    assert!(project_file("Cargo.lock").is_file());
    assert_eq!(result["src"], PROJECT, "{result:#}");
    for key in ["keepsSources", "dropsTarget", "dropsGit"] {
        assert_eq!(result[key], true, "source filter: {key}: {result:#}");
    }
    let check_inputs = result["nativeCheckInputs"]
        .as_array()
        .expect("nativeCheckInputs");
    assert!(
        check_inputs.contains(&Value::from("git")),
        "the tests need git: {result:#}"
    );
    // The sandbox has neither pre-commit nor nix-instantiate: these tests are CI's.
    assert!(
        result["checkFlags"]
            .as_array()
            .is_some_and(|flags| flags.contains(&Value::from("--skip=ecosystems::"))),
        "the Nix build would run the ecosystem tests: {result:#}"
    );
    assert_eq!(result["mainProgram"], "ai-commit", "{result:#}");
    assert_eq!(result["license"], "MIT", "{result:#}");
    // What it installs there, and that it works, is the next test's.
    let post_install = result["postInstall"].as_str().expect("postInstall");
    assert!(
        post_install.contains("$out/share/ai-commit/hooks"),
        "postInstall does not install the hooks directory:\n{post_install}"
    );
}

/// default.nix's `postInstall` run as stdenv runs it (bash, `set -eu -o pipefail`, in the source
/// tree, with a `substituteInPlace` that fails like nixpkgs' `--replace-fail` on a missing
/// pattern), then the installed directory used the way the NixOS snippet uses it: `core.hooksPath`
/// in the system git config, no `ai-commit install`, no `AI_COMMIT_BIN`, ai-commit not on PATH.
#[test]
fn default_nix_post_install_ships_a_working_hooks_directory() {
    let (standin, env) = world(REPLY);
    let Some(nix) = Nix::new(&env) else {
        return;
    };
    let post_install = nix.eval_json(
        "eval-post-install.nix",
        r#"{ project }: ((import ./nixpkgs-standin.nix).callPackage (/. + "${project}/default.nix") { }).postInstall"#,
    );
    let post_install = post_install.as_str().expect("postInstall is a string");

    // The package's binary where buildRustPackage's install phase puts it, before postInstall
    // (which may run it).
    let out_dir = env.root().join("out");
    let installed_bin = out_dir.join("bin/ai-commit");
    fs::create_dir_all(installed_bin.parent().expect("bin dir")).expect("create $out/bin");
    fs::copy(BIN, &installed_bin).expect("copy the binary into $out/bin");
    let script = format!(
        r#"set -eu -o pipefail
substituteInPlace() {{
  local file=$1 content
  shift
  content=$(cat "$file"; printf x)
  content=${{content%x}}
  while [ $# -gt 0 ]; do
    case $1 in
      --replace-fail)
        if [[ $content != *"$2"* ]]; then
          echo "substituteInPlace: pattern $2 not found in $file" >&2
          return 1
        fi
        content=${{content//"$2"/"$3"}}
        shift 3
        ;;
      *)
        echo "substituteInPlace stand-in: unsupported option $1" >&2
        return 1
        ;;
    esac
  done
  printf '%s' "$content" > "$file"
}}
out={out}
{post_install}
"#,
        out = sh_quote(&out_dir),
    );
    let mut cmd = env.command("bash", Path::new(PROJECT));
    // The build sandbox's HOME, which does not exist.
    cmd.arg("-c").arg(&script).env("HOME", "/homeless-shelter");
    let out = env.run(cmd);
    assert_ok(&out, "default.nix's postInstall");

    let hooks_dir = out_dir.join("share/ai-commit/hooks");
    let shim_path = hooks_dir.join("prepare-commit-msg");
    let shim = fs::read_to_string(&shim_path).expect("postInstall installed the shim");
    assert!(
        shim.contains(&format!(
            "AI_COMMIT_INSTALLED_BIN='{}'",
            installed_bin.display()
        )),
        "the shim does not record $out/bin/ai-commit:\n{shim}"
    );
    let mode = fs::metadata(&shim_path)
        .expect("shim metadata")
        .permissions();
    assert_eq!(mode.mode() & 0o111, 0o111, "the shim is not executable");
    assert!(out_dir
        .join("share/doc/ai-commit/config.example.toml")
        .is_file());

    // programs.git.config writes /etc/gitconfig: here, the test's system config file.
    fs::write(
        env.root().join("gitconfig-system"),
        format!("[core]\n\thooksPath = {}\n", hooks_dir.display()),
    )
    .expect("write the system git config");
    env.unset_env("GIT_CONFIG_NOSYSTEM");
    env.unset_env("AI_COMMIT_BIN");
    env.set_env("PATH", "/usr/local/bin:/usr/bin:/bin");

    let repo = env.repo("nixos-user");
    repo.stage("hello.txt", "Hello, world!\n");
    let out = repo.git(&["commit"]);
    assert_ok(
        &out,
        "git commit with core.hooksPath at the package's hooks",
    );
    assert_eq!(repo.commit_msg_of("HEAD"), REPLY, "{}", describe(&out));
    assert_eq!(standin.draft_requests().len(), 1, "{}", describe(&out));
}

/// The README's Nix and NixOS section: every `nix` block parses, and the `configuration.nix`
/// block, evaluated as a NixOS module against the stand-in (with `/path/to/ai-commit` meaning
/// this work tree), adds the package and points `core.hooksPath` at its hooks directory.
#[test]
fn readme_nix_snippets_parse_and_the_nixos_module_points_git_at_the_hooks() {
    let env = TestEnv::new();
    let Some(nix) = Nix::new(&env) else {
        return;
    };
    let readme = read_project_file("README.md");
    let section = markdown_section(&readme, "## Nix and NixOS");
    let blocks = fenced_blocks(section, "nix");
    assert!(
        blocks.len() >= 2,
        "expected the configuration.nix and flake.nix blocks, found {}",
        blocks.len()
    );
    for (index, block) in blocks.iter().enumerate() {
        let file = env.root().join(format!("readme-{index}.nix"));
        fs::write(&file, block).expect("write a README block");
        let out = nix.run(&["--parse", &file.to_string_lossy()]);
        assert_ok(
            &out,
            &format!("nix-instantiate --parse of README block:\n{block}"),
        );
    }

    let module = blocks
        .iter()
        .find(|block| block.starts_with("# configuration.nix"))
        .expect("a `# configuration.nix` block");
    let old = "/path/to/ai-commit/default.nix";
    assert!(module.contains(old), "{module}");
    let module = module.replace(old, "(/. + project + \"/default.nix\")");
    fs::write(
        env.root().join("readme-configuration.nix"),
        format!("{{ project }}:\n{module}"),
    )
    .expect("write the module");
    let result = nix.eval_json(
        "eval-readme-module.nix",
        r#"{ project }:
let
  pkgs = import ./nixpkgs-standin.nix;
  config = (import ./readme-configuration.nix { inherit project; }) {
    inherit pkgs;
    inherit (pkgs) lib;
    config = { };
  };
in
{
  packages = map (p: { inherit (p) pname; path = toString p; }) config.environment.systemPackages;
  gitEnabled = config.programs.git.enable;
  hooksPath = config.programs.git.config.core.hooksPath;
}
"#,
    );
    let packages = result["packages"].as_array().expect("systemPackages");
    assert_eq!(packages.len(), 1, "{result:#}");
    assert_eq!(packages[0]["pname"], "ai-commit", "{result:#}");
    assert_eq!(result["gitEnabled"], true, "{result:#}");
    let out_path = packages[0]["path"]
        .as_str()
        .expect("the package's store path");
    assert_eq!(
        result["hooksPath"],
        format!("{out_path}/share/ai-commit/hooks"),
        "{result:#}"
    );
}

/// The text from `heading` (a whole line) to the next heading of the same or a higher level.
fn markdown_section<'t>(text: &'t str, heading: &str) -> &'t str {
    let start = text
        .lines()
        .scan(0, |offset, line| {
            let here = *offset;
            *offset += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| *line == heading)
        .map(|(offset, _)| offset)
        .unwrap_or_else(|| panic!("README has no `{heading}` line"));
    let level = heading.chars().take_while(|c| *c == '#').count();
    let body = &text[start + heading.len()..];
    let mut offset = 0;
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !in_fence && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            return &body[..offset];
        }
        offset += line.len();
    }
    body
}

/// The contents of the fenced code blocks of `language` in `text`.
fn fenced_blocks(text: &str, language: &str) -> Vec<String> {
    let open = format!("```{language}");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim_end() == open => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}
