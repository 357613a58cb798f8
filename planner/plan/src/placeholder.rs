//! Values the plan names and the executor fills in while running, because
//! only the run knows them. A reviewer sees the name; the run decides the
//! value, as the plan says.

/// An environment value the executor fills in: the options of the SSH
/// connection it uses (port, identity, known hosts, its control socket), so
/// that `nix copy` and `ssh` in local actions reach the target the same way.
pub const SSH_OPTIONS: &str = "@ssh-options";
/// An environment value the executor fills in: the login it reaches the
/// target with now (`user@host`; `root@host` after a kexec, as the
/// installer has only root).
pub const SSH_TARGET: &str = "@ssh-target";
/// An environment value the executor fills in: the words that run a
/// command as root on the target (empty for a root login, else `sudo -n`
/// or `doas -n`, whichever the facts say works without a password).
pub const ESCALATION: &str = "@escalation";
/// The word an install's `nix build` has where the target has no flake
/// attribute nix can build (a module file; a raw `colmena` output, which
/// only colmena's own evaluation reads): the plan shows it, and `apply`
/// refuses the plan before anything runs unless the build is not selected
/// (`--system`, or `--stop-after persist`).
pub const NO_FLAKE_ATTRIBUTE: &str = "<no flake attribute to build: plan with --system>";
