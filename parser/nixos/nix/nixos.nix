# The NixOS options that installing a machine depends on, declared for
# nixplan with NixOS's types and defaults. The rest of NixOS is not
# evaluated: other option paths merge freely.
{ lib, config, pkgs, name ? null, ... }:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  inherit (lib) mkOption types mkDefault;
  opt = type: default: mkOption { inherit type default; };
  str = types.str;
  # NixOS declares more of each of these than nixplan reads: the rest is
  # accepted as written (NixOS checks it; nixplan does not evaluate it).
  rest = types.lazyAttrsOf types.anything;
  fileSystem = types.submodule ({ name, config, ... }: {
    freeformType = rest;
    options.mountPoint = opt str name;
    options.device = opt (types.nullOr str) null;
    options.label = opt (types.nullOr str) null;
    options.fsType = opt str "auto";
    options.options = opt (types.nonEmptyListOf str) [ "defaults" ];
    options.neededForBoot = opt types.bool false;
    options.depends = opt (types.listOf str) [ ];
    options.noCheck = opt types.bool false;
    options.autoFormat = opt types.bool false;
    options.autoResize = opt types.bool false;
  });
  swapDevice = types.submodule ({ config, ... }: {
    freeformType = rest;
    options.device = opt (types.nullOr str) null;
    options.label = opt (types.nullOr str) null;
    options.size = opt (types.nullOr types.int) null;
    options.priority = opt (types.nullOr types.int) null;
    options.discardPolicy = opt (types.nullOr (types.enum [ "once" "pages" "both" ])) null;
    options.options = opt (types.listOf str) [ "defaults" ];
    options.randomEncryption = opt (types.coercedTo types.bool (x: { enable = x; }) (types.submodule {
      options.enable = opt types.bool false;
      options.cipher = opt str "aes-xts-plain64";
      options.keySize = opt (types.nullOr types.int) null;
      options.sectorSize = opt (types.nullOr types.int) null;
      options.source = opt str "/dev/urandom";
      options.allowDiscards = opt types.bool false;
    })) { enable = false; };
  });
  luksDevice = types.submodule ({ name, ... }: {
    freeformType = rest;
    options.name = opt str name;
    options.device = mkOption { type = str; };
    options.keyFile = opt (types.nullOr str) null;
    options.keyFileSize = opt (types.nullOr types.int) null;
    options.keyFileOffset = opt (types.nullOr types.int) null;
    options.allowDiscards = opt types.bool false;
    options.bypassWorkqueues = opt types.bool false;
    options.preLVM = opt types.bool true;
    options.fallbackToPassword = opt types.bool false;
  });
  user = types.submodule ({ name, config, ... }: {
    freeformType = rest;
    options.name = opt str name;
    options.uid = opt (types.nullOr types.int) null;
    options.group = opt str (if config.isNormalUser then "users" else "");
    options.extraGroups = opt (types.listOf str) [ ];
    options.home = opt (types.passwdEntry str) (if config.isNormalUser then "/home/${name}" else "/var/empty");
    options.createHome = opt types.bool config.isNormalUser;
    options.homeMode = opt (types.strMatching "[0-7]{1,5}") "700";
    options.isNormalUser = opt types.bool false;
    options.isSystemUser = opt types.bool false;
    options.description = opt str "";
    options.hashedPasswordFile = opt (types.nullOr str) null;
    options.initialPassword = opt (types.nullOr str) null;
    options.shell = opt (types.nullOr (types.either types.package str)) null;
    options.openssh.authorizedKeys.keys = opt (types.listOf str) [ ];
  });
  group = types.submodule ({ name, ... }: {
    freeformType = rest;
    options.name = opt str name;
    options.gid = opt (types.nullOr types.int) null;
    options.members = opt (types.listOf str) [ ];
  });
  snippetModule = types.submodule {
    options.text = mkOption { type = types.lines; };
    options.deps = opt (types.listOf str) [ ];
    options.supportsDryActivation = opt types.bool false;
  };
  # A snippet defined once, by a set of the submodule's own options (NixOS's
  # own below, `stringAfter`'s, most users'), is read without a module
  # evaluation of its own (each costs about as much as planning a small
  # disk): each option is the value defined, or its default, where that is
  # a plain value of the option's type, exactly what the submodule merges.
  # Anything else is the submodule's to merge and check, as before: several
  # definitions, a function, another attribute, and, per option, mkIf or
  # mkAfter inside or a value of another type. Nothing is forced before it
  # is read (a snippet whose text throws still has its dependencies), and
  # the names keep the places the user wrote them at (nixplan's mapAttrs).
  plainSnippet = {
    text = b.isString;
    deps = v: b.isList v && b.all b.isString v;
    supportsDryActivation = b.isBool;
  };
  fastSnippet = sub: sub // {
    merge = loc: defs:
      let
        d = (b.head defs).value;
        slow = sub.merge loc defs;
      in
      if b.length defs == 1 && b.isAttrs d && !(d ? _type) && d ? text && b.all (n: plainSnippet ? ${n}) (b.attrNames d)
      then { deps = [ ]; supportsDryActivation = false; } // b.mapAttrs (n: v: if plainSnippet.${n} v then v else slow.${n}) d
      else slow;
    # The module system rebuilds a type that holds submodules with its
    # `substSubModules`: the result is read the same way.
    substSubModules = m: fastSnippet (sub.substSubModules m);
  };
  snippet = fastSnippet snippetModule;
  loader = config.boot.loader;

