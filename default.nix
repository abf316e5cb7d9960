# Nix package for ai-commit. From a NixOS configuration or shell:
#   ai-commit = pkgs.callPackage ./default.nix { };
# The hook shim is installed at $out/share/ai-commit/hooks/prepare-commit-msg with the binary's
# store path recorded in it, so `core.hooksPath` can point straight at that directory.
{ lib, rustPlatform, git }:

rustPlatform.buildRustPackage {
  pname = "ai-commit";
  version = "0.1.0";

  src = lib.cleanSourceWith {
    src = ./.;
    filter = path: type:
      let base = baseNameOf (toString path);
      in !(type == "directory" && (base == "target" || base == ".git"));
  };

  cargoLock.lockFile = ./Cargo.lock;

  # libgit2 (and zlib) are vendored and built by the git2 crate with the C compiler stdenv
  # already has: no pkg-config, no runtime libraries beyond libc.

  # The integration tests drive the real git CLI against a stand-in server on 127.0.0.1,
  # which the build sandbox allows.
  nativeCheckInputs = [ git ];

  postInstall = ''
    install -Dm755 hooks/prepare-commit-msg $out/share/ai-commit/hooks/prepare-commit-msg
    substituteInPlace $out/share/ai-commit/hooks/prepare-commit-msg \
      --replace-fail "AI_COMMIT_INSTALLED_BIN='''" "AI_COMMIT_INSTALLED_BIN='$out/bin/ai-commit'"
    install -Dm644 config.example.toml $out/share/doc/ai-commit/config.example.toml
  '';

  meta = {
    description = "A prepare-commit-msg git hook that drafts commit messages with a local Ollama model";
    license = lib.licenses.mit;
    mainProgram = "ai-commit";
    platforms = lib.platforms.unix;
  };
}
