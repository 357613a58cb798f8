//! Deploying to a running NixOS, colmena's and `nixos-rebuild
//! --target-host`'s job, as a plan: build the system (here, or on the
//! target), copy its closure, put the deployment keys in place, point the
//! system profile at it and run `switch-to-configuration GOAL`, with a
//! watchdog on the target that rolls back unless the controller confirms
//! over a new SSH connection (magic rollback).
//!
//! Everything that runs is in the plan; what only the run knows (the built
//! store path, the watchdog's directory) is named and shown as a value an
//! earlier action prints.

use nixplan_nixos::config::{Config, Deployment, DeploymentKey};
use nixplan_plan::shell::sh_quote;
use nixplan_plan::{
    Action, Condition, Kind, Phase, Plan, PlanTarget, Resource, ResourceKind as Res, RunsOn,
    SourceDigest, SourceRef, Summary, FORMAT_VERSION,
};

use crate::error::PlanError;
use crate::phases::{action, reach_target};

/// What a deploy does, colmena's goals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Goal {
    /// Build the system, nothing on the target.
    Build,
    /// Build and copy the closure to the target.
    Push,
    /// Activate now and make it the boot default.
    Switch,
    /// Make it the boot default, activate at the next boot.
    Boot,
    /// Activate now, not the boot default.
    Test,
    /// Show what activating would do.
    DryActivate,
    /// Upload the deployment keys only.
    Keys,
}

impl Goal {
    pub const ALL: [Goal; 7] = [
        Goal::Build,
        Goal::Push,
        Goal::Switch,
        Goal::Boot,
        Goal::Test,
        Goal::DryActivate,
        Goal::Keys,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads a goal named on the command line.
    pub fn parse(s: &str) -> Result<Goal, String> {
        s.parse().map_err(|_| {
            let all: Vec<&str> = Goal::ALL.iter().map(|g| g.as_str()).collect();
            format!("unknown goal {s:?} (goals: {})", all.join(", "))
        })
    }

    fn copies(self) -> bool {
        !matches!(self, Goal::Build | Goal::Keys)
    }

    fn activates(self) -> bool {
        matches!(
            self,
            Goal::Switch | Goal::Boot | Goal::Test | Goal::DryActivate
        )
    }

    fn sets_profile(self) -> bool {
        matches!(self, Goal::Switch | Goal::Boot)
    }

    /// The goals a watchdog can heal: they change the running system.
    fn can_roll_back(self) -> bool {
        matches!(self, Goal::Switch | Goal::Test)
    }

    fn uploads_keys(self) -> bool {
        matches!(self, Goal::Switch | Goal::Boot | Goal::Test | Goal::Keys)
    }
}

#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub goal: Goal,
    /// `user@host` from the command line; else the node's
    /// `deployment.targetUser@targetHost`.
    pub target_host: Option<String>,
    /// A system already built (`/nix/store/...`): nothing is built.
    pub system: Option<String>,
    /// `PATH#ATTR` that `nix build` builds the system from.
    pub flake_attr: Option<String>,
    /// Build on the target (also `deployment.buildOnTarget`).
    pub build_on_target: bool,
    /// Seconds the target waits for the confirmation before it rolls back;
    /// `None`: no watchdog (`--no-rollback`).
    pub confirm_timeout: Option<u64>,
    pub substitute_on_destination: bool,
    /// Deploy even where `deployment.replaceUnknownProfiles = false` and
    /// the target's profile is unknown here.
    pub force_replace_unknown_profiles: bool,
    /// `nix build --builders SPEC` (Nix's remote builders).
    pub builders: Option<String>,
    /// Reboot after the activation and wait for the target to come back.
    pub reboot: bool,
    pub nixplan_version: String,
}

/// The `stdin` of a key given as text: `key-text:NAME`, filled in by
/// `apply` from the configuration it evaluates again.
pub const KEY_TEXT: &str = "key-text:";

/// The preview of a switch, boot or test (output shown to the user).
const PREVIEW: &str = "set -eu\n\
if [ -e /run/current-system ] && nix --extra-experimental-features nix-command store diff-closures --help >/dev/null 2>&1; then\n\
\x20 echo \"== closure changes (the running system -> the new one)\"\n\
\x20 nix --extra-experimental-features nix-command store diff-closures /run/current-system \"$NIXPLAN_SYSTEM\"\n\
else\n\
\x20 echo \"== no closure diff (no /run/current-system, or no nix store diff-closures on the target)\"\n\
fi\n\
echo \"== what activating would do (switch-to-configuration dry-activate)\"\n\
\"$NIXPLAN_SYSTEM/bin/switch-to-configuration\" dry-activate 2>&1\n";

/// How long the watchdog waits for the switch itself to end before it
/// counts the confirmation time anyway.
pub const SWITCH_LIMIT_SECONDS: u64 = 900;
const PROFILE: &str = "/nix/var/nix/profiles/system";
/// Where the watchdog keeps a deploy's state on the target; the directory
/// of one deploy is made by the watchdog action, which prints it.
const DEPLOY_ROOT: &str = "/run/nixplan";

