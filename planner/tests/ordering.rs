//! Ordering rules of the planner, each on a small configuration written as
//! a user would, evaluated by nixplan's own evaluator.

mod common;

use common::plan_of;
use nixplan_plan::Plan;

fn position(p: &Plan, id: &str) -> usize {
    p.actions
        .iter()
        .position(|a| a.id == id)
        .unwrap_or_else(|| {
            panic!(
                "no action {id}: {:#?}",
                p.actions.iter().map(|a| &a.id).collect::<Vec<_>>()
            )
        })
}

fn ids_of_kind<'a>(p: &'a Plan, kind: &str) -> Vec<&'a str> {
    p.actions
        .iter()
        .filter(|a| a.kind == kind)
        .map(|a| a.id.as_str())
        .collect()
}

const GPT: &str = r#"{
  disko.devices.disk.main = {
    device = "/dev/vda";
    content.type = "gpt";
    content.partitions = {
      zz_root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      bios = { size = "1M"; type = "EF02"; };
      aaa = { size = "1G"; content = { type = "swap"; }; };
      home = { size = "10G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/home/alice/data"; }; };
      homes = { size = "10G"; content = { type = "filesystem"; format = "xfs"; mountpoint = "/home"; }; };
    };
  };
}"#;

#[test]
fn partitions_by_priority_then_name() {
    let p = plan_of(GPT);
    let parts = ids_of_kind(&p, "partition");
    assert_eq!(
        parts,
        [
            "disko/disk/main/partition/bios",
            "disko/disk/main/partition/ESP",
            "disko/disk/main/partition/aaa",
            "disko/disk/main/partition/home",
            "disko/disk/main/partition/homes",
            "disko/disk/main/partition/zz_root",
        ]
    );
    let a = p.action("disko/disk/main/partition/bios").unwrap();
    let script = a.script.as_ref().unwrap();
    for piece in ["sgdisk --align-end --new=1:0:+1M --partition-guid=1:R --change-name=1:disk-main-bios --typecode=1:EF02 --attributes=1:=:0 /dev/vda", "partprobe /dev/vda", "udevadm settle"] {
        assert!(script.contains(piece), "{piece} missing in {script}");
    }
    let root = p.action("disko/disk/main/partition/zz_root").unwrap();
    assert!(
        root.script.as_ref().unwrap().contains("--new=6:0:-0"),
        "{:?}",
        root.script
    );
}

#[test]
fn contents_after_every_partition_and_wipe_first() {
    let p = plan_of(GPT);
    let last_partition = position(&p, "disko/disk/main/partition/zz_root");
    for id in [
        "disko/disk/main/partition/ESP/format",
        "disko/disk/main/partition/aaa/mkswap",
    ] {
        assert!(
            position(&p, id) > last_partition,
            "{id} ran before every partition existed"
        );
    }
    assert!(position(&p, "disko/disk/main/wipe") < position(&p, "disko/disk/main/table"));
}

#[test]
fn mounts_parent_before_child_and_unmounts_exactly_reversed() {
    let p = plan_of(GPT);
    let mounts: Vec<String> = p
        .actions
        .iter()
        .filter(|a| a.kind == "mount")
        .map(|a| a.argv.as_ref().unwrap()[4].clone())
        .collect();
    assert_eq!(
        mounts,
        ["/mnt", "/mnt/boot", "/mnt/home", "/mnt/home/alice/data"]
    );
    let unmounts: Vec<String> = p
        .actions
        .iter()
        .filter(|a| a.kind == "unmount")
        .map(|a| a.argv.as_ref().unwrap()[1].clone())
        .collect();
    let mut reversed = mounts.clone();
    reversed.reverse();
    assert_eq!(unmounts, reversed);
    // disko's lexical unmount order would unmount /mnt/home before /mnt/home/alice/data.
    assert!(
        nixplan_plan::verify::verify(&p).is_empty(),
        "{:?}",
        nixplan_plan::verify::verify(&p)
    );
}

