//! The command line, defined once with clap derive: help, man page and
//! completions all come from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "nixplan",
    version,
    about = "Compile NixOS flakes into reviewable install plans"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate a Nix file or expression strictly and print the result.
    Eval(EvalArgs),
    /// Print the typed configuration of a target (what planning uses).
    Config(ConfigArgs),
    /// Compile a target into an install plan and print or save it.
    Plan(PlanArgs),
    /// Find mistakes in disko, impermanence and activation configurations.
    Lint(LintArgs),
    /// Explain a lint rule (e.g. NP101).
    Explain {
        /// The rule's code.
        code: String,
    },
    /// Run a plan (saved, or made from a target) locally or over SSH.
    Apply(ApplyArgs),
    /// List a flake's inputs (every flake.lock node): where each source
    /// comes from, fetching what is missing.
    Inputs(InputsArgs),
    /// Check a saved plan: its hash and its graph (and its signature).
    Verify {
        /// The plan (JSON) to check.
        plan: PathBuf,
        /// Also require a signature by a key this file allows (OpenSSH's
        /// allowed signers format, namespace `nixplan-plan`).
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// `PATH#NAME` or `FILE.nix`, as for `config`.
    pub target: String,
    /// Output format (json: an array of findings; sarif: SARIF 2.1.0).
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,
    /// `--deny warnings` fails on warnings too.
    #[arg(long)]
    pub deny: Vec<String>,
    /// The target's facts (JSON), for the rules that need them (NP402).
    #[arg(long)]
    pub facts: Option<PathBuf>,
    #[command(flatten)]
    pub inputs: InputFlags,
}

/// How a target's flake inputs are found, and which evaluator reads it
/// (shared by `config`, `lint`, `plan`, `apply TARGET` and `inputs`).
#[derive(Args, Debug, Clone, Default)]
pub struct InputFlags {
    /// `NAME REF` (repeatable): use REF (a directory, `path:DIR`,
    /// `github:OWNER/REPO/REV`, `git+URL?rev=REV`, a tarball URL) for the
    /// input NAME (`a/b` for a nested one) instead of its lock entry.
    #[arg(long, num_args = 2, value_names = ["NAME", "REF"])]
    pub override_input: Vec<String>,
    /// `REPO REF` (repeatable; nixplan's own): use REF for every locked
    /// source of the repository REPO (`github:OWNER/REPO`, any revision)
    /// wherever the evaluation meets one: nested inputs, the locks of
    /// other flakes it loads (flake-parts partitions), `fetchTree`.
    #[arg(long, num_args = 2, value_names = ["REPO", "REF"])]
    pub override_source: Vec<String>,
    /// Fetch nothing: inputs not in /nix/store or nixplan's cache are
    /// unavailable (stand-ins or empty modules, with a warning).
    #[arg(long)]
    pub offline: bool,
    /// An input not evaluated as itself (unavailable) and replaced
    /// (stand-in, empty modules) is an error instead of a warning.
    #[arg(long)]
    pub strict_inputs: bool,
    /// Which evaluator: nixplan's own, or the installed nix (nix's exact
    /// meaning; needs nix with flakes).
    #[arg(long, value_enum, default_value = "embedded")]
    pub eval: EvalWith,
}

fn pairs(flat: &[String]) -> Vec<(String, String)> {
    flat.chunks(2)
        .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
        .collect()
}

