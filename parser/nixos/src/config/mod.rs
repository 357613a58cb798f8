//! The typed configuration: what planning needs from an evaluated NixOS
//! system, as a serde model. Every value carries where it was written
//! (`at`: the [`Pos`] of the definition in the user's files).

use std::collections::BTreeMap;

use serde::Serialize;

/// The text of the activation snippets NixOS defines itself (see nixos.nix).
pub const NIXOS_PROVIDED: &str = "# provided by NixOS";

/// Where the user wrote a value: a file (as the user named it, relative to
/// the target) and a range of it. Typed all the way to the plan and the
/// lint findings; `file:line:column` only where it is shown (and in
/// `config --json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: std::sync::Arc<str>,
    /// 1-based, as editors count.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Byte offset of a 1-based line and column (in characters) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + within)
}

/// 1-based line and column (in characters) of a byte offset in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The end of the `name = value;` binding (or `inherit`) written at byte
/// `start` of `text`.
fn binding_end(text: &str, start: usize) -> Option<usize> {
    use rowan::ast::AstNode;
    /// How many files' trees are kept.
    const KEPT: usize = 8;
    thread_local! {
        /// The texts parsed here last and their trees, the last used
        /// first: a plan's lists are in a few files, each parsed once, not
        /// once per list (a realworld plan widens 26 lists of 5 files: 8
        /// parses when only the last was kept).
        static PARSED: std::cell::RefCell<Vec<(String, rnix::ast::Root)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let root = PARSED.with_borrow_mut(|kept| {
        if let Some(i) = kept.iter().position(|(was, _)| was == text) {
            let hit = kept.remove(i);
            let root = hit.1.clone();
            kept.insert(0, hit);
            return root;
        }
        let root = rnix::Root::parse(text).tree();
        kept.insert(0, (text.to_string(), root.clone()));
        kept.truncate(KEPT);
        root
    });
    let token = root
        .syntax()
        .token_at_offset(rowan::TextSize::try_from(start).ok()?)
        .right_biased()?;
    let binding = token.parent_ancestors().find(|n| {
        matches!(
            n.kind(),
            rnix::SyntaxKind::NODE_ATTRPATH_VALUE | rnix::SyntaxKind::NODE_INHERIT
        )
    })?;
    Some(usize::from(binding.text_range().end()))
}

impl Pos {
    /// The byte range of this position in `text` (the text of its file);
    /// a one-character position (the module system keeps only where a
    /// definition starts) is widened to the binding that starts there.
    pub fn range_in(&self, text: &str) -> Option<(usize, usize)> {
        let start = offset_of(text, self.line, self.column)?;
        let mut end = offset_of(text, self.end_line, self.end_column)?.min(text.len());
        if end <= start + 1 {
            end = binding_end(text, start)?;
        }
        (start < end && text.is_char_boundary(start) && text.is_char_boundary(end))
            .then_some((start, end))
    }

    /// The first place inside this position's range of `text` (the text of
    /// its file) where `needle` is written: the element of a list, the line
    /// of a snippet that a finding is about. `None` when it is not there
    /// (the value was computed, or the range is another definition's).
    pub fn narrowed_to(&self, text: &str, needle: &str) -> Option<Pos> {
        if needle.is_empty() {
            return None;
        }
        let (start, end) = self.range_in(text)?;
        let at = start + text[start..end].find(needle)?;
        let (line, column) = line_col(text, at);
        let (end_line, end_column) = line_col(text, at + needle.len());
        Some(Pos {
            file: self.file.clone(),
            line,
            column,
            end_line,
            end_column,
        })
    }

    /// [`Pos::narrowed_to`] with the file read from disk (by the name it
    /// was given); this position when the file cannot be read or the
    /// needle is not in the range.
    pub fn narrowed_in_file(&self, needle: &str) -> Pos {
        std::fs::read_to_string(&*self.file)
            .ok()
            .and_then(|text| self.narrowed_to(&text, needle))
            .unwrap_or_else(|| self.clone())
    }
}

impl Serialize for Pos {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value and where it was defined.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Located<T> {
    pub value: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Pos>,
}

impl<T> Located<T> {
    pub fn new(value: T, at: Option<Pos>) -> Located<T> {
        Located { value, at }
    }
}

type L<T> = Located<T>;

/// A list of strings, where it was defined, and where each element is
/// written: `items[i]` is element i's own place in the list's definition
/// (the list's place, `at`, where the element is not written there: built
/// by a function, or merged from another definition).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Strings {
    pub value: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Pos>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Option<Pos>>,
}

impl Strings {
    /// Where element `i` is written (else where the list is).
    pub fn item_at(&self, i: usize) -> Option<&Pos> {
        self.items
            .get(i)
            .and_then(Option::as_ref)
            .or(self.at.as_ref())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub target: TargetInfo,
    pub host_name: L<String>,
    pub system: L<String>,
    pub state_version: L<String>,
    pub disko: Disko,
    /// By mount point (not by the attribute name NixOS defaults it from).
    pub file_systems: BTreeMap<String, FileSystem>,
    pub swap_devices: Vec<SwapDevice>,
    pub luks_devices: BTreeMap<String, LuksDevice>,
    pub boot_loader: BootLoader,
    pub persistence: BTreeMap<String, Persistence>,
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    pub mutable_users: L<bool>,
    pub activation_scripts: BTreeMap<String, Snippet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    pub failed_assertions: Vec<String>,
    pub warnings: Vec<String>,
    /// The flake inputs the evaluation reached, by input path, and how
    /// each served (its real source, or a stand-in).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<crate::inputs::InputUse>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub name: String,
    /// nixosConfiguration, colmenaNode, diskoConfiguration or module.
    pub kind: String,
    /// The flake attribute `nix build` builds this system from
    /// (`nixosConfigurations.NAME.config.system.build.toplevel`,
    /// `colmenaHive.toplevel.NAME`), where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toplevel: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Disko {
    pub root_mount_point: String,
    pub disks: BTreeMap<String, Disk>,
    pub lvm_vgs: BTreeMap<String, VolumeGroup>,
    pub mdadm: BTreeMap<String, MdArray>,
    pub zpools: BTreeMap<String, Zpool>,
    pub nodev: BTreeMap<String, Nodev>,
    pub bcachefs_filesystems: BTreeMap<String, BcachefsFilesystem>,
    /// disko's hooks (shell the user wrote) by [`hook_key`] of what they
    /// belong to; only those with a hook set.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: BTreeMap<String, Hooks>,
}

/// A disko device's or content's hooks, and the shell variables disko
/// defines before running them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Hooks {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pre_create: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub post_create: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pre_mount: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub post_mount: String,
    pub variables: BTreeMap<String, String>,
    /// Where the first create hook was written.
    pub at: Option<Pos>,
    /// Where the first mount hook was written.
    pub mount_at: Option<Pos>,
}

impl Hooks {
    pub fn is_empty(&self) -> bool {
        self.pre_create.is_empty()
            && self.post_create.is_empty()
            && self.pre_mount.is_empty()
            && self.post_mount.is_empty()
    }
}

/// The settings disko gives its hooks as shell variables (where the thing
/// has them; disko defines every plain option, these are the ones hooks use).
pub const HOOK_VARIABLES: &[&str] = &[
    "name",
    "device",
    "type",
    "format",
    "mountpoint",
    "fsType",
    "pool",
    "vg",
    "level",
];

/// What hooks are filed under: a content by its type and device (`btrfs
/// /dev/mapper/crypted`), a top-level device by its kind and name (`zpool
/// zroot`, `disk main`, `dataset zroot/root`).
pub fn hook_key(kind: &str, name: &str) -> String {
    format!("{kind} {name}")
}

#[derive(Debug, Clone, Serialize)]
pub struct BcachefsFilesystem {
    pub name: String,
    pub uuid: L<String>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub extra_format_args: Strings,
    /// Formatted `--encrypted`, the passphrase read from this file (on the
    /// target; named, never read here).
    pub password_file: L<Option<String>>,
    /// Subvolumes by name (a path inside the filesystem).
    pub subvolumes: Vec<BcachefsSubvolume>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BcachefsSubvolume {
    pub name: String,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    pub name: String,
    pub device: L<String>,
    pub image_size: L<String>,
    pub content: Option<Content>,
    pub at: Option<Pos>,
}

/// What a disk, partition, volume or array holds (disko's `content`), one
/// variant per disko type, each with its own struct.
// A configuration holds a handful of these (one per device): their size
// does not matter, and boxing the largest would make every pattern on it
// (lint rules, the planner) go through the box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Gpt(Gpt),
    Table(Table),
    Filesystem(Filesystem),
    Swap(Swap),
    Luks(Luks),
    LvmPv(LvmPv),
    Mdraid(Mdraid),
    Zfs(Zfs),
    Btrfs(Btrfs),
    Bcachefs(Bcachefs),
}

#[derive(Debug, Clone, Serialize)]
pub struct Gpt {
    pub device: String,
    pub partitions: Vec<Partition>,
    /// The hybrid MBR's 0xEE entry goes first (disko's default).
    pub efi_gpt_partition_first: L<bool>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub device: String,
    pub format: L<String>,
    pub partitions: Vec<TablePartition>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Filesystem {
    pub device: String,
    pub format: L<String>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub extra_args: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Swap {
    pub device: String,
    pub random_encryption: L<bool>,
    pub resume_device: L<bool>,
    pub priority: L<Option<i64>>,
    pub extra_args: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Luks {
    pub device: String,
    pub name: L<String>,
    /// The file holding the passphrase (named, never read).
    pub password_file: L<Option<String>>,
    pub key_file: L<Option<String>>,
    pub additional_key_files: Strings,
    pub extra_format_args: Strings,
    pub extra_open_args: Strings,
    /// `settings.allowDiscards`: opened with `--allow-discards`.
    pub allow_discards: L<bool>,
    /// `settings.keyFileSize` / `keyFileOffset`: the part of the key file used.
    pub key_file_size: L<Option<i64>>,
    pub key_file_offset: L<Option<i64>>,
    pub initrd_unlock: L<bool>,
    pub ask_password: L<bool>,
    pub content: Option<Box<Content>>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LvmPv {
    pub device: String,
    pub vg: L<String>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mdraid {
    pub device: String,
    pub name: L<String>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Zfs {
    pub device: String,
    pub pool: L<String>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Btrfs {
    pub device: String,
    pub extra_args: Strings,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub subvolumes: Vec<Subvolume>,
    pub swap: Vec<Swapfile>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bcachefs {
    pub device: String,
    /// The `bcachefs_filesystems` entry this device is a member of.
    pub filesystem: L<Option<String>>,
    pub label: L<String>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub extra_format_args: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Partition {
    pub name: String,
    pub label: L<String>,
    pub device: L<String>,
    pub type_code: L<String>,
    pub size: L<String>,
    pub start: L<String>,
    pub end: L<String>,
    pub priority: L<i64>,
    pub alignment: L<i64>,
    /// A fixed partition GUID (`uuid`), else sgdisk makes a random one.
    pub uuid: L<Option<String>>,
    /// GPT attribute bits to set (0 required, 2 legacy BIOS bootable…).
    pub attributes: L<Vec<i64>>,
    /// An entry in the hybrid MBR: the MBR type (`0x0c`) and boot flag.
    pub hybrid: Option<Hybrid>,
    pub content: Option<Content>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hybrid {
    pub mbr_partition_type: L<Option<String>>,
    pub mbr_bootable_flag: L<bool>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TablePartition {
    pub name: L<Option<String>>,
    pub part_type: L<String>,
    pub fs_type: L<Option<String>>,
    pub start: L<String>,
    pub end: L<String>,
    pub bootable: L<bool>,
    pub flags: Strings,
    pub content: Option<Content>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subvolume {
    pub name: L<String>,
    pub at: Option<Pos>,
    /// `extraArgs` of `btrfs subvolume create` (disko writes them
    /// unquoted: the shell splits each at blanks).
    pub extra_args: Strings,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub swap: Vec<Swapfile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Swapfile {
    pub name: String,
    pub size: L<String>,
    pub path: L<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VolumeGroup {
    pub name: String,
    pub lvs: BTreeMap<String, LogicalVolume>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogicalVolume {
    pub name: String,
    pub size: L<String>,
    pub lvm_type: L<Option<String>>,
    pub pool: L<Option<String>>,
    pub extra_args: Strings,
    pub priority: L<i64>,
    pub content: Option<Content>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MdArray {
    pub name: String,
    pub level: L<i64>,
    pub metadata: L<String>,
    /// `extraArgs`: given to `mdadm --create` before the members.
    pub extra_args: Strings,
    pub content: Option<Content>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Zpool {
    pub name: String,
    /// A string ("mirror", "" for stripes) or disko's topology set, as JSON.
    pub mode: L<serde_json::Value>,
    pub options: L<BTreeMap<String, String>>,
    pub root_fs_options: L<BTreeMap<String, String>>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub datasets: BTreeMap<String, Dataset>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub name: String,
    pub kind: L<String>,
    pub options: L<BTreeMap<String, String>>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub size: L<Option<String>>,
    /// A volume's `extraArgs` of `zfs create` (each one word; disko's
    /// `zfs_fs` has no such option).
    pub extra_args: Strings,
    pub content: Option<Content>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nodev {
    pub fs_type: L<String>,
    pub device: L<String>,
    pub mountpoint: L<Option<String>>,
    pub mount_options: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSystem {
    pub mount_point: L<String>,
    pub device: L<Option<String>>,
    pub fs_type: L<String>,
    pub options: Strings,
    pub needed_for_boot: L<bool>,
    pub depends: Strings,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SwapDevice {
    pub device: L<Option<String>>,
    pub random_encryption: bool,
    pub priority: L<Option<i64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LuksDevice {
    pub device: L<String>,
    pub key_file: L<Option<String>>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BootLoader {
    pub systemd_boot: L<bool>,
    pub grub: L<bool>,
    pub grub_devices: Strings,
    pub grub_device: L<String>,
    pub grub_efi_support: L<bool>,
    pub grub_efi_install_as_removable: L<bool>,
    pub efi_sys_mount_point: L<String>,
    pub can_touch_efi_variables: L<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Persistence {
    pub root: L<String>,
    pub enable: L<bool>,
    pub hide_mounts: L<bool>,
    pub directories: Vec<PersistedDirectory>,
    pub files: Vec<PersistedFile>,
    pub users: BTreeMap<String, PersistedUser>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersistedDirectory {
    pub directory: String,
    pub user: String,
    pub group: String,
    pub mode: String,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersistedFile {
    pub file: String,
    pub parent_user: String,
    pub parent_group: String,
    pub parent_mode: String,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersistedUser {
    pub home: L<String>,
    pub directories: Vec<PersistedDirectory>,
    pub files: Vec<PersistedFile>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub uid: L<Option<i64>>,
    pub group: L<String>,
    pub home: L<String>,
    pub is_normal_user: L<bool>,
    pub is_system_user: L<bool>,
    pub create_home: L<bool>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub gid: L<Option<i64>>,
    pub at: Option<Pos>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    /// A snippet NixOS itself defines (nixplan knows its name and
    /// dependencies, not its text); it runs as part of NixOS's activation.
    pub provided_by_nixos: bool,
    pub text: String,
    pub deps: Strings,
    pub supports_dry_activation: L<bool>,
    pub at: Option<Pos>,
    /// Why its text cannot be evaluated here (and where): the plan leaves
    /// it out and is incomplete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub target_host: L<Option<String>>,
    pub target_port: L<Option<i64>>,
    pub target_user: L<Option<String>>,
    pub tags: Strings,
    pub build_on_target: L<bool>,
    pub allow_local_deployment: L<bool>,
    pub replace_unknown_profiles: L<bool>,
    pub privilege_escalation_command: Strings,
    pub ssh_options: Strings,
    pub keys: BTreeMap<String, DeploymentKey>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentKey {
    pub name: L<String>,
    /// Where the key comes from; its content is never read into the config.
    pub key_file: L<Option<String>>,
    /// A command run here at apply time whose output is the key.
    pub key_command: Option<Strings>,
    /// The key is given as text in the configuration.
    pub has_text: bool,
    /// That text: read for `apply` only, never serialised (not in
    /// `config --json`, not in a plan).
    #[serde(skip)]
    pub text: Option<String>,
    /// Where `deployment.keys` is defined.
    pub at: Option<Pos>,
    pub dest_dir: L<String>,
    pub user: L<String>,
    pub group: L<String>,
    pub permissions: L<String>,
    pub upload_at: L<String>,
}

/// The device of partition `n` of a disk partitioned by number.
pub fn numbered_partition(device: &str, n: usize) -> String {
    if device.starts_with("/dev/disk/") {
        format!("{device}-part{n}")
    } else if device.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{device}p{n}")
    } else {
        format!("{device}{n}")
    }
}

impl Content {
    /// disko's name of this content type (`gpt`, `luks`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Content::Gpt(_) => "gpt",
            Content::Table(_) => "table",
            Content::Filesystem(_) => "filesystem",
            Content::Swap(_) => "swap",
            Content::Luks(_) => "luks",
            Content::LvmPv(_) => "lvm_pv",
            Content::Mdraid(_) => "mdraid",
            Content::Zfs(_) => "zfs",
            Content::Btrfs(_) => "btrfs",
            Content::Bcachefs(_) => "bcachefs",
        }
    }

    pub fn device(&self) -> &str {
        match self {
            Content::Gpt(Gpt { device, .. })
            | Content::Table(Table { device, .. })
            | Content::Filesystem(Filesystem { device, .. })
            | Content::Swap(Swap { device, .. })
            | Content::Luks(Luks { device, .. })
            | Content::LvmPv(LvmPv { device, .. })
            | Content::Mdraid(Mdraid { device, .. })
            | Content::Zfs(Zfs { device, .. })
            | Content::Btrfs(Btrfs { device, .. })
            | Content::Bcachefs(Bcachefs { device, .. }) => device,
        }
    }

    pub fn set_device(&mut self, new: String) {
        match self {
            Content::Gpt(Gpt { device, .. })
            | Content::Table(Table { device, .. })
            | Content::Filesystem(Filesystem { device, .. })
            | Content::Swap(Swap { device, .. })
            | Content::Luks(Luks { device, .. })
            | Content::LvmPv(LvmPv { device, .. })
            | Content::Mdraid(Mdraid { device, .. })
            | Content::Zfs(Zfs { device, .. })
            | Content::Btrfs(Btrfs { device, .. })
            | Content::Bcachefs(Bcachefs { device, .. }) => *device = new,
        }
    }
}

/// A path as a flake reference URL holds it: what is not plainly a path
/// character percent-encoded (a space, `%`, `?`, `#`).
fn url_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to evaluate.
#[derive(Debug, Clone)]
pub enum Target {
    /// `nixosConfigurations.NAME`, a colmena node or `diskoConfigurations.NAME`
    /// of the flake in this (absolute) directory.
    /// `root`: the source the flake is read from, when a reference
    /// `path:ROOT?dir=SUB` names it (`dir` is then ROOT/SUB): all of ROOT
    /// is the flake's source, as nix copies it.
    Flake {
        dir: String,
        name: String,
        root: Option<String>,
    },
    /// A module file (absolute path).
    Module { file: String },
}

impl Target {
    /// The flake reference nixplan reads the target's flake by: `path:ROOT`
    /// or `path:ROOT?dir=SUB` where a root was named, else the directory.
    /// `None` for a module file.
    pub fn flake_reference(&self) -> Option<String> {
        match self {
            Target::Flake { dir, root, .. } => Some(match root {
                Some(r) => match std::path::Path::new(dir)
                    .strip_prefix(r)
                    .ok()
                    .map(|s| s.display().to_string())
                    .filter(|s| !s.is_empty())
                {
                    Some(sub) => format!("path:{r}?dir={sub}"),
                    None => format!("path:{r}"),
                },
                None => dir.clone(),
            }),
            Target::Module { .. } => None,
        }
    }

    /// The same flake as nix must be given it to read what nixplan reads:
    /// a named root as above; a directory nixplan reads as a git work
    /// tree's (git tracks its flake.nix) as itself, which nix reads so
    /// too; any other as `path:DIR` (nix would stop on a flake.nix git
    /// does not track, which nixplan reads as a directory).
    /// (A directory outside any git work tree is given as itself, which
    /// nix reads as `path:`; in a `path:` URL the path is percent-encoded.)
    pub fn nix_flake_reference(&self) -> Option<String> {
        match self {
            Target::Flake {
                dir, root: None, ..
            } => {
                let d = std::path::Path::new(dir);
                let in_git = d.ancestors().any(|a| a.join(".git").exists());
                Some(if !in_git || crate::inputs::read_from_git(d) {
                    dir.clone()
                } else {
                    format!("path:{}", url_path(dir))
                })
            }
            Target::Flake {
                dir, root: Some(r), ..
            } => Some(
                match std::path::Path::new(dir)
                    .strip_prefix(r)
                    .ok()
                    .map(|s| s.display().to_string())
                    .filter(|s| !s.is_empty())
                {
                    Some(sub) => format!("path:{}?dir={}", url_path(r), url_path(&sub)),
                    None => format!("path:{}", url_path(r)),
                },
            ),
            Target::Module { .. } => None,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Target::Flake { name, .. } => name.clone(),
            Target::Module { file } => file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".nix")
                .to_string(),
        }
    }
}

mod extract;

pub use extract::{flake_nodes, from_nix_json, load, NIX_SELECT};

#[cfg(test)]
mod reference_tests {
    use super::Target;

    #[test]
    fn a_named_root_is_given_to_nix_as_a_percent_encoded_path_url() {
        let t = Target::Flake {
            dir: "/srv/my flakes/hosts/web".into(),
            name: "web".into(),
            root: Some("/srv/my flakes".into()),
        };
        assert_eq!(
            t.nix_flake_reference().unwrap(),
            "path:/srv/my%20flakes?dir=hosts/web"
        );
        // nixplan's own reading of it keeps the path as written.
        assert_eq!(
            t.flake_reference().unwrap(),
            "path:/srv/my flakes?dir=hosts/web"
        );
        let whole = Target::Flake {
            dir: "/srv/a%b".into(),
            name: "x".into(),
            root: Some("/srv/a%b".into()),
        };
        assert_eq!(whole.nix_flake_reference().unwrap(), "path:/srv/a%25b");
    }
}