#[test]
fn luks_lvm_order_and_lv_sizes() {
    // A real key file with recognisable content: the plan may name it,
    // never carry what is in it.
    let key = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("secret.key");
    std::fs::write(&key, "NIXPLAN-KEY-CANARY-7f3a\n").unwrap();
    let key = key.display().to_string();
    let p = plan_of(
        &r#"{
  disko.devices = {
    disk.a = { device = "/dev/vda"; content.type = "gpt"; content.partitions.crypt = {
      size = "100%";
      content = { type = "luks"; name = "crypted"; settings.keyFile = "KEY";
        content = { type = "lvm_pv"; vg = "pool"; }; };
    }; };
    lvm_vg.pool = { type = "lvm_vg"; lvs = {
      rest = { size = "100%FREE"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/home"; }; };
      root = { size = "20G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    }; };
  };
}"#
            .replace("KEY", &key),
    );
    let order = |id: &str| position(&p, id);
    let crypt = "disko/disk/a/partition/crypt";
    assert!(order(&format!("{crypt}/luks-format")) < order(&format!("{crypt}/luks-open")));
    assert!(order(&format!("{crypt}/luks-open")) < order(&format!("{crypt}/luks/pvcreate")));
    assert!(order(&format!("{crypt}/luks/pvcreate")) < order("disko/lvm_vg/pool/create"));
    assert!(
        order("disko/lvm_vg/pool/lv/root") < order("disko/lvm_vg/pool/lv/rest"),
        "100%FREE comes last"
    );
    let rest = p
        .action("disko/lvm_vg/pool/lv/rest")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        rest,
        ["lvcreate", "--yes", "-l", "100%FREE", "-n", "rest", "pool"]
    );
    let root = p
        .action("disko/lvm_vg/pool/lv/root")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        root,
        ["lvcreate", "--yes", "-L", "20G", "-n", "root", "pool"]
    );
    let format = p
        .action(&format!("{crypt}/luks-format"))
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert!(format.contains(&"--key-file".to_string()) && format.contains(&key));
    // The key file is named, never read into the plan.
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(&key));
    assert!(!json.contains("NIXPLAN-KEY-CANARY"));
}

#[test]
fn raid_after_all_members() {
    let p = plan_of(
        r#"{
  disko.devices = {
    disk.a = { device = "/dev/vda"; content.type = "gpt"; content.partitions.r = { size = "100%"; content = { type = "mdraid"; name = "boot"; }; }; };
    disk.b = { device = "/dev/vdb"; content.type = "gpt"; content.partitions.r = { size = "100%"; content = { type = "mdraid"; name = "boot"; }; }; };
    mdadm.boot = { type = "mdadm"; level = 1; metadata = "1.0"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
    nodev."/" = { fsType = "tmpfs"; mountOptions = [ "size=1G" ]; };
  };
}"#,
    );
    let md = position(&p, "disko/mdadm/boot/create");
    assert!(position(&p, "disko/disk/a/partition/r/mdraid-member") < md);
    assert!(position(&p, "disko/disk/b/partition/r/mdraid-member") < md);
    // One script: create, then clear what the new array shows (disko).
    let script = p
        .action("disko/mdadm/boot/create")
        .unwrap()
        .script
        .clone()
        .unwrap();
    assert!(
        script.contains("mdadm --create /dev/md/boot --level=1 --raid-devices=2 --metadata=1.0")
            && script.trim_end().ends_with("sgdisk --zap-all /dev/md/boot"),
        "{script}"
    );
    assert!(
        position(&p, "disko/nodev///mount") < position(&p, "disko/mdadm/boot/mount"),
        "/ before /boot"
    );
}