fn nix_words(sub: &[&str]) -> Vec<String> {
    let mut w: Vec<String> = ["nix", "--extra-experimental-features", "nix-command flakes"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    w.extend(sub.iter().map(|s| s.to_string()));
    w
}

/// `nix ARGS --to ssh-ng://TARGET "$VAR"`: over the executor's SSH login,
/// through sudo/doas (`remote-program`) for a non-root login.
fn copy_script(args: &[&str], var: &str) -> String {
    format!(
        "set -eu\nstore=\"ssh-ng://$NIXPLAN_TARGET\"\n\
         [ -z \"$NIXPLAN_SUDO\" ] || store=\"$store?remote-program=$(printf '%s nix-daemon' \"$NIXPLAN_SUDO\" | sed 's/ /%20/g')\"\n\
         {} --to \"$store\" \"${var}\"\n",
        quoted(&nix_words(args))
    )
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn at(pos: &Option<nixplan_nixos::config::Pos>) -> Option<SourceRef> {
    pos.as_ref().map(|p| SourceRef {
        file: p.file.to_string(),
        line: p.line,
    })
}

/// The login a deploy reaches the host with: `--target-host`, else the
/// node's `deployment.targetUser@targetHost` (and its port).
fn login(
    config: &Config,
    options: &DeployOptions,
) -> Result<(Option<String>, Option<u16>), PlanError> {
    let dep = config.deployment.as_ref();
    let port = dep
        .and_then(|d| d.target_port.value)
        .and_then(|p| u16::try_from(p).ok());
    if let Some(h) = &options.target_host {
        return Ok((Some(h.clone()), port));
    }
    let Some(d) = dep else {
        if options.goal == Goal::Build && !options.build_on_target {
            return Ok((None, None));
        }
        return Err(PlanError::Invalid {
            message: format!(
                "{} is not a colmena node: say which host to deploy to with --target-host USER@HOST",
                config.target.name
            ),
            at: None,
        });
    };
    match &d.target_host.value {
        Some(h) => {
            let user = d.target_user.value.clone().unwrap_or_else(|| "root".into());
            Ok((Some(format!("{user}@{h}")), port))
        }
        None if d.allow_local_deployment.value => Ok((None, None)),
        None if options.goal == Goal::Build && !options.build_on_target => Ok((None, None)),
        None => Err(PlanError::Invalid {
            message: format!(
                "deployment.targetHost of {} is null and deployment.allowLocalDeployment is false: nowhere to deploy (give --target-host USER@HOST)",
                config.target.name
            ),
            at: d.target_host.at.clone(),
        }),
    }
}

/// `deployment.sshOptions` (ssh's own words, as colmena passes them) as
/// the `-o` options the executor's ssh takes: `-o NAME=VALUE` or
/// `-oNAME=VALUE`; anything else is said at its line.
fn ssh_options(d: &Deployment) -> Result<Vec<String>, PlanError> {
    let words = &d.ssh_options;
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.value.len() {
        let w = &words.value[i];
        let at = words.items.get(i).cloned().flatten().or(words.at.clone());
        if w == "-o" {
            match words.value.get(i + 1) {
                Some(v) => out.push(v.clone()),
                None => {
                    return Err(PlanError::Invalid {
                        message: "deployment.sshOptions ends with -o and no option".into(),
                        at,
                    })
                }
            }
            i += 2;
        } else if let Some(v) = w.strip_prefix("-o") {
            out.push(v.to_string());
            i += 1;
        } else {
            return Err(PlanError::Invalid {
                message: format!(
                    "deployment.sshOptions: {w:?} is not an `-o OPTION` (write ssh's other flags as options: -J HOST is -o ProxyJump=HOST)"
                ),
                at,
            });
        }
        if let Some(v) = out.last().filter(|v| v.contains(char::is_whitespace)) {
            // They reach nix copy through NIX_SSHOPTS, split at spaces.
            return Err(PlanError::Invalid {
                message: format!(
                    "deployment.sshOptions: {v:?} holds white space, which nix copy's NIX_SSHOPTS cannot carry (put it in an ssh_config Host entry)"
                ),
                at: words.items.get(i.saturating_sub(1)).cloned().flatten().or(words.at.clone()),
            });
        }
    }
    Ok(out)
}

/// colmena's default `deployment.privilegeEscalationCommand`.
const DEFAULT_ESCALATION: [&str; 3] = ["sudo", "-H", "--"];

/// The node's own escalation command, when it is not colmena's default
/// (with the default, the executor finds `sudo -n`, `doas -n` or a
/// password, as for installs).
fn escalation(d: &Deployment) -> Result<Option<Vec<String>>, PlanError> {
    let words = &d.privilege_escalation_command;
    if words
        .value
        .iter()
        .map(|s| s.as_str())
        .eq(DEFAULT_ESCALATION)
    {
        return Ok(None);
    }
    if words.value.first().is_none_or(|w| w.is_empty()) {
        return Err(PlanError::Invalid {
            message: "deployment.privilegeEscalationCommand is empty: it must name the command that runs commands as root (colmena's default is [ \"sudo\" \"-H\" \"--\" ])".into(),
            at: words.at.clone(),
        });
    }
    Ok(Some(words.value.clone()))
}

/// The actions that write one key on the target, from here.
fn key_action(k: &DeploymentKey, needs: Vec<Resource>, node: &str) -> Result<Action, PlanError> {
    let name = &k.name.value;
    let dir = &k.dest_dir.value;
    let bad = |what: &str| PlanError::Invalid {
        message: format!("deployment.keys.{name} of {node}: {what}"),
        at: k.at.clone(),
    };
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(bad("a key's name is a file name (no '/')"));
    }
    if !dir.starts_with('/') || dir.split('/').any(|c| c == "..") {
        return Err(bad(&format!(
            "destDir {dir:?} is not an absolute path without '..'"
        )));
    }
    let perm = &k.permissions.value;
    if perm.is_empty() || perm.len() > 4 || !perm.chars().all(|c| ('0'..='7').contains(&c)) {
        return Err(bad(&format!(
            "permissions {perm:?} is not an octal mode such as 0600"
        )));
    }
    let stdin = match (&k.key_file.value, &k.key_command, k.has_text) {
        // Read when applying; missing now is a mistake worth saying here.
        (Some(file), None, false) if !std::path::Path::new(file).is_file() => {
            return Err(bad(&format!(
                "its keyFile {file} is not a readable file here"
            )))
        }
        (Some(file), None, false) => format!("file:{file}"),
        (None, Some(cmd), false) if !cmd.value.is_empty() => format!(
            "command:{}",
            serde_json::to_string(&cmd.value).expect("strings serialise")
        ),
        // The text is in the configuration: `apply` evaluates it again
        // (the plan's sources unchanged, as apply checks) and streams it.
        (None, None, true) => format!("{KEY_TEXT}{name}"),
        (None, None, false) => return Err(bad("it has none of text, keyFile and keyCommand")),
        _ => return Err(bad("give exactly one of text, keyFile and keyCommand")),
    };
    let path = format!("{}/{name}", dir.trim_end_matches('/'));
    let owner = format!("{}:{}", k.user.value, k.group.value);
    let script = format!(
        "set -eu\n\
         dir={dir_q}\n\
         mkdir -p -m 0755 \"$dir\"\n\
         tmp=$(mktemp \"$dir/.{name_s}.XXXXXX\")\n\
         trap 'rm -f \"$tmp\"' EXIT\n\
         chmod 0600 \"$tmp\"\n\
         cat > \"$tmp\"\n\
         if ! chown {owner_q} \"$tmp\" 2>/dev/null; then\n\
         \x20 echo {missing_q} >&2\n\
         fi\n\
         chmod {perm_q} \"$tmp\"\n\
         mv -f \"$tmp\" {path_q}\n\
         trap - EXIT\n",
        dir_q = sh_quote(dir),
        name_s = name.replace(['\'', '"', '$', '`', '\\'], "_"),
        owner_q = sh_quote(&owner),
        perm_q = sh_quote(perm),
        path_q = sh_quote(&path),
        missing_q = sh_quote(&format!(
            "{path}: {owner} does not exist (yet): owned by root until the key is uploaded again"
        )),
    );
    let source = match (&k.key_file.value, &k.key_command) {
        (Some(f), _) => format!("the file {f} (here)"),
        (_, Some(c)) => format!("what `{}` prints (run here)", c.value.join(" ")),
        _ => "its text in the configuration (evaluated again when applying)".into(),
    };
    let mut a = action(
        &format!("deploy/key/{name}"),
        Phase::Deploy,
        Kind::Key,
        None,
        Some(script),
        needs,
        vec![Resource::new(Res::Key, path.clone())],
        &format!(
            "write the key {path} ({owner}, mode {perm}, {}) from {source}, streamed over stdin: its content is never in the plan",
            k.upload_at.value
        ),
    );
    a.stdin = Some(stdin);
    a.source = at(&k.at);
    Ok(a)
}

/// The watchdog: remembers the running system and the profile's
/// generation, then waits (detached from the SSH session) for the switch
/// to end and for the confirmation; without it, it rolls back.
fn watchdog_script(goal: Goal, timeout: u64) -> String {
    let reactivate = if goal == Goal::Test { "test" } else { "switch" };
    let profile_back = if goal.sets_profile() {
        format!(
            "case \"$gen\" in\n\
             \x20 system-*-link) n=${{gen#system-}}; n=${{n%-link}}; \"$nixenv\" -p {PROFILE} --switch-generation \"$n\" ;;\n\
             esac\n"
        )
    } else {
        String::new()
    };
    // The watcher runs with systemd's environment (or none): everything it
    // calls is named by its full path, found now. It does not keep the
    // run's lock (descriptor 7, see the executor's remote lock): a later
    // deploy must not wait for it.
    format!(
        "set -eu\n\
         mkdir -p -m 0700 {DEPLOY_ROOT}\n\
         for other in {DEPLOY_ROOT}/deploy-*; do\n\
         \x20 if [ -e \"$other/canary\" ] || {{ [ -e \"$other/expired\" ] && [ ! -e \"$other/rolled-back\" ]; }}; then\n\
         \x20   echo \"another deploy is waiting for its confirmation or rolling back ($other): not deploying beside it (if none is, its watchdog died: remove $other)\" >&2; exit 1\n\
         \x20 fi\n\
         done\n\
         d=$(mktemp -d {DEPLOY_ROOT}/deploy-XXXXXXXX)\n\
         readlink -f /run/current-system > \"$d/previous-system\" 2>/dev/null || : > \"$d/previous-system\"\n\
         readlink {PROFILE} > \"$d/previous-generation\" 2>/dev/null || : > \"$d/previous-generation\"\n\
         nixenv=$(command -v nix-env || echo nix-env)\n\
         cat > \"$d/watch\" <<EOF\n\
         d=$d\n\
         nixenv=$nixenv\n\
         EOF\n\
         cat >> \"$d/watch\" <<'EOF'\n\
         i=0\n\
         while [ ! -e \"$d/switched\" ] && [ \"$i\" -lt {SWITCH_LIMIT_SECONDS} ]; do sleep 1; i=$((i+1)); done\n\
         sleep {timeout}\n\
         mv \"$d/canary\" \"$d/expired\" 2>/dev/null || exit 0\n\
         echo \"not confirmed within {timeout} s: rolling back\"\n\
         prev=$(cat \"$d/previous-system\"); gen=$(cat \"$d/previous-generation\")\n\
         {profile_back}\
         if [ -n \"$prev\" ] && [ -x \"$prev/bin/switch-to-configuration\" ]; then \"$prev/bin/switch-to-configuration\" {reactivate}; fi\n\
         touch \"$d/rolled-back\"\n\
         EOF\n\
         : > \"$d/canary\"\n\
         if [ -d /run/systemd/system ]; then\n\
         \x20 systemd-run --unit=\"nixplan-rollback-${{d##*-}}\" --collect --quiet --no-block /bin/sh \"$d/watch\" || {{ rm -f \"$d/canary\"; exit 1; }}\n\
         else\n\
         \x20 setsid /bin/sh \"$d/watch\" </dev/null >>\"$d/log\" 2>&1 7>&- &\n\
         fi\n\
         echo \"$d\"\n"
    )
}

fn switch_script(goal: Goal, watched: bool) -> String {
    let g = goal.as_str();
    // However the switch ends (failed, refused), the watchdog starts
    // counting: unconfirmed, it rolls back at once, not after its limit.
    // A resumed run whose watchdog already expired has no protection:
    // it must be applied again.
    let mark = if watched {
        "[ -e \"$NIXPLAN_DEPLOY/canary\" ] || { echo \"this deploy's rollback watchdog has expired (or rolled back): apply the plan again, not --resume\" >&2; exit 1; }\n\
         trap 'touch \"$NIXPLAN_DEPLOY/switched\"' EXIT\n"
    } else {
        ""
    };
    // Under systemd the unit itself marks the end of the switch, so a
    // dropped connection does not keep the watchdog waiting. `systemd-run
    // --wait` needs the D-Bus system bus (NixOS always has one): as
    // nixos-rebuild does, a `true` run through it first says whether it
    // works, else the switch runs directly, and says so.
    let (unit_env, unit_mark) = if watched {
        (" -E NIXPLAN_DEPLOY", "; touch \"$NIXPLAN_DEPLOY/switched\"")
    } else {
        ("", "")
    };
    format!(
        "set -eu\n\
         {mark}\
         stc=\"$NIXPLAN_SYSTEM/bin/switch-to-configuration\"\n\
         [ -x \"$stc\" ] || {{ echo \"$NIXPLAN_SYSTEM has no bin/switch-to-configuration: not a NixOS system\" >&2; exit 1; }}\n\
         rc=0\n\
         if [ -d /run/systemd/system ] && systemd-run --collect --no-ask-password --pipe --quiet --service-type=exec --wait true >/dev/null 2>&1; then\n\
         \x20 systemd-run -E LOCALE_ARCHIVE -E NIXOS_INSTALL_BOOTLOADER{unit_env} --collect --no-ask-password --pipe --quiet --service-type=exec --unit=nixplan-switch-to-configuration --wait /bin/sh -c '\"$0\" {g}; rc=$?{unit_mark}; exit $rc' \"$stc\" || rc=$?\n\
         else\n\
         \x20 [ ! -d /run/systemd/system ] || echo \"systemd-run --wait does not work here (no D-Bus system bus?): switching directly, so a dropped SSH connection would stop the switch\" >&2\n\
         \x20 \"$stc\" {g} || rc=$?\n\
         fi\n\
         exit \"$rc\"\n"
    )
}

/// How long `deploy/rebooted` waits for the target to come back.
const REBOOT_LIMIT_SECONDS: u64 = 600;

/// `--reboot`, as colmena's: the boot id read before, the reboot, then
/// (from here, over new connections) the wait for a new boot id and, for
/// switch and boot, the check that the new system runs.
fn reboot_actions(goal: Goal, after: &str, with_system: &dyn Fn(&mut Action)) -> Vec<Action> {
    let id = action(
        "deploy/boot-id",
        Phase::Deploy,
        Kind::Precondition,
        None,
        Some("set -eu\ncat /proc/sys/kernel/random/boot_id\n".into()),
        vec![Resource::new(Res::System, after)],
        vec![Resource::new(Res::System, "boot-id")],
        "read the target's boot id, to know when it has rebooted",
    );
    let mut reboot = action(
        "deploy/reboot",
        Phase::Deploy,
        Kind::Reboot,
        None,
        Some("set -eu\nsystemctl reboot 2>/dev/null || reboot\n".into()),
        vec![Resource::new(Res::System, "boot-id")],
        vec![Resource::new(Res::System, "rebooting")],
        "reboot the target (--reboot)",
    );
    reboot.condition = Some(Condition::NotThisMachine);
    let check = if goal.sets_profile() {
        "running=$(ssh -o ControlMaster=no -o ControlPath=none $NIX_SSHOPTS -- \"$NIXPLAN_TARGET\" readlink -f /run/current-system)\n\
         [ \"$running\" = \"$NIXPLAN_SYSTEM\" ] || { echo \"the target booted $running, not the new system $NIXPLAN_SYSTEM\" >&2; exit 1; }\n\
         echo \"back, running $running\"\n"
    } else {
        "echo back\n"
    };
    let mut back = action(
        "deploy/rebooted",
        Phase::Deploy,
        Kind::Precondition,
        None,
        Some(format!(
            "set -eu\n\
             deadline=$(( $(date +%s) + {REBOOT_LIMIT_SECONDS} ))\n\
             while :; do\n\
             \x20 now=$(ssh -o ControlMaster=no -o ControlPath=none -o ConnectTimeout=10 $NIX_SSHOPTS -- \"$NIXPLAN_TARGET\" cat /proc/sys/kernel/random/boot_id 2>/dev/null || :)\n\
             \x20 if [ -n \"$now\" ] && [ \"$now\" != \"$NIXPLAN_BOOT_ID\" ]; then break; fi\n\
             \x20 [ \"$(date +%s)\" -lt \"$deadline\" ] || {{ echo \"the target did not come back within {REBOOT_LIMIT_SECONDS} s of its reboot\" >&2; exit 1; }}\n\
             \x20 sleep 2\n\
             done\n\
             {check}"
        )),
        vec![Resource::new(Res::System, "rebooting")],
        vec![Resource::new(Res::System, "rebooted")],
        &format!(
            "wait (up to {REBOOT_LIMIT_SECONDS} s) until the target answers over a new SSH connection with a new boot id{}",
            if goal.sets_profile() { ", then check it runs the new system" } else { "" }
        ),
    );
    back.runs_on = RunsOn::Local;
    reach_target(&mut back);
    back.env
        .insert("NIXPLAN_BOOT_ID".into(), "@deploy/boot-id".into());
    with_system(&mut back);
    vec![id, reboot, back]
}

/// Plan a deploy of one configuration.
pub fn plan(
    config: &Config,
    options: &DeployOptions,
    source: SourceDigest,
) -> Result<Plan, PlanError> {
    let goal = options.goal;
    let node = config.target.name.clone();
    let (host, port) = login(config, options)?;
    let dep: Option<&Deployment> = config.deployment.as_ref();
    let on_target = options.build_on_target || dep.is_some_and(|d| d.build_on_target.value);
    let remote = host.is_some();
    if options.reboot && !(goal.activates() && goal != Goal::DryActivate && remote) {
        return Err(PlanError::Invalid {
            message: format!(
                "--reboot is for a switch, boot or test of a remote host (this is {} of {})",
                goal.as_str(),
                host.as_deref().unwrap_or("the machine nixplan runs on")
            ),
            at: None,
        });
    }
    if options.builders.is_some() && (options.system.is_some() || on_target || goal == Goal::Keys) {
        return Err(PlanError::Invalid {
            message: "--builders is for a build on this machine: here nothing is built here (--system, a build on the target, or the keys goal)".into(),
            at: None,
        });
    }
    let mut out: Vec<Action> = vec![crate::phases::facts::gather()];
    let system_ref = options.system.clone();
    // The system's store path: given, or printed by deploy/build.
    let mut system_env: Option<&str> = None;
    let mut have = vec![];
    if system_ref.is_none() && goal != Goal::Keys {
        let attr = options.flake_attr.clone().ok_or_else(|| PlanError::Invalid {
            message: format!(
                "{node} has no flake attribute `nix build` can build (a hive.nix, or a raw `colmena` output: colmena itself needs `colmenaHive = colmena.lib.makeHive self.colmena`); give a built system with --system /nix/store/... (--node-system NAME=PATH for a hive)"
            ),
            at: None,
        })?;
        if on_target && remote {
            let mut eval = action(
                "deploy/evaluate",
                Phase::Deploy,
                Kind::Build,
                Some(nix_words(&["eval", "--raw", &format!("{attr}.drvPath")])),
                None,
                vec![],
                vec![Resource::new(Res::System, "derivation")],
                &format!("evaluate {attr} here to its derivation, which the target builds"),
            );
            eval.runs_on = RunsOn::Local;
            let mut copy = action(
                "deploy/copy-derivation",
                Phase::Deploy,
                Kind::CopyClosure,
                None,
                Some(copy_script(
                    &["copy", "--no-check-sigs", "--derivation"],
                    "NIXPLAN_DRV",
                )),
                vec![Resource::new(Res::System, "derivation")],
                vec![Resource::new(Res::System, "derivation-copied")],
                "copy the derivation's closure to the target's store",
            );
            copy.runs_on = RunsOn::Local;
            reach_target(&mut copy);
            copy.env
                .insert("NIXPLAN_DRV".into(), "@deploy/evaluate".into());
            let mut build = action(
                "deploy/build",
                Phase::Deploy,
                Kind::Build,
                None,
                Some("set -eu\nnix-store --realise \"$NIXPLAN_DRV\"\n".into()),
                vec![Resource::new(Res::System, "derivation-copied")],
                vec![
                    Resource::new(Res::System, "built"),
                    Resource::new(Res::System, "copied"),
                ],
                "build the system on the target (deployment.buildOnTarget); its store path becomes NIXPLAN_SYSTEM",
            );
            build
                .env
                .insert("NIXPLAN_DRV".into(), "@deploy/evaluate".into());
            out.extend([eval, copy, build]);
        } else {
            let builders: Vec<&str> = match &options.builders {
                Some(spec) => vec!["--builders", spec],
                None => vec![],
            };
            let mut build = action(
                "deploy/build",
                Phase::Deploy,
                Kind::Build,
                Some(nix_words(
                    &[
                        &["build", "--no-link", "--print-out-paths"][..],
                        &builders[..],
                        &[attr.as_str()][..],
                    ]
                    .concat(),
                )),
                None,
                vec![],
                vec![Resource::new(Res::System, "built")],
                &format!("build {attr} on this machine; its store path becomes NIXPLAN_SYSTEM"),
            );
            build.runs_on = RunsOn::Local;
            out.push(build);
        }
        system_env = Some("@deploy/build");
        have.push(Resource::new(Res::System, "built"));
    }
    let with_system = |a: &mut Action| {
        match (&system_ref, system_env) {
            (Some(s), _) => a.env.insert("NIXPLAN_SYSTEM".into(), s.clone()),
            (None, Some(v)) => a.env.insert("NIXPLAN_SYSTEM".into(), v.into()),
            _ => None,
        };
    };
    let copied = Resource::new(Res::System, "copied");
    if goal.copies() && remote && !(on_target && system_ref.is_none()) {
        // Built here, so unsigned: the target takes them from a trusted
        // login (root, or a trusted Nix user), as nixos-rebuild's copy.
        let mut flags = vec!["copy".to_string(), "--no-check-sigs".to_string()];
        if options.substitute_on_destination {
            flags.push("--substitute-on-destination".into());
        }
        let flags: Vec<&str> = flags.iter().map(|s| s.as_str()).collect();
        let mut copy = action(
            "deploy/copy-closure",
            Phase::Deploy,
            Kind::CopyClosure,
            None,
            Some(copy_script(&flags, "NIXPLAN_SYSTEM")),
            have.clone(),
            vec![copied.clone()],
            "copy the system's closure to the target's store over the executor's SSH login (through sudo/doas for a non-root login)",
        );
        copy.runs_on = RunsOn::Local;
        reach_target(&mut copy);
        with_system(&mut copy);
        out.push(copy);
    }
    if !remote && goal.copies() {
        // This machine: the build is already in its store.
        if let Some(a) = out.iter_mut().find(|a| a.id == "deploy/build") {
            a.produces.push(copied.clone());
        }
    }
    let keys: Vec<&DeploymentKey> = dep.map(|d| d.keys.values().collect()).unwrap_or_default();
    let mut pre_keys = Vec::new();
    let mut post_keys = Vec::new();
    if goal.uploads_keys() {
        for k in &keys {
            let post = k.upload_at.value == "post-activation" && goal != Goal::Keys;
            let needs = if goal == Goal::Keys {
                vec![]
            } else if post {
                vec![Resource::new(Res::System, "switched")]
            } else {
                vec![copied.clone()]
            };
            let a = key_action(k, needs, &node)?;
            if post {
                post_keys.push(a);
            } else {
                pre_keys.push(a);
            }
        }
    }
    let pre_key_resources: Vec<Resource> = pre_keys
        .iter()
        .flat_map(|a| a.produces.iter().cloned())
        .collect();
    if goal.activates() {
        let mut before_switch = vec![copied.clone()];
        let check_profile = remote
            && !options.force_replace_unknown_profiles
            && dep.is_some_and(|d| !d.replace_unknown_profiles.value);
        if check_profile {
            // colmena's check: the target's current system must be in
            // this machine's store (deployed from here, or by a colleague
            // whose closure this store has), or nothing is activated.
            let read = action(
                "deploy/profile-read",
                Phase::Deploy,
                Kind::Precondition,
                None,
                Some(format!(
                    "set -eu\nreadlink -e {PROFILE} 2>/dev/null || readlink -e /run/current-system 2>/dev/null || echo none\n"
                )),
                vec![],
                vec![Resource::new(Res::System, "profile-read")],
                &format!("read which system {PROFILE} (else /run/current-system) points at on the target"),
            );
            let mut known = action(
                "deploy/profile-known",
                Phase::Deploy,
                Kind::Precondition,
                None,
                Some(
                    "set -eu\n\
                     if [ \"$NIXPLAN_RUNNING\" = none ]; then\n\
                     \x20 echo \"the target has no system profile nor /run/current-system: deployment.replaceUnknownProfiles is false, so nothing is activated over a system nixplan cannot name; --force-replace-unknown-profiles deploys anyway\" >&2\n\
                     \x20 exit 1\n\
                     fi\n\
                     if [ ! -e \"$NIXPLAN_RUNNING\" ]; then\n\
                     \x20 echo \"the target's system profile points at $NIXPLAN_RUNNING, which is not in this machine's store: someone else deployed it (or this store collected it). deployment.replaceUnknownProfiles is false, so nothing is activated; --force-replace-unknown-profiles deploys anyway\" >&2\n\
                     \x20 exit 1\n\
                     fi\n\
                     echo \"known here: $NIXPLAN_RUNNING\"\n"
                        .into(),
                ),
                vec![Resource::new(Res::System, "profile-read")],
                vec![Resource::new(Res::System, "profile-known")],
                "refuse to activate over a system this machine does not know (deployment.replaceUnknownProfiles = false)",
            );
            known.runs_on = RunsOn::Local;
            known
                .env
                .insert("NIXPLAN_RUNNING".into(), "@deploy/profile-read".into());
            out.extend([read, known]);
            before_switch.push(Resource::new(Res::System, "profile-known"));
        }
        if goal != Goal::DryActivate {
            // What will change, shown before anything does: the closure
            // diff against the running system and NixOS's own dry run.
            let mut p = action(
                "deploy/preview",
                Phase::Deploy,
                Kind::Preview,
                None,
                Some(PREVIEW.into()),
                before_switch.clone(),
                vec![Resource::new(Res::System, "previewed")],
                "show what will change: the closure diff against the running system (nix store diff-closures) and switch-to-configuration dry-activate",
            );
            with_system(&mut p);
            out.push(p);
            out.push(action(
                "deploy/approve",
                Phase::Deploy,
                Kind::Approval,
                None,
                None,
                vec![Resource::new(Res::System, "previewed")],
                vec![Resource::new(Res::System, "approved")],
                &format!(
                    "{} {node} as previewed (--yes agrees beforehand)",
                    goal.as_str()
                ),
            ));
            before_switch.push(Resource::new(Res::System, "approved"));
            // Nothing on the target changes before the approval: not
            // even a key.
            for k in pre_keys.iter_mut() {
                k.needs.push(Resource::new(Res::System, "approved"));
            }
        }
        before_switch.extend(pre_key_resources.iter().cloned());
        let watched = goal.can_roll_back() && remote && options.confirm_timeout.is_some();
        if watched {
            let timeout = options.confirm_timeout.unwrap_or_default();
            let w = action(
                "deploy/watchdog",
                Phase::Deploy,
                Kind::Watchdog,
                None,
                Some(watchdog_script(goal, timeout)),
                before_switch.clone(),
                vec![Resource::new(Res::System, "watched")],
                &format!(
                    "arm the rollback on the target: unless confirmed over a new SSH connection within {timeout} s of the switch, it {} and re-activates the system running now (its directory under {DEPLOY_ROOT} becomes NIXPLAN_DEPLOY)",
                    if goal.sets_profile() { "sets the profile back to its previous generation" } else { "leaves the profile as it is" }
                ),
            );
            out.push(w);
            before_switch.push(Resource::new(Res::System, "watched"));
        }
        if goal.sets_profile() {
            let mut p = action(
                "deploy/profile",
                Phase::Deploy,
                Kind::Profile,
                None,
                Some(format!(
                    "set -eu\nnix-env -p {PROFILE} --set \"$NIXPLAN_SYSTEM\"\n"
                )),
                before_switch.clone(),
                vec![Resource::new(Res::System, "profile")],
                &format!("make the new system {PROFILE}'s newest generation (the boot default)"),
            );
            with_system(&mut p);
            out.push(p);
            before_switch.push(Resource::new(Res::System, "profile"));
        }
        // What activating runs, in NixOS's order (an unknown dependency or
        // a cycle is the same error as in an install plan).
        let order = crate::phases::activation::order(&config.activation_scripts)
            .map_err(PlanError::Activation)?;
        let snippets = if order.is_empty() {
            String::new()
        } else {
            format!("; its activation snippets, in order: {}", order.join(", "))
        };
        let mut s = action(
            "deploy/switch",
            Phase::Deploy,
            Kind::Switch,
            None,
            Some(switch_script(goal, watched)),
            before_switch,
            vec![Resource::new(Res::System, "switched")],
            &format!(
                "switch-to-configuration {}, under systemd-run --wait where systemd runs (a dropped SSH connection does not stop it){snippets}",
                goal.as_str()
            ),
        );
        with_system(&mut s);
        if watched {
            s.env
                .insert("NIXPLAN_DEPLOY".into(), "@deploy/watchdog".into());
        }
        out.push(s);
        if watched {
            let timeout = options.confirm_timeout.unwrap_or_default();
            let mut c = action(
                "deploy/confirm",
                Phase::Deploy,
                Kind::Confirm,
                None,
                Some(
                    "set -eu\n\
                     if rm -- \"$NIXPLAN_DEPLOY/canary\" 2>/dev/null; then\n\
                     \x20 echo \"confirmed: the target stays on the new system\"\n\
                     else\n\
                     \x20 echo \"too late: the watchdog has rolled back (or is rolling back) to the previous system\" >&2; exit 1\n\
                     fi\n"
                        .into(),
                ),
                vec![Resource::new(Res::System, "switched")],
                vec![Resource::new(Res::System, "confirmed")],
                &format!("confirm the switch over a NEW SSH connection (the executor opens one for this kind; a dropped or refused connection means no confirmation), within {timeout} s: the target can still be reached after it"),
            );
            c.env
                .insert("NIXPLAN_DEPLOY".into(), "@deploy/watchdog".into());
            out.push(c);
            for k in post_keys.iter_mut() {
                k.needs.push(Resource::new(Res::System, "confirmed"));
            }
        }
        if options.reboot {
            let after = if watched { "confirmed" } else { "switched" };
            out.extend(reboot_actions(goal, after, &with_system));
            for k in post_keys.iter_mut() {
                k.needs.push(Resource::new(Res::System, "rebooted"));
            }
        }
    }
    out.extend(pre_keys);
    out.extend(post_keys);
    if !remote {
        for a in out.iter_mut() {
            a.runs_on = RunsOn::Local;
        }
    }
    let actions = nixplan_plan::order::order(out).map_err(PlanError::Order)?;
    let summary = Summary {
        bootstrap: "none (deploy)".into(),
        ..Summary::of_actions(&actions, None)
    };
    let plan = Plan {
        format_version: FORMAT_VERSION,
        nixplan_version: options.nixplan_version.clone(),
        target: PlanTarget {
            name: node,
            host,
            facts: None,
            goal: Some(goal.as_str().into()),
            port,
            ssh_options: match dep {
                Some(d) => ssh_options(d)?,
                None => vec![],
            },
            escalation: match dep {
                Some(d) => escalation(d)?,
                None => None,
            },
        },
        source,
        inputs: crate::build::plan_inputs(config),
        assumed: vec![],
        incomplete: crate::build::incomplete(config),
        phases: Phase::ALL
            .into_iter()
            .filter(|p| actions.iter().any(|a| a.phase == *p))
            .collect(),
        actions,
        summary,
        hash: String::new(),
        signature: None,
        hosts: Vec::new(),
    };
    Ok(plan.seal())
}

/// One plan of several hosts' deploys (`plan HIVE --on …`): each host's
/// plan whole and sealed; the hive plan's source is theirs together and
/// its hash covers them all.
pub fn hive(name: &str, goal: Goal, hosts: Vec<Plan>, nixplan_version: &str) -> Plan {
    let mut files: Vec<nixplan_plan::SourceFile> = Vec::new();
    for h in &hosts {
        for f in &h.source.files {
            if !files.iter().any(|g| g.path == f.path) {
                files.push(f.clone());
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let listing: String = hosts
        .iter()
        .map(|h| format!("{}\0{}\n", h.target.name, h.source.digest))
        .collect();
    let mut inputs: Vec<nixplan_plan::PlanInput> = Vec::new();
    for h in &hosts {
        for i in &h.inputs {
            if !inputs.contains(i) {
                inputs.push(i.clone());
            }
        }
    }
    let summary = Summary {
        actions: hosts.iter().map(|h| h.summary.actions).sum(),
        bootstrap: "none (deploy)".into(),
        ..Summary::default()
    };
    Plan {
        format_version: FORMAT_VERSION,
        nixplan_version: nixplan_version.into(),
        target: PlanTarget {
            name: name.into(),
            host: None,
            facts: None,
            goal: Some(goal.as_str().into()),
            port: None,
            ssh_options: vec![],
            escalation: None,
        },
        source: SourceDigest {
            digest: format!("sha256:{}", nixplan_plan::sha256_hex(listing.as_bytes())),
            root: hosts.first().and_then(|h| h.source.root.clone()),
            reference: hosts.first().and_then(|h| h.source.reference.clone()),
            files,
        },
        inputs,
        assumed: vec![],
        // Each host's plan says its own.
        incomplete: vec![],
        phases: vec![],
        actions: vec![],
        summary,
        hash: String::new(),
        signature: None,
        hosts,
    }
    .seal()
}