impl InputFlags {
    pub fn overrides(&self) -> Vec<(String, String)> {
        pairs(&self.override_input)
    }
    pub fn sources(&self) -> Vec<(String, String)> {
        pairs(&self.override_source)
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum BootstrapArg {
    Auto,
    Kexec,
    Live,
    None,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PlanFormat {
    Text,
    Json,
    Dot,
    Mermaid,
    Markdown,
}

/// What a plan is made from (shared by `plan` and `apply TARGET`).
#[derive(Args, Debug, Clone)]
pub struct PlanInputs {
    /// `PATH#NAME` or `FILE.nix`, as for `config`.
    pub target: String,
    /// The machine to install, `user@host` (default: this machine).
    #[arg(long)]
    pub target_host: Option<String>,
    #[command(flatten)]
    pub choices: PlanChoices,
}

/// The choices that shape a plan beyond the configuration (shared by
/// `plan` and `apply TARGET`; refused with a saved plan).
#[derive(Args, Debug, Clone)]
pub struct PlanChoices {
    /// How the target boots into an installer.
    #[arg(long, value_enum, default_value = "auto")]
    pub bootstrap: BootstrapArg,
    /// The target's facts (JSON), as gathered by `facts/gather`.
    #[arg(long)]
    pub facts: Option<PathBuf>,
    /// A prebuilt system store path to install instead of building the flake.
    #[arg(long)]
    pub system: Option<String>,
    /// Copy this directory's contents into the new root before installing.
    #[arg(long)]
    pub extra_files: Option<PathBuf>,
    /// `PATH OWNER` (repeatable): chown -R a copied path, e.g. `/home/alice 1000:100`.
    #[arg(long, num_args = 2, value_names = ["PATH", "OWNER"])]
    pub chown: Vec<String>,
    /// Where the target downloads the kexec installer from (pin a release
    /// instead of nixos-images' latest; `$(uname -m)` is expanded there).
    #[arg(long, conflicts_with = "kexec_tarball")]
    pub kexec_url: Option<String>,
    /// Upload this kexec installer tarball from here instead (its sha256
    /// goes into the plan and is checked on the target).
    #[arg(long)]
    pub kexec_tarball: Option<PathBuf>,
    /// `REMOTE LOCAL` (repeatable): put the file LOCAL (e.g. a LUKS key) at
    /// REMOTE on the target before disko runs; streamed over stdin at
    /// apply time, only its name is in the plan.
    #[arg(long, num_args = 2, value_names = ["REMOTE", "LOCAL"])]
    pub secret_file: Vec<String>,
    /// Deploy to these nodes of a hive (TARGET is then the flake's
    /// directory): names, globs (`web*`) and tags (`@web`), comma
    /// separated; every node when TARGET is a directory and this is absent.
    #[arg(long, requires = "goal")]
    pub on: Option<String>,
    /// `NAME=PATH` (repeatable): node NAME's system is already built at
    /// PATH (a hive deploy; `--system` for one node).
    #[arg(long, value_name = "NAME=PATH", requires = "goal")]
    pub node_system: Vec<String>,
    /// A hive: how many nodes are evaluated at once (default: one per
    /// core, at most 4, one with `--eval nix`), each in a process of its
    /// own, which gives all its memory back when the node is done. What
    /// each says is printed in the nodes' order.
    #[arg(long, value_name = "N", requires = "goal", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub eval_jobs: Option<u64>,
    /// Deploy to a running NixOS instead of installing: build, push,
    /// switch, boot, test, dry-activate or keys (colmena's goals).
    #[arg(long, value_parser = parse_goal)]
    pub goal: Option<nixplan_planner::deploy::Goal>,
    /// Seconds the target waits, after a switch or test, for a
    /// confirmation over a new SSH connection before it rolls back.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub confirm_timeout: u64,
    /// No watchdog: a switch that cuts the target off stays.
    #[arg(long)]
    pub no_rollback: bool,
    /// Build the system on the target (colmena's buildOnTarget).
    #[arg(long)]
    pub build_on_target: bool,
    /// Let the target fetch what it can from its substituters.
    #[arg(long)]
    pub substitute_on_destination: bool,
    /// Deploy also where the target's system profile is unknown here
    /// (overrides `deployment.replaceUnknownProfiles = false`, as
    /// colmena's flag of the same name).
    #[arg(long, requires = "goal")]
    pub force_replace_unknown_profiles: bool,
    /// Reboot the target after the activation and wait (up to 10 min)
    /// until it is back with a new boot id, running the new system
    /// (switch, boot); then the post-activation keys.
    #[arg(long, requires = "goal")]
    pub reboot: bool,
    /// Nix's remote builders for the build (`nix build --builders`, e.g.
    /// `ssh://builder x86_64-linux` or `@/etc/nix/machines`).
    #[arg(long, value_name = "SPEC", requires = "goal")]
    pub builders: Option<String>,
    #[command(flatten)]
    pub inputs: InputFlags,
}

fn parse_goal(s: &str) -> Result<nixplan_planner::deploy::Goal, String> {
    nixplan_planner::deploy::Goal::parse(s)
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub inputs: PlanInputs,
    /// Keep only these phases (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub phases: Vec<String>,
    /// Drop every phase after this one.
    #[arg(long)]
    pub stop_after: Option<String>,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<PlanFormat>,
    /// Save the plan (JSON) to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan destroys data.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Show what changed against a saved plan, destructive changes first.
    #[arg(long)]
    pub diff: Option<PathBuf>,
    /// Sign the plan with this SSH key (a private key file, or the public
    /// key of one in ssh-agent), with `ssh-keygen -Y sign`.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// A saved plan (`PLAN.json`), or a target to plan first (`PATH#NAME`,
    /// `FILE.nix`): its plan is shown and destructive steps are confirmed.
    pub plan_or_target: String,
    /// The machine to install, `user@host` (default: this machine; a saved
    /// plan's own host when it has one).
    #[arg(long)]
    pub target_host: Option<String>,
    /// SSH identity file.
    #[arg(short = 'i', long = "identity")]
    pub identity: Option<PathBuf>,
    /// SSH port.
    #[arg(long)]
    pub port: Option<u16>,
    /// The SSH port after a kexec, when --port was given (default 22: the
    /// installer's sshd; without --port, ssh_config decides both times).
    #[arg(long, value_name = "PORT")]
    pub post_kexec_port: Option<u16>,
    /// Further SSH options (`-o` style, repeatable), e.g. `UserKnownHostsFile=…`.
    #[arg(long = "ssh-option")]
    pub ssh_option: Vec<String>,
    /// Agree to the destructive actions without asking.
    #[arg(long)]
    pub yes: bool,
    /// Print every command that would run; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue a run that stopped (completed actions' checks are re-run).
    #[arg(long)]
    pub resume: bool,
    /// When the disks the plan wipes are in use only by this plan's own
    /// mounts (an earlier run with another state directory), unmount
    /// exactly those, deepest first, and say so, instead of refusing. Any
    /// other use (a foreign mount, an open LUKS, LVM or md device, the
    /// running system) is still refused.
    #[arg(long)]
    pub unmount_own: bool,
    /// Run only these phases (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub phases: Vec<String>,
    /// Stop after this phase.
    #[arg(long)]
    pub stop_after: Option<String>,
    /// Where journals and logs are kept (default /var/lib/nixplan as root,
    /// else $XDG_STATE_HOME/nixplan).
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// The longest one action may run, in seconds.
    #[arg(long, default_value_t = 7200)]
    pub timeout: u64,
    /// A file holding the LUKS passphrase for encrypted devices without a
    /// key file (streamed on stdin, never in argv); asked when absent.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    /// The directory the saved plan's source files are relative to, to
    /// refuse a stale plan (default: the plan's own record of it).
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// Run only a saved plan signed by a key this file allows (OpenSSH's
    /// allowed signers format, namespace `nixplan-plan`).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// The login's sudo asks for a password: ask for it once (on the
    /// terminal) and stream it to `sudo -S`; never in argv, logs or plans.
    #[arg(long, conflicts_with = "sudo_password_file")]
    pub ask_sudo_password: bool,
    /// The same, read from a file (its first line).
    #[arg(long, value_name = "FILE")]
    pub sudo_password_file: Option<PathBuf>,
    /// A hive plan: how many hosts are deployed at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub parallel: u64,
    /// A hive plan: when one host fails, start no more actions on the
    /// others (each stops after its running action).
    #[arg(long)]
    pub fail_fast: bool,
    /// What shapes the plan, when planning a TARGET.
    #[command(flatten)]
    pub choices: PlanChoices,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// `PATH#NAME` (nixosConfigurations.NAME, a colmena node NAME, or
    /// diskoConfigurations.NAME) or `FILE.nix` (a module).
    pub target: String,
    /// Print JSON, every value with the place it was defined.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub inputs: InputFlags,
}

#[derive(Args, Debug)]
pub struct InputsArgs {
    /// `PATH#NAME` or a flake directory `PATH`.
    pub target: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// How many sources are fetched at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    #[command(flatten)]
    pub inputs: InputFlags,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Default)]
pub enum EvalWith {
    #[default]
    Embedded,
    Nix,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The file to evaluate.
    #[arg(required_unless_present = "expr", conflicts_with = "expr")]
    pub file: Option<PathBuf>,
    /// Evaluate this expression instead of a file.
    #[arg(short = 'E', long = "expr")]
    pub expr: Option<String>,
    /// Select this attribute path of the result (e.g. `a.b.c`).
    #[arg(short = 'A', long = "attr")]
    pub attr: Option<String>,
    /// Print JSON, as `nix-instantiate --eval --strict --json` does.
    #[arg(long, conflicts_with = "nix")]
    pub json: bool,
    /// Print Nix syntax, as `nix-instantiate --eval --strict` does (default).
    #[arg(long)]
    pub nix: bool,
    /// Add a search path entry (`name=path` or `path`) for `<name>` lookups.
    #[arg(short = 'I', long = "include")]
    pub include: Vec<String>,
    /// Maximum evaluation depth before giving up.
    #[arg(long, default_value_t = 200_000)]
    pub max_depth: usize,
    /// Nix's `max-call-depth`: the deepest a value may nest when converted
    /// to JSON (`toJSON`, `__structuredAttrs`, `--json`), as nix bounds it.
    #[arg(long, default_value_t = 10_000)]
    pub max_call_depth: usize,
    /// The most memory one list or string may take, in MiB: more is an
    /// evaluation error, not an abort.
    #[arg(long, default_value_t = 4096)]
    pub max_memory: usize,
    /// Fetch nothing: `fetchTarball` and `fetchTree` find their sources in
    /// /nix/store or nixplan's cache, or fail.
    #[arg(long)]
    pub offline: bool,
    /// `NAME EXPR`: call the result, if it is a function, with NAME set to
    /// the value of the Nix expression EXPR (repeatable), as
    /// nix-instantiate does.
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"])]
    pub arg: Vec<String>,
    /// `NAME STRING`: as `--arg`, with NAME set to the string STRING.
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"])]
    pub argstr: Vec<String>,
    /// Print XML, as `nix-instantiate --eval --xml` does.
    #[arg(long, conflicts_with_all = ["json", "nix"])]
    pub xml: bool,
    /// With `--xml`: leave out source positions.
    #[arg(long)]
    pub no_location: bool,
    /// Only parse the file (or `-E` expression): exit 0 when it parses,
    /// 1 with every syntax error when it does not. Nothing is evaluated.
    #[arg(long)]
    pub parse: bool,
    /// `warn`, `fatal` or `ignore`: URL literals (`http://x`) (nix's
    /// `lint-url-literals`).
    #[arg(long, value_name = "LEVEL")]
    pub lint_url_literals: Option<nixplan_eval::lints::Level>,
    /// `warn`, `fatal` or `ignore`: absolute and `~/` path literals (nix's
    /// `lint-absolute-path-literals`).
    #[arg(long, value_name = "LEVEL")]
    pub lint_absolute_path_literals: Option<nixplan_eval::lints::Level>,
    /// `warn`, `fatal` or `ignore`: relative path literals without `./`
    /// (nix's `lint-short-path-literals`).
    #[arg(long, value_name = "LEVEL")]
    pub lint_short_path_literals: Option<nixplan_eval::lints::Level>,
    /// Experimental features to turn on, space separated. Known:
    /// `parse-toml-timestamps` (`fromTOML` returns dates and times as
    /// `{ _type = "timestamp"; value = ...; }`); others are accepted and
    /// change nothing.
    #[arg(long, value_name = "FEATURES")]
    pub extra_experimental_features: Vec<String>,
    /// Accepted for nix-instantiate's command lines; nixplan eval is
    /// always strict, shows traces, and reads the environment and files it is
    /// pointed at.
    #[arg(long = "eval", hide = true)]
    pub compat_eval: bool,
    #[arg(long = "strict", hide = true)]
    pub compat_strict: bool,
    #[arg(long = "show-trace", hide = true)]
    pub compat_show_trace: bool,
    #[arg(long = "no-show-trace", hide = true)]
    pub compat_no_show_trace: bool,
    #[arg(long = "impure", hide = true)]
    pub compat_impure: bool,
    /// `NAME VALUE`: a nix setting (repeatable). Known: `abort-on-warn`
    /// (`true`: `builtins.warn` ends evaluation with an error).
    #[arg(long = "option", num_args = 2, value_names = ["NAME", "VALUE"])]
    pub option: Vec<String>,
}
