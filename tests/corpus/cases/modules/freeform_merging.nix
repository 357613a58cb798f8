let lib = import <nixplan/lib.nix>; in
(lib.evalModules { modules = [
  { services.nginx.enable = true; environment.systemPackages = [ "a" ]; boot.kernelParams = [ "quiet" ]; }
  { services.nginx.virtualHosts."x.org".root = "/srv"; environment.systemPackages = [ "b" ]; }
  { services.openssh.enable = lib.mkDefault false; services.openssh.ports = [ 22 ]; }
  { services.openssh.enable = true; networking.hostName = "web1"; }
]; }).config