#[test]
fn persistent_directories_after_mounts_before_install() {
    let p = plan_of(
        r#"{
  disko.devices = {
    nodev."/" = { fsType = "tmpfs"; };
    disk.a = { device = "/dev/vda"; content.type = "gpt"; content.partitions.p = { size = "100%";
      content = { type = "filesystem"; format = "ext4"; mountpoint = "/persist"; }; }; };
  };
  fileSystems."/persist".neededForBoot = true;
  users.users.alice = { isNormalUser = true; uid = 1000; };
  users.users.bob = { isNormalUser = true; };
  environment.persistence."/persist" = {
    directories = [ "/var/lib/nixos" { directory = "/srv/data"; user = "alice"; group = "users"; mode = "0750"; } ];
    files = [ "/etc/ssh/ssh_host_ed25519_key" ];
    users.alice.directories = [ "Documents" ];
    users.bob.directories = [ "notes" ];
  };
}"#,
    );
    let mount = position(&p, "disko/disk/a/partition/p/mount");
    let install = position(&p, "install/nixos-install");
    for a in p.actions.iter().filter(|a| a.phase == "persist") {
        let i = position(&p, &a.id);
        assert!(
            i > mount && i < install,
            "{} is not between the mount and the install",
            a.id
        );
    }
    let data = p
        .action("persist/dir/persist/srv/data")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        data,
        [
            "install",
            "-d",
            "-m",
            "0750",
            "-o",
            "1000",
            "-g",
            "100",
            "/mnt/persist/srv/data"
        ]
    );
    let home = p
        .action("persist/dir/persist/home/alice")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        home,
        [
            "install",
            "-d",
            "-m",
            "0700",
            "-o",
            "1000",
            "-g",
            "100",
            "/mnt/persist/home/alice"
        ]
    );
    assert!(p
        .action("persist/dir/persist/home/alice/Documents")
        .is_some());
    assert!(
        p.action("persist/dir/persist/etc/ssh").is_some(),
        "parent of a persisted file"
    );
    // bob has no fixed uid: created as root, given to him on the installed system.
    let chown = p.action("activation/chown/persist/home/bob/notes").unwrap();
    assert!(chown
        .argv
        .as_ref()
        .unwrap()
        .contains(&"bob:users".to_string()));
    assert!(position(&p, "activation/chown/persist/home/bob/notes") > install);
}

#[test]
fn activation_snippets_in_nixos_order_with_clean_environment() {
    let p = plan_of(
        r#"{ lib, ... }: {
  fileSystems."/" = { device = "/dev/vda1"; fsType = "ext4"; };
  system.activationScripts.zeta = "echo zeta";
  system.activationScripts.alpha = { text = "echo alpha"; deps = [ "zeta" "etc" ]; };
  system.activationScripts.mid = lib.stringAfter [ "users" ] "echo mid";
}"#,
    );
    let snippets = ids_of_kind(&p, "activation-snippet");
    assert_eq!(
        snippets,
        [
            "activation/snippet/zeta",
            "activation/snippet/alpha",
            "activation/snippet/mid"
        ]
    );
    for a in &p.actions {
        assert_eq!(
            a.env.get("HOME").map(String::as_str),
            Some("/root"),
            "{}",
            a.id
        );
        assert!(
            a.env.get("PATH").is_some_and(|p| !p.contains("/home/")),
            "{}",
            a.id
        );
    }
}

#[test]
fn same_input_same_bytes() {
    let a = plan_of(GPT).to_json();
    let b = plan_of(GPT).to_json();
    assert_eq!(a, b);
}

