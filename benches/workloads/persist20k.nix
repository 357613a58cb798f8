# An impermanence-shaped configuration with 20k persisted directories.
let
  dir = i: {
    directory = "/var/lib/app${toString (i / 100)}/d${toString i}";
    user = if builtins.bitAnd i 1 == 0 then "root" else "app";
    group = "root";
    mode = "0750";
  };
in {
  environment.persistence."/persist" = {
    hideMounts = true;
    directories = builtins.genList dir 20000;
    files = [ "/etc/machine-id" ];
  };
}
