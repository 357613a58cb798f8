# `<nix/fetchurl.nix>`: Nix's built-in fixed-output fetch of one URL,
# written for nixplan (the builder is Nix's `builtin:fetchurl`, so a real
# nix builds the same derivation). nixplan itself never builds it.
{
  system ? "",
  url,
  hash ? "",
  sha256 ? "",
  sha1 ? "",
  sha512 ? "",
  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:
let
  algo =
    if hash != "" then null
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else "sha256";
  given =
    if hash != "" then hash
    else if sha512 != "" then sha512
    else if sha1 != "" then sha1
    else sha256;
in
derivation (
  {
    builder = "builtin:fetchurl";
    inherit name url executable unpack system;
    outputHashMode = if unpack || executable then "recursive" else "flat";
    # No hash at all: the placeholder of an impure fetch.
    urls = [ url ];
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  }
  // (if impure then { __impure = true; } else {
    outputHash = given;
  } // (if algo == null then { } else { outputHashAlgo = algo; }))
)