#[test]
fn thin_volumes_and_pool_export() {
    let p = plan_of(
        r#"{
  disko.devices = {
    disk.a = { device = "/dev/disk/by-id/a"; content.type = "gpt"; content.partitions = {
      pv = { size = "50%"; content = { type = "lvm_pv"; vg = "vg0"; }; };
      z = { size = "100%"; content = { type = "zfs"; pool = "tank"; }; };
    }; };
    lvm_vg.vg0.lvs = {
      pool = { size = "10G"; lvm_type = "thin-pool"; };
      images = { size = "500G"; lvm_type = "thinlv"; pool = "pool"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/images"; }; };
      root = { size = "5G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
    zpool.tank = { datasets.data = { type = "zfs_fs"; mountpoint = "/data"; }; };
  };
}"#,
    );
    let images = p
        .action("disko/lvm_vg/vg0/lv/images")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        images,
        [
            "lvcreate",
            "--yes",
            "-V",
            "500G",
            "-n",
            "images",
            "--thinpool=pool",
            "vg0"
        ]
    );
    let pool = p
        .action("disko/lvm_vg/vg0/lv/pool")
        .unwrap()
        .argv
        .clone()
        .unwrap();
    assert_eq!(
        pool,
        [
            "lvcreate",
            "--yes",
            "-L",
            "10G",
            "-n",
            "pool",
            "--type",
            "thin-pool",
            "vg0"
        ]
    );
    assert!(
        position(&p, "disko/lvm_vg/vg0/lv/pool") < position(&p, "disko/lvm_vg/vg0/lv/images"),
        "the thin pool first"
    );
    let export = position(&p, "reboot/zpool-export/tank");
    for a in p.actions.iter().filter(|a| a.kind == "unmount") {
        assert!(position(&p, &a.id) < export, "{} after the export", a.id);
    }
    assert!(export < position(&p, "reboot/reboot"));
    // A member wipe is skipped once its pool exists (a re-run keeps the pool).
    let member = p.action("disko/disk/a/partition/z/zfs-member").unwrap();
    assert_eq!(member.check.clone().unwrap(), ["zpool", "list", "tank"]);
}

/// The hybrid MBR is written once every partition exists and before any
/// content: with the 0xEE entry first (the default), GPT partitions take
/// MBR slots from 2, and sfdisk is given those slots, not GPT numbers.
#[test]
fn hybrid_mbr_after_the_partitions_before_the_contents() {
    let p = plan_of(
        r#"{
  disko.devices.disk.main = {
    device = "/dev/vda";
    content.type = "gpt";
    content.partitions = {
      fw = { priority = 1; size = "64M"; type = "0700"; hybrid = { mbrPartitionType = "0x0C"; mbrBootableFlag = true; }; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot/firmware"; }; };
      plain = { priority = 2; size = "64M"; };
      boot = { priority = 3; size = "512M"; hybrid = { mbrBootableFlag = true; }; content = { type = "filesystem"; format = "ext4"; mountpoint = "/boot"; }; };
      root = { size = "100%"; uuid = "0b6a3f2e-1c1d-4a5b-8e7f-0123456789ab"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
    };
  };
}"#,
    );
    let hybrid = position(&p, "disko/disk/main/hybrid-mbr");
    assert!(hybrid > position(&p, "disko/disk/main/partition/root"));
    for id in [
        "disko/disk/main/partition/fw/format",
        "disko/disk/main/partition/boot/format",
        "disko/disk/main/partition/root/format",
    ] {
        assert!(position(&p, id) > hybrid, "{id} ran before the hybrid MBR");
    }
    let a = &p.actions[hybrid];
    let script = a.script.as_deref().unwrap();
    for line in [
        "sgdisk -h 1:3 /dev/vda",
        "sfdisk --label-nested dos --part-type /dev/vda 2 0x0C",
        "sfdisk --label-nested dos --activate /dev/vda 2 3",
    ] {
        assert!(script.lines().any(|l| l == line), "{line} not in\n{script}");
    }
    let check = a.check.as_ref().unwrap().join(" ");
    assert!(
        check.contains("--part-type /dev/vda 1 | tr -d ' ')\" = ee ]"),
        "{check}"
    );
    assert!(
        check.contains("--part-type /dev/vda 2 | tr -d ' ')\" = c ]"),
        "{check}"
    );
    // The fixed GUID is given to sgdisk, and the partition is found by it.
    let root = p.action("disko/disk/main/partition/root").unwrap();
    assert!(root
        .script
        .as_deref()
        .unwrap()
        .contains("--partition-guid=4:0b6a3f2e-1c1d-4a5b-8e7f-0123456789ab"));
    let fmt = p.action("disko/disk/main/partition/root/format").unwrap();
    assert!(fmt
        .argv
        .iter()
        .flatten()
        .any(|w| w == "/dev/disk/by-partuuid/0b6a3f2e-1c1d-4a5b-8e7f-0123456789ab"));
}

/// disko's create hooks run where disko runs them: the preCreateHook
/// before anything of its device, the postCreateHook after everything that
/// creates and before every mount (disko mounts only after its whole create
/// script), with disko's shell variables.
#[test]
fn create_hooks_wrap_their_device() {
    let p = plan_of(
        r#"{
  disko.devices = {
    disk.x = { device = "/dev/vda"; content.type = "gpt"; content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      zfs = { size = "100%"; content = { type = "zfs"; pool = "zroot"; }; };
    }; };
    zpool.zroot = {
      type = "zpool";
      mountpoint = "/";
      preCreateHook = "echo before";
      postCreateHook = "zfs snapshot zroot@blank";
      datasets.home = { type = "zfs_fs"; mountpoint = "/home"; };
      datasets.nix = { type = "zfs_fs"; mountpoint = "/nix"; };
    };
  };
}"#,
    );
    let pre = position(&p, "disko/zpool/zroot/pre-create-hook");
    let post = position(&p, "disko/zpool/zroot/post-create-hook");
    assert!(position(&p, "disko/disk/x/partition/zfs/zfs-member") < pre);
    assert!(pre < position(&p, "disko/zpool/zroot/create"));
    for made in [
        "disko/zpool/zroot/create",
        "disko/zpool/zroot/dataset/home",
        "disko/zpool/zroot/dataset/nix",
        "disko/zpool/zroot/dataset/__root",
    ] {
        assert!(position(&p, made) < post, "{made} before the hook");
    }
    for mount in [
        "disko/zpool/zroot/dataset/__root/mount",
        "disko/zpool/zroot/dataset/home/mount",
        "disko/zpool/zroot/dataset/nix/mount",
    ] {
        assert!(post < position(&p, mount), "{mount} after the hook");
    }
    let script = p
        .action("disko/zpool/zroot/post-create-hook")
        .unwrap()
        .script
        .clone()
        .unwrap();
    assert!(
        script.starts_with("exec bash -c 'set -efux\n")
            && script.contains("name=zroot\n")
            && script.contains("zfs snapshot zroot@blank"),
        "{script}"
    );
}

