//! Integration tests: the real `ai-commit` binary driven through the real git CLI in temporary
//! repositories, against an in-process stand-in for Ollama's HTTP API.

mod addresses;
mod answers;
mod chatter;
mod choice;
mod cleanup_modes;
mod cli_config;
mod commit_sources;
mod doctor;
mod ecosystems;
mod faults;
mod frontends;
mod global_install;
mod hooks_path_config;
mod hostile_files;
mod https;
mod install_links;
mod journal_fixture;
mod neovim;
mod openai;
mod pass_through;
mod quality;
mod repo_shapes;
mod repo_states;
mod shim_config;
mod smoke;
mod standin_selftest;
mod support;
mod terminal;
mod trust;
