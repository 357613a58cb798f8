# What `--eval nix` asks a real nix for: the values the typed configuration
# reads, from a full NixOS configuration, as JSON (functions dropped,
# packages as their store paths, internal `_` attributes left out).
c:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  clean = v:
    if b.isFunction v then null
    else if b.isAttrs v then
      (if v ? outPath then b.toString v.outPath
       else b.mapAttrs (_: clean) (b.removeAttrs v (b.filter (n: b.substring 0 1 n == "_") (b.attrNames v))))
    else if b.isList v then map clean v
    else v;
  at = path: default: b.foldl' (acc: n: if b.isAttrs acc && acc ? ${n} then acc.${n} else default) c path;
  loader = c.boot.loader;
  emptyDisko = { disk = { }; lvm_vg = { }; mdadm = { }; zpool = { }; nodev = { }; bcachefs_filesystems = { }; };
in
clean {
  networking.hostName = c.networking.hostName;
  nixpkgs.hostPlatform.system = c.nixpkgs.hostPlatform.system;
  system = {
    stateVersion = c.system.stateVersion;
    activationScripts = b.mapAttrs (n: s:
      if b.isString s then { text = s; deps = [ ]; supportsDryActivation = false; }
      else { text = s.text or ""; deps = s.deps or [ ]; supportsDryActivation = s.supportsDryActivation or false; })
      c.system.activationScripts;
  };
  disko = {
    devices = emptyDisko // (at [ "disko" "devices" ] { });
    rootMountPoint = at [ "disko" "rootMountPoint" ] "/mnt";
  };
  fileSystems = b.mapAttrs (n: fs: {
    inherit (fs) mountPoint device fsType options neededForBoot;
    depends = fs.depends or [ ];
  }) c.fileSystems;
  swapDevices = map (s: {
    inherit (s) device;
    priority = s.priority or null;
    randomEncryption.enable = s.randomEncryption.enable or false;
  }) c.swapDevices;
  boot = {
    loader = {
      systemd-boot.enable = at [ "boot" "loader" "systemd-boot" "enable" ] false;
      grub = {
        enable = at [ "boot" "loader" "grub" "enable" ] false;
        device = at [ "boot" "loader" "grub" "device" ] "";
        devices = at [ "boot" "loader" "grub" "devices" ] [ ];
        efiSupport = at [ "boot" "loader" "grub" "efiSupport" ] false;
        efiInstallAsRemovable = at [ "boot" "loader" "grub" "efiInstallAsRemovable" ] false;
      };
      efi = {
        canTouchEfiVariables = at [ "boot" "loader" "efi" "canTouchEfiVariables" ] false;
        efiSysMountPoint = at [ "boot" "loader" "efi" "efiSysMountPoint" ] "/boot";
      };
    };
    initrd.luks.devices = b.mapAttrs (n: l: { inherit (l) device; keyFile = l.keyFile or null; }) (at [ "boot" "initrd" "luks" "devices" ] { });
  };
  environment.persistence = at [ "environment" "persistence" ] { };
  users = {
    users = b.mapAttrs (n: u: {
      inherit (u) uid group home isNormalUser isSystemUser;
      createHome = u.createHome or false;
    }) c.users.users;
    groups = b.mapAttrs (n: g: { inherit (g) gid; }) c.users.groups;
    mutableUsers = c.users.mutableUsers;
  };
  # A colmena node's deployment options, where the node has them.
  deployment = at [ "deployment" ] null;
  assertions = map (a: { inherit (a) assertion message; }) (c.assertions or [ ]);
  warnings = c.warnings or [ ];
}