/// A content's hook (the usual blank btrfs snapshot) runs after its
/// subvolumes exist and before they are mounted.
#[test]
fn a_content_hook_runs_before_its_mounts() {
    let p = plan_of(
        r#"{
  disko.devices.disk.x = { device = "/dev/vda"; content.type = "gpt"; content.partitions.root = {
    size = "100%";
    content = {
      type = "btrfs";
      postCreateHook = ''
        MNTPOINT=$(mktemp -d)
        mount "$device" "$MNTPOINT" -o subvol=/
        btrfs subvolume snapshot -r "$MNTPOINT/root" "$MNTPOINT/root-blank"
        umount "$MNTPOINT"
      '';
      subvolumes."/root".mountpoint = "/";
      subvolumes."/nix".mountpoint = "/nix";
    };
  }; };
}"#,
    );
    let hook = position(&p, "disko/disk/x/partition/root/btrfs/post-create-hook");
    let (mut mounts, mut subvolumes) = (0, 0);
    for (i, a) in p.actions.iter().enumerate() {
        if a.kind == "mount" && a.id.starts_with("disko/disk/x/partition/root") {
            assert!(hook < i, "{} after the hook", a.id);
            mounts += 1;
        }
        if a.kind == "btrfs-subvolume" {
            assert!(i < hook, "{} before the hook", a.id);
            subvolumes += 1;
        }
    }
    assert_eq!((mounts, subvolumes), (2, 2));
    let script = p.actions[hook].script.clone().unwrap();
    assert!(
        script.contains("device=/dev/disk/by-partlabel/disk-x-root\n"),
        "{script}"
    );
}