in
{
  options = {
    fileSystems = opt (types.attrsOf fileSystem) { };
    swapDevices = opt (types.listOf swapDevice) [ ];
    boot.loader = {
      systemd-boot.enable = opt types.bool false;
      systemd-boot.configurationLimit = opt (types.nullOr types.int) null;
      grub.enable = opt types.bool (!loader.systemd-boot.enable && !loader.generic-extlinux-compatible.enable);
      grub.device = opt str "";
      grub.devices = opt (types.listOf str) [ ];
      grub.efiSupport = opt types.bool false;
      grub.efiInstallAsRemovable = opt types.bool false;
      grub.mirroredBoots = opt (types.listOf (types.submodule {
        options.devices = opt (types.listOf str) [ ];
        options.path = mkOption { type = str; };
        options.efiSysMountPoint = opt (types.nullOr str) null;
      })) [ ];
      efi.canTouchEfiVariables = opt types.bool false;
      efi.efiSysMountPoint = opt str "/boot";
      generic-extlinux-compatible.enable = opt types.bool false;
    };
    boot.initrd.luks.devices = opt (types.attrsOf luksDevice) { };
    boot.initrd.systemd.enable = opt types.bool false;
    boot.initrd.postDeviceCommands = opt types.lines "";
    boot.initrd.postResumeCommands = opt types.lines "";
    boot.resumeDevice = opt str "";
    boot.kernelPackages = opt types.raw pkgs.linuxPackages;
    boot.kernelModules = opt (types.listOf types.str) [ ];
    boot.kernelParams = opt (types.listOf types.str) [ ];
    boot.extraModulePackages = opt (types.listOf types.raw) [ ];
    boot.blacklistedKernelModules = opt (types.listOf types.str) [ ];
    boot.initrd.availableKernelModules = opt (types.listOf types.str) [ ];
    boot.initrd.kernelModules = opt (types.listOf types.str) [ ];
    boot.swraid.enable = opt types.bool false;
    boot.supportedFilesystems = opt (types.either (types.listOf str) (types.attrsOf types.bool)) [ ];
    boot.isContainer = opt types.bool false;
    users.users = opt (types.attrsOf user) { };
    users.groups = opt (types.attrsOf group) { };
    users.mutableUsers = opt types.bool true;
    system.activationScripts = opt (types.attrsOf (types.coercedTo str (text: { inherit text; }) snippet)) { };
    system.stateVersion = opt str "24.05";
    networking.hostName = opt str "nixos";
    networking.hostId = opt (types.nullOr str) null;
    nixpkgs.hostPlatform = opt (types.coercedTo str (system: { inherit system; }) types.attrs) { system = config.nixpkgs.system; };
    nixpkgs.system = opt str "x86_64-linux";
    nixpkgs.overlays = opt (types.listOf types.raw) [ ];
    nixpkgs.config = opt types.anything { };
    assertions = opt (types.listOf types.attrs) [ ];
    warnings = opt (types.listOf str) [ ];
  };
  config = {
    # The snippets NixOS defines itself, with their dependencies; their text
    # is NixOS's and runs as part of its activation.
    system.activationScripts = b.mapAttrs (name: deps: { text = "# provided by NixOS: ${name}"; inherit deps; }) {
      specialfs = [ ];
      stdio = [ ];
      binsh = [ ];
      users = [ ];
      groups = [ ];
      hashes = [ "users" ];
      etc = [ "users" "groups" "specialfs" ];
      var = [ ];
      wrappers = [ "specialfs" "users" ];
      nix = [ "etc" "users" ];
      usrbinenv = [ ];
      hostname = [ ];
      modprobe = [ ];
      domain = [ ];
    };
    users.users.root = { uid = mkDefault 0; home = mkDefault "/root"; group = mkDefault "root"; };
    users.groups.root.gid = mkDefault 0;
    users.groups.users.gid = mkDefault 100;
  };
}
