# disko's `disko.devices` options, declared for nixplan with disko's types
# and computed defaults (labels, priorities, device paths, typecodes), and
# the fileSystems, swapDevices and boot.initrd.luks.devices that disko
# derives from them. Written for nixplan.
{ lib, config, ... }:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  inherit (lib) mkOption mkIf mkDefault;
  # disko's and impermanence's submodules are strict, as in NixOS: an
  # option they do not declare (`mountPoint` for `mountpoint`) is an error.
  types = lib.types // {
    submodule = lib.types.nixplanStrictSubmodule or lib.types.submodule;
    submoduleWith = lib.types.nixplanStrictSubmoduleWith or lib.types.submoduleWith;
  };
  str = types.str;
  opt = type: default: mkOption { inherit type default; };
  req = type: mkOption { inherit type; };

  # A name as udev writes it in a /dev/disk link (disko's
  # hexEscapeUdevSymlink): other than letters, digits and `#+,-./:=@_`,
  # printable characters become \xHH.
  hexEscape = s:
    let
      printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
      codes = b.listToAttrs (b.genList (i: { name = b.substring i 1 printable; value = 32 + i; }) (b.stringLength printable));
      hex = n: let d = "0123456789ABCDEF"; in (if n >= 16 then b.substring (n / 16) 1 d else "") + b.substring (n - 16 * (n / 16)) 1 d;
      escape = c: if b.match "[0-9A-Za-z#+,./:=@_-]" c != null || !(codes ? ${c}) then c else "\\x" + hex codes.${c};
    in
    b.concatStringsSep "" (b.genList (i: escape (b.substring i 1 s)) (b.stringLength s));

  # A content is a submodule chosen by its `type` attribute.
  tagged = kinds: parent: (types.nixplanMkOptionType or types.mkOptionType) {
    name = "diskoContent";
    description = "disko content (one of ${b.concatStringsSep ", " (b.attrNames kinds)})";
    # A definition may leave `type` to another one (it only adds settings).
    check = x: b.isAttrs x && (!(x ? type) || (b.isString x.type && kinds ? ${x.type}));
    merge = loc: defs:
      let typed = b.filter (d: d.value ? type) defs; in
      if typed == [ ] then lib.options.throwAt (lib.options.defPos defs) "The disko content `${lib.options.showOption loc}' has no `type'."
      else (types.submoduleWith { modules = [ (kinds.${(b.head typed).value.type} parent) ]; shorthandOnlyDefinesConfig = true; }).merge loc defs;
  };

  # Every content knows the device it lives on (`device`) and, for
  # partitions of a disk, the name of that disk.
  # The shell hooks disko gives every device and content (its mkSubType).
  hooks = {
    options.preCreateHook = opt types.lines "";
    options.postCreateHook = opt types.lines "";
    options.preMountHook = opt types.lines "";
    options.postMountHook = opt types.lines "";
    options.preUnmountHook = opt types.lines "";
    options.postUnmountHook = opt types.lines "";
  };

  common = parent: typeName: {
    imports = [ hooks ];
    options.type = mkOption { type = types.enum [ typeName ]; };
    options.device = mkOption { type = str; default = parent.device; };
  };

  filesystem = parent: { config, ... }: {
    imports = [ (common parent "filesystem") ];
    options.format = req str;
    options.mountpoint = opt (types.nullOr str) null;
    options.mountOptions = opt (types.listOf str) [ "defaults" ];
    options.extraArgs = opt (types.listOf str) [ ];
  };

  swap = parent: { config, ... }: {
    imports = [ (common parent "swap") ];
    options.randomEncryption = opt types.bool false;
    options.resumeDevice = opt types.bool false;
    options.priority = opt (types.nullOr types.int) null;
    options.discardPolicy = opt (types.nullOr (types.enum [ "once" "pages" "both" ])) null;
    options.extraArgs = opt (types.listOf str) [ ];
    options.mountOptions = opt (types.listOf str) [ "defaults" ];
  };

  luks = parent: { config, ... }: {
    imports = [ (common parent "luks") ];
    options.name = req str;
    options.passwordFile = opt (types.nullOr str) null;
    options.keyFile = opt (types.nullOr str) null;
    options.settings = opt (types.attrsOf types.anything) { };
    options.additionalKeyFiles = opt (types.listOf str) [ ];
    options.askPassword = opt types.bool (config.keyFile == null && config.passwordFile == null && !(config.settings ? keyFile));
    options.initrdUnlock = opt types.bool true;
    options.extraFormatArgs = opt (types.listOf str) [ ];
    options.extraOpenArgs = opt (types.listOf str) [ ];
    options.content = opt (types.nullOr (contentOf { device = "/dev/mapper/${config.name}"; })) null;
  };

  lvm_pv = parent: { imports = [ (common parent "lvm_pv") ]; options.vg = req str; };
  mdraid = parent: { imports = [ (common parent "mdraid") ]; options.name = req str; };
  zfs = parent: { imports = [ (common parent "zfs") ]; options.pool = req str; };

  btrfs = parent: { config, ... }: {
    imports = [ (common parent "btrfs") ];
    options.extraArgs = opt (types.listOf str) [ ];
    options.mountpoint = opt (types.nullOr str) null;
    options.mountOptions = opt (types.listOf str) [ "defaults" ];
    options.swap = opt (types.attrsOf swapfile) { };
    options.subvolumes = opt (types.attrsOf (types.submodule ({ name, ... }: {
      options.name = opt str name;
      options.type = opt (types.enum [ "btrfs_subvol" ]) "btrfs_subvol";
      options.mountpoint = opt (types.nullOr str) null;
      options.mountOptions = opt (types.listOf str) [ "defaults" ];
      options.extraArgs = opt (types.listOf str) [ ];
      options.swap = opt (types.attrsOf swapfile) { };
    }))) { };
  };
  swapfile = types.submodule ({ name, ... }: {
    options.size = req str;
    options.path = opt str name;
    options.priority = opt (types.nullOr types.int) null;
    options.options = opt (types.listOf str) [ "defaults" ];
  });

  bcachefs = parent: {
    imports = [ (common parent "bcachefs") ];
    # The bcachefs_filesystems entry this device belongs to (multi-device).
    options.filesystem = opt (types.nullOr str) null;
    options.label = opt str "";
    options.extraFormatArgs = opt (types.listOf str) [ ];
    # A filesystem of its own (older disko; current disko always names a
    # bcachefs_filesystems entry, and its devices have no mount options).
    options.mountpoint = opt (types.nullOr str) null;
    options.mountOptions = opt (types.listOf str) [ ];
  };

  gpt = parent: { config, ... }: let
    table = config;
    # Partition numbers: by priority, as sgdisk is given them (disko's
    # sortedPartitions and 1-based _index).
    sorted = map (p: p.name) (lib.sort (x: y: x.priority < y.priority) (b.attrValues table.partitions));
    indexOf = n: let go = i: if i >= b.length sorted then 0 else if b.elemAt sorted i == n then i + 1 else go (i + 1); in go 0;
  in {
    imports = [ (common parent "gpt") ];
    options.efiGptPartitionFirst = opt types.bool true;
    options.partitions = opt (types.attrsOf (types.submodule ({ name, config, ... }: {
      options.name = opt str name;
      options.type = opt (types.either (types.strMatching "[A-Fa-f0-9]{4}") (types.strMatching "[A-Fa-f0-9-]{36}"))
        (if (config.content.type or null) == "swap" then "8200" else "8300");
      options.size = opt str "0";
      options.start = opt str "0";
      options.end = opt str (if config.size == "100%" then "-0" else "+${config.size}");
      options.alignment = opt types.int 0;
      options.attributes = opt (types.listOf (types.ints.between 0 63)) [ ];
      options.priority = opt types.int (if config.size == "100%" then 9001 else if config.type == "EF02" then 100 else 1000);
      options.label = opt str (let l = "${parent.type or "disk"}-${b.replaceStrings [ "/" ] [ "_" ] parent.name}-${config.name}"; in
        if b.stringLength l > 36 then b.substring 0 36 (b.hashString "sha256" l) else l);
      options.uuid = opt (types.nullOr (types.strMatching "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")) null;
      # An md array's partitions have no by-partlabel link: disko names
      # them by the array's name and the partition's number.
      options.device = opt str (
        if config.uuid != null then "/dev/disk/by-partuuid/${config.uuid}"
        else if (parent.type or "disk") == "mdadm" then "/dev/disk/by-id/md-name-any:${parent.name}-part${toString (indexOf config.name)}"
        else "/dev/disk/by-partlabel/${hexEscape config.label}");
      options.hybrid = opt (types.nullOr (types.submodule {
        options.mbrPartitionType = opt (types.nullOr str) null;
        options.mbrBootableFlag = opt types.bool false;
      })) null;
      options.content = opt (types.nullOr (contentOf { device = config.device; partition = config.name; disk = parent.name; })) null;
    }))) { };
  };

  table = parent: { config, ... }: let table = config; in {
    imports = [ (common parent "table") ];
    options.format = opt (types.enum [ "gpt" "msdos" ]) "gpt";
    options.partitions = opt (types.listOf (types.submodule ({ name, config, ... }: let
      # Its number: its place in the list, which the element's name says
      # (`[definition 1-entry N]`), as disko reads its _index.
      index = let m = b.match ".*entry ([[:digit:]]+)]" name; in if m == null then 0 else lib.toInt (b.head m);
    in {
      options.name = opt (types.nullOr str) null;
      options.part-type = opt (types.enum [ "primary" "logical" "extended" ]) "primary";
      options.fs-type = opt (types.nullOr str) null;
      options.start = opt str "0%";
      options.end = opt str "100%";
      options.bootable = opt types.bool false;
      options.flags = opt (types.listOf str) [ ];
      options.content = opt (types.nullOr (contentOf { device = deviceNumbering table.device index; })) null;
    }))) [ ];
  };

  # The kernel's name of partition `index` of `dev` (disko's deviceNumbering).
  deviceNumbering = dev: index:
    let i = toString index; in
    if b.match "/dev/([vs]|(xv)d).+" dev != null then dev + i
    else if b.match "/dev/(disk|zvol)/.+" dev != null then "${dev}-part${i}"
    else if b.match "/dev/((nvme|mmcblk).+|md/.*[[:digit:]])" dev != null then "${dev}p${i}"
    else if b.match "/dev/(md|mapper)/.+" dev != null then dev + i
    else if b.match "/dev/loop[[:digit:]]+" dev != null then "${dev}p${i}"
    else throw "${dev} seems not to be a supported disk format (disko names partitions of /dev/sdX, /dev/vdX, /dev/disk/..., /dev/nvme..., /dev/mmcblk..., /dev/md/..., /dev/mapper/..., /dev/loopN)";

  kinds = { inherit filesystem swap luks lvm_pv mdraid zfs btrfs bcachefs gpt table; };
  contentOf = parent: tagged kinds parent;

  disk = types.submodule ({ name, config, ... }: {
    imports = [ hooks ];
    options.type = opt (types.enum [ "disk" ]) "disk";
    options.name = opt str name;
    options.device = req str;
    options.imageName = opt str config.name;
    options.imageSize = opt str "2G";
    options.content = opt (types.nullOr (contentOf { inherit (config) device name; type = "disk"; })) null;
  });

  lvm_vg = types.submodule ({ name, config, ... }: let vg = config.name; in {
    imports = [ hooks ];
    options.type = opt (types.enum [ "lvm_vg" ]) "lvm_vg";
    options.name = opt str name;
    options.lvs = opt (types.attrsOf (types.submodule ({ name, config, ... }: {
      options.name = opt str name;
      options.size = req str;
      options.lvm_type = opt (types.nullOr (types.enum [ "mirror" "raid0" "raid1" "raid4" "raid5" "raid6" "thin-pool" "thinlv" ])) null;
      options.pool = opt (types.nullOr str) null;
      options.extraArgs = opt (types.listOf str) [ ];
      options.priority = opt types.int ((if config.lvm_type == "thin-pool" then 501 else 1000) + (if lib.hasInfix "100%" config.size then 251 else 0));
      options.content = opt (types.nullOr (contentOf { device = "/dev/${vg}/${config.name}"; })) null;
    }))) { };
  });

  mdadm = types.submodule ({ name, config, ... }: {
    imports = [ hooks ];
    options.type = opt (types.enum [ "mdadm" ]) "mdadm";
    options.name = opt str name;
    options.level = opt types.int 1;
    options.metadata = opt (types.enum [ "1" "1.0" "1.1" "1.2" "default" "ddf" "imsm" ]) "default";
    options.extraArgs = opt (types.listOf str) [ ];
    options.content = opt (types.nullOr (contentOf { device = "/dev/md/${config.name}"; inherit (config) name; type = "mdadm"; })) null;
  });

  # disko's two dataset types, each with its own options (a filesystem
  # has a mountpoint, a volume a size, content and extraArgs), chosen by
  # `type` as disko's own `types.attrTag`-like dispatch does.
  datasetKinds = {
    zfs_fs = pool: { name, ... }: {
      imports = [ hooks ];
      options.type = mkOption { type = types.enum [ "zfs_fs" ]; };
      options.name = opt str name;
      options.options = opt (types.attrsOf str) { };
      options.mountpoint = opt (types.nullOr str) null;
      options.mountOptions = opt (types.listOf str) [ "defaults" ];
    };
    zfs_volume = pool: { name, config, ... }: {
      imports = [ hooks ];
      options.type = mkOption { type = types.enum [ "zfs_volume" ]; };
      options.name = opt str name;
      options.options = opt (types.attrsOf str) { };
      options.extraArgs = opt (types.listOf str) [ ];
      options.mountOptions = opt (types.listOf str) [ "defaults" ];
      options.size = opt (types.nullOr str) null;
      options.content = opt (types.nullOr (contentOf { device = "/dev/zvol/${pool}/${config.name}"; })) null;
    };
  };
  dataset = pool: tagged datasetKinds pool;

  # zpool modes: a string for one vdev of all members, or disko's
  # topology of vdevs naming their members.
  zpoolModes = types.enum [ "" "mirror" "raidz" "raidz1" "raidz2" "raidz3" ];
  zpoolVdev = types.submodule {
    options.mode = opt zpoolModes "";
    options.members = req (types.listOf str);
  };
  zpool = types.submodule ({ name, config, ... }: {
    imports = [ hooks ];
    options.type = opt (types.enum [ "zpool" ]) "zpool";
    options.name = opt str name;
    options.mode = opt (types.either zpoolModes (types.submodule {
      options.topology = req (types.submodule {
        options.type = opt (types.enum [ "topology" ]) "topology";
        options.vdev = opt (types.listOf zpoolVdev) [ ];
        options.spare = opt (types.listOf str) [ ];
        options.log = opt (types.listOf zpoolVdev) [ ];
        options.dedup = opt (types.listOf zpoolVdev) [ ];
        options.special = opt (types.either (types.listOf zpoolVdev) (types.nullOr zpoolVdev)) [ ];
        options.cache = opt (types.listOf str) [ ];
      });
    })) "";
    options.options = opt (types.attrsOf str) { };
    options.rootFsOptions = opt (types.attrsOf str) { };
    options.mountpoint = opt (types.nullOr str) null;
    options.mountOptions = opt (types.listOf str) [ "defaults" ];
    options.datasets = opt (types.attrsOf (dataset config.name)) { };
    # The pool's own dataset, as disko lists it.
    config.datasets.__root = {
      type = "zfs_fs";
      mountpoint = config.mountpoint;
      options = config.rootFsOptions;
      mountOptions = config.mountOptions;
    };
  });

  # A bcachefs filesystem over the devices whose content names it.
  bcachefsFs = types.submodule ({ name, config, ... }: {
    imports = [ hooks ];
    options.type = opt (types.enum [ "bcachefs_filesystem" ]) "bcachefs_filesystem";
    options.name = opt str name;
    options.mountpoint = opt (types.nullOr str) null;
    options.mountOptions = opt (types.listOf str) [ "X-mount.mkdir" ];
    options.extraFormatArgs = opt (types.listOf str) [ ];
    # Formatted with --encrypted, its passphrase read from this file.
    options.passwordFile = opt (types.nullOr str) null;
    options.subvolumes = opt (types.attrsOf (types.submodule ({ name, config, ... }: {
      options.name = opt str name;
      options.type = opt (types.enum [ "bcachefs_subvolume" ]) "bcachefs_subvolume";
      options.mountOptions = opt (types.listOf str) [ "X-mount.mkdir" "X-mount.subdir=${lib.removePrefix "/" config.name}" ];
      options.mountpoint = opt (types.nullOr str) null;
    }))) { };
    # disko's default: the name's sha256, as a UUID.
    options.uuid = opt str (let h = b.hashString "sha256" config.name; s = i: n: b.substring i n h; in
      "${s 0 8}-${s 8 4}-${s 12 4}-${s 16 4}-${s 20 12}");
  });

  nodev = types.submodule ({ name, config, ... }: {
    imports = [ hooks ];
    options.type = opt (types.enum [ "nodev" ]) "nodev";
    options.fsType = req str;
    # Kernel filesystems are mounted from a device named as their type.
    options.device = opt str (if b.elem config.fsType [ "proc" "sysfs" "tmpfs" "ramfs" "devtmpfs" "devpts" ] then config.fsType else "none");
    options.mountpoint = opt (types.nullOr str) name;
    options.mountOptions = opt (types.listOf str) [ "defaults" ];
  });
  # Walk every content of every device: a list of { kind; content; }.
  walk = c: if c == null then [ ] else [ c ] ++ (
    if c.type == "gpt" then b.concatMap (p: walk p.content) (b.attrValues c.partitions)
    else if c.type == "table" then b.concatMap (p: walk p.content) c.partitions
    else if c.type == "luks" then walk c.content
    else [ ]);
  devs = config.disko.devices;
  contents = b.concatMap (d: walk d.content) (b.attrValues devs.disk)
    ++ b.concatMap (vg: b.concatMap (lv: walk lv.content) (b.attrValues vg.lvs)) (b.attrValues devs.lvm_vg)
    ++ b.concatMap (md: walk md.content) (b.attrValues devs.mdadm)
    ++ b.concatMap (zp: b.concatMap (ds: walk (ds.content or null)) (b.attrValues zp.datasets)) (b.attrValues devs.zpool);
  ofType = t: b.filter (c: c.type == t) contents;
  fsEntry = mountpoint: value: { name = mountpoint; inherit value; };
  posOf = name: set: b.unsafeGetAttrPos name set;
  setPositions = b.__nixplanSetPositions or (set: _: set);
  # Each derived entry points at the mountpoint the user wrote.
  withPositions = entries: setPositions (b.listToAttrs entries) (b.listToAttrs (map (e: { inherit (e) name; value = e.pos or null; }) entries));
  fileSystemsList =
    map (c: fsEntry c.mountpoint { device = c.device; fsType = c.format; options = c.mountOptions; } // { pos = posOf "mountpoint" c; })
      (b.filter (c: c.mountpoint != null) (ofType "filesystem"))
    ++ b.concatMap (c:
      lib.optional (c.mountpoint != null) (fsEntry c.mountpoint { device = c.device; fsType = "btrfs"; options = c.mountOptions; })
      ++ map (sv: fsEntry sv.mountpoint { device = c.device; fsType = "btrfs"; options = sv.mountOptions ++ [ "subvol=${sv.name}" ]; } // { pos = posOf "mountpoint" sv; })
        (b.filter (sv: sv.mountpoint != null) (b.attrValues c.subvolumes))) (ofType "btrfs")
    ++ map (c: fsEntry c.mountpoint { device = c.device; fsType = "bcachefs"; options = c.mountOptions; })
      (b.filter (c: c.mountpoint != null) (ofType "bcachefs"))
    ++ b.concatMap (f:
      lib.optional (f.mountpoint != null) (fsEntry f.mountpoint { device = "/dev/disk/by-uuid/${f.uuid}"; fsType = "bcachefs"; options = lib.unique ([ "X-mount.mkdir" ] ++ f.mountOptions); neededForBoot = true; } // { pos = posOf "mountpoint" f; })
      ++ map (sv: fsEntry sv.mountpoint { device = "/dev/disk/by-uuid/${f.uuid}"; fsType = "bcachefs"; options = lib.unique ([ "X-mount.mkdir" "X-mount.subdir=${lib.removePrefix "/" sv.name}" ] ++ sv.mountOptions); neededForBoot = true; } // { pos = posOf "mountpoint" sv; })
        (b.filter (sv: sv.mountpoint != null) (b.attrValues f.subvolumes)))
      (b.attrValues devs.bcachefs_filesystems)
    ++ map (n: fsEntry n.mountpoint { device = n.device; fsType = n.fsType; options = n.mountOptions; } // { pos = posOf "fsType" n; })
      (b.filter (n: n.mountpoint != null) (b.attrValues devs.nodev))
    ++ b.concatMap (zp:
      lib.optional (zp.mountpoint != null) (fsEntry zp.mountpoint { device = zp.name; fsType = "zfs"; options = zp.mountOptions ++ lib.optional ((zp.rootFsOptions.mountpoint or "") != "legacy") "zfsutil"; })
      ++ map (ds: fsEntry ds.mountpoint { device = "${zp.name}/${ds.name}"; fsType = "zfs"; options = ds.mountOptions ++ lib.optional ((ds.options.mountpoint or "") != "legacy") "zfsutil"; })
        (b.filter (ds: ds.type == "zfs_fs" && ds.mountpoint != null && (ds.options.mountpoint or "") != "none") (b.attrValues zp.datasets)))
      (b.attrValues devs.zpool);
  swapList = map (c: { device = c.device; randomEncryption.enable = c.randomEncryption; } // lib.optionalAttrs (c.priority != null) { inherit (c) priority; })
      (ofType "swap")
    ++ b.concatMap (c: b.concatMap (sv: map (sw: { device = "${sv.mountpoint}/${sw.path}"; }) (b.attrValues sv.swap))
      (b.filter (sv: sv.mountpoint != null) (b.attrValues c.subvolumes))) (ofType "btrfs");
  luksList = map (c: { name = c.name; value = { device = c.device; } // c.settings; pos = posOf "name" c; }) (b.filter (c: c.initrdUnlock) (ofType "luks"));
  resume = b.filter (c: c.resumeDevice) (ofType "swap");
in
{
  config = mkIf config.disko.enableConfig {
    fileSystems = withPositions fileSystemsList;
    swapDevices = swapList;
    boot.initrd.luks.devices = withPositions luksList;
    boot.resumeDevice = mkIf (resume != [ ]) (b.head resume).device;
    # A GPT with a BIOS boot partition is where GRUB goes (disko's _config).
    boot.loader.grub.devices = b.concatMap (c: lib.optional (b.any (p: p.type == "EF02") (b.attrValues c.partitions)) c.device) (ofType "gpt");
  };

  options.disko = {
    devices = {
      disk = opt (types.attrsOf disk) { };
      lvm_vg = opt (types.attrsOf lvm_vg) { };
      mdadm = opt (types.attrsOf mdadm) { };
      zpool = opt (types.attrsOf zpool) { };
      nodev = opt (types.attrsOf nodev) { };
      bcachefs_filesystems = opt (types.attrsOf bcachefsFs) { };
    };
    rootMountPoint = opt str "/mnt";
    enableConfig = opt types.bool true;
    checkScripts = opt types.bool false;
  };
}
