//! What a plan is made with: the options given on the command line, and
//! the errors planning reports.

use nixplan_plan::PhaseSelection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapMode {
    /// Decide from the target's facts (shown as conditions without them).
    Auto,
    Kexec,
    /// Install from the running system (nix and nixos-install on PATH).
    Live,
    /// The target already runs a NixOS installer.
    None,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub target_host: Option<String>,
    pub bootstrap: BootstrapMode,
    /// A prebuilt system (`/nix/store/...-nixos-system-...`); otherwise the
    /// plan builds `flake_attr` locally.
    pub system: Option<String>,
    /// `PATH#nixosConfigurations.NAME...toplevel`, for the build action.
    pub flake_attr: Option<String>,
    pub facts: Option<serde_json::Value>,
    /// The phases the plan keeps.
    pub phases: PhaseSelection,
    /// A directory whose contents are copied into the new root (`/mnt`)
    /// before installing (`--extra-files`), owned as `chown` says.
    pub extra_files: Option<String>,
    pub chown: Vec<(String, String)>,
    /// Where the kexec installer comes from.
    pub kexec_image: KexecImage,
    /// Secret files to put on the target before disko runs (LUKS key
    /// files): `(path on the target, file here)`; their contents are
    /// streamed, never put in the plan.
    pub secret_files: Vec<(String, String)>,
    pub nixplan_version: String,
}

/// The kexec installer tarball: downloaded by the target, or uploaded from
/// here (its sha256 is in the plan and checked on the target before use).
#[derive(Debug, Clone, PartialEq)]
pub enum KexecImage {
    Download { url: String },
    Upload { path: String, sha256: String },
}

/// nixos-images' kexec installer for the target's architecture (`uname -m`).
pub const DEFAULT_KEXEC_URL: &str = "https://github.com/nix-community/nixos-images/releases/latest/download/nixos-kexec-installer-noninteractive-$(uname -m)-linux.tar.gz";

impl Default for KexecImage {
    fn default() -> Self {
        KexecImage::Download {
            url: DEFAULT_KEXEC_URL.into(),
        }
    }
}