/// disko's mount hooks run where disko's mount script runs them: a
/// thing's hooks around each of its mounts (an enclosing thing's around
/// the inner ones'), and once around its device activation, after every
/// create hook and before any mount; a mount inside another waits for the
/// outer one's post-mount hooks.
#[test]
fn mount_hooks_wrap_each_mount_and_the_activation() {
    let p = plan_of(
        r#"{
  disko.devices.disk.x = { device = "/dev/vda"; content = {
    type = "gpt";
    preMountHook = "echo table-pre";
    postMountHook = "echo table-post";
    postCreateHook = "echo table-made";
    partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/";
        preMountHook = "echo root-pre"; postMountHook = "echo root-post"; }; };
    };
  }; };
}"#,
    );
    let root_pre = "disko/disk/x/partition/root/mount/pre-mount-hooks";
    let root_post = "disko/disk/x/partition/root/mount/post-mount-hooks";
    let boot_pre = "disko/disk/x/partition/ESP/mount/pre-mount-hooks";
    let boot_post = "disko/disk/x/partition/ESP/mount/post-mount-hooks";
    let act_pre = "disko/disk/x/gpt/pre-activation-mount-hook";
    let act_post = "disko/disk/x/gpt/post-activation-mount-hook";
    let created = "disko/disk/x/gpt/post-create-hook";
    assert!(position(&p, created) < position(&p, act_pre));
    assert!(position(&p, act_pre) < position(&p, act_post));
    assert!(position(&p, act_post) < position(&p, root_pre));
    assert!(position(&p, act_post) < position(&p, boot_pre));
    assert!(position(&p, root_pre) < position(&p, "disko/disk/x/partition/root/mount"));
    assert!(position(&p, "disko/disk/x/partition/root/mount") < position(&p, root_post));
    // /boot is inside /: its hooks and mount come after all of /'s.
    assert!(position(&p, root_post) < position(&p, boot_pre));
    assert!(position(&p, boot_pre) < position(&p, "disko/disk/x/partition/ESP/mount"));
    assert!(position(&p, "disko/disk/x/partition/ESP/mount") < position(&p, boot_post));
    let script = |id: &str| p.action(id).unwrap().script.clone().unwrap();
    // Outer (the table's) pre hook first, its post hook last.
    let pre = script(root_pre);
    assert!(
        pre.find("table-pre").unwrap() < pre.find("root-pre").unwrap(),
        "{pre}"
    );
    let post = script(root_post);
    assert!(
        post.find("root-post").unwrap() < post.find("table-post").unwrap(),
        "{post}"
    );
    let (pre_act, post_act) = (script(act_pre), script(act_post));
    assert!(
        pre_act.contains("table-pre") && !pre_act.contains("table-post"),
        "{pre_act}"
    );
    assert!(
        post_act.contains("table-post") && !post_act.contains("root-"),
        "{post_act}"
    );
    assert_eq!(script(boot_pre).matches("bash -c").count(), 1);
    // Whatever uses a mount waits for its post-mount hooks.
    let mut users = 0;
    for a in &p.actions {
        if a.id != root_post && a.needs.iter().any(|n| n.to_string() == "mount:/mnt") {
            assert!(position(&p, root_post) < position(&p, &a.id), "{}", a.id);
            users += 1;
        }
    }
    assert!(
        users >= 2,
        "the mount of / is used by /boot and the install"
    );
}
