# Option declarations and helpers (`lib.mkOption` and friends), written for
# nixplan.
lib:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
in
rec {
  mkOption = { default ? null, defaultText ? null, example ? null, description ? null, relatedPackages ? null
    , type ? null, apply ? null, internal ? null, visible ? null, readOnly ? null }@attrs:
    attrs // { _type = "option"; };

  isOption = x: b.isAttrs x && (x._type or "") == "option";

  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = lib.types.bool;
  };

  mkPackageOption = pkgs: name: { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      path = if b.isList name then name else [ name ];
      defaultPath = if b.isList default then default else [ default ];
      defaultValue = if default == null then null else lib.attrByPath defaultPath (throw "${b.concatStringsSep "." defaultPath} cannot be found in ${pkgsText}") pkgs;
    in mkOption {
      type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      default = defaultValue;
      defaultText = literalExpression "${pkgsText}.${b.concatStringsSep "." defaultPath}";
      description = "The ${b.concatStringsSep "." path} package to use.${extraDescription}";
    };

  mkPackageOptionMD = mkPackageOption;
  mkSinkUndeclaredOptions = attrs: mkOption ({ internal = true; visible = false; default = false; type = lib.types.anything; } // attrs);

  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalExample = literalExpression;
  literalMD = text: { _type = "literalMD"; inherit text; };
  mdDoc = x: x;

  showOption = parts: b.concatStringsSep "." (map (p: if b.match "[A-Za-z_][A-Za-z0-9_'-]*|<name>|\\*" p != null then p else b.toJSON p) parts);
  showFiles = files: b.concatStringsSep " and " (map (f: "`${b.toString f}'") files);
  showDefs = defs: b.concatStringsSep "\n" (map (d: "- In `${showDefPos d}': ${
    let r = b.tryEval (b.toJSON d.value); in if r.success then r.value else "<value>"}") defs);
  showDefPos = d: if (d.pos or null) != null then "${d.pos.file}:${b.toString d.pos.line}" else b.toString d.file;

  # An error reported at a definition's position (nixplan), or a plain
  # throw (real Nix).
  throwAt = pos: msg: if pos != null && b ? __nixplanThrowAt then b.__nixplanThrowAt pos msg else throw msg;
  defPos = defs: let ps = b.filter (p: p != null) (map (d: d.pos or null) defs); in if ps == [ ] then null else b.head ps;

  # The file of definitions and declarations whose module has none.
  unknownModule = "<unknown-file>";

  # An option value made safe for documentation: packages become small
  # descriptions, `_args` attributes are dropped, throughout.
  scrubOptionValue = v:
    if lib.isDerivation v then { type = "derivation"; drvPath = v.name; outPath = v.name; name = v.name; }
    else if b.isList v then map scrubOptionValue v
    else if b.isAttrs v then b.mapAttrs (_: scrubOptionValue) (b.removeAttrs v [ "_args" ])
    else v;

  # A value for `default`/`example` as documentation text: already-literal
  # values stay, others are pretty-printed Nix.
  renderOptionValue = v:
    if v ? _type && v ? text then v
    else literalExpression (lib.generators.toPretty { multiline = true; allowPrettyValues = true; } v);

  # Markdown code block in the given language.
  literalCode = languageTag: text: literalMD "```${languageTag}\n${text}\n```\n";

  showOptionWithDefLocs = opt:
    "${showOption opt.loc}, with values defined in:\n${b.concatStringsSep "\n" (map (f: "  - ${f}") opt.files)}\n";

  getValues = map (x: x.value);
  getFiles = map (x: x.file);

  mergeDefaultOption = loc: defs:
    let list = getValues defs; in
    if b.length list == 1 then b.head list
    else if b.all b.isFunction list then x: mergeDefaultOption loc (map (f: f x) list)
    else if b.all b.isList list then b.concatLists list
    else if b.all b.isAttrs list then b.foldl' lib.mergeAttrs { } list
    else if b.all b.isBool list then b.foldl' lib.or false list
    else if b.all b.isString list then b.concatStringsSep "" list
    else if b.all b.isInt list && b.all (x: x == b.head list) list then b.head list
    else throwAt (defPos defs) "Cannot merge definitions of `${showOption loc}'. Definition values:\n${showDefs defs}";

  mergeOneOption = mergeUniqueOption { message = ""; };
  mergeUniqueOption = { message }: loc: defs:
    if b.length defs == 1 then (b.head defs).value
    else throwAt (defPos (b.tail defs)) "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:\n${showDefs defs}";

  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if b.length defs == 1 then (b.head defs).value
    else (b.foldl' (first: def:
      if def.value != first.value
      then throwAt (defPos [ def ]) "The option `${showOption loc}' has conflicting definition values:\n${showDefs [ first def ]}"
      else first) (b.head defs) (b.tail defs)).value;
}
