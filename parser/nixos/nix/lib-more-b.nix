# Still more of nixpkgs' lib for nixplan's stand-in: the generators that
# configurations write files with (Lua for neovim, git config, dconf
# keyfiles, plists, Dhall, Nix-like pretty printing), the GVariant values of
# Home Manager's dconf settings, and the luaInline option type. Written for
# nixplan from nixpkgs' documentation of each function; the results are
# checked against the real lib by tests/upstream/lib-cases-b.nix.
#
# Where each attribute belongs in nixpkgs' lib:
#   toPretty, withRecursion, toLua, mkLuaInline, toGitINI,
#   toINIWithGlobalSection, toPlist, toDhall, mkDconfKeyValue, toDconfINI
#                       -> lib.generators.<name>
#   mkLuaInline         -> also lib.mkLuaInline (the same function)
#   mkValueStringDefault, mkKeyValueDefault, toKeyValue, toINI
#                       -> lib.generators.<name>
#   gvariant            -> lib.gvariant (the whole namespace)
#   luaInline           -> lib.types.luaInline
lib:
let
  b = builtins;

  join = b.concatStringsSep;
  joinMap = sep: f: list: join sep (map f list);
  mapNames = f: set: map (name: f name set.${name}) (b.attrNames set);
  isDrv = v: (v.type or null) == "derivation";

  # The value and key-value formatting of nixpkgs' generators
  # (mkValueStringDefault, mkKeyValueDefault), which the ini-like formats
  # below start from. The stand-in's lib.generators versions are looser:
  # they print null as "", pass lists, paths and sets with __toString to
  # toString where nixpkgs aborts, and leave the separator in a key (and,
  # in toINI, brackets in a section name) unescaped.
  valueText = v:
    let
      unsupported = what: shown: abort "generators.mkValueStringDefault: ${what} not supported: ${toPretty { } shown}";
    in
    if b.isInt v || isDrv v then toString v
    else if b.isString v then v
    else if v == true then "true"
    else if v == false then "false"
    else if v == null then "null"
    else if b.isList v then unsupported "lists" v
    else if b.isAttrs v then unsupported "attrsets" v
    else if lib.isFunction v then unsupported "functions" v
    else if b.isFloat v then lib.strings.floatToString v
    else unsupported "this value is" (toString v);

  # `sep` inside a key is escaped with a backslash.
  keyValueText = { mkValueString ? valueText }: sep: key: value:
    lib.escape [ sep ] key + sep + mkValueString value;

  # One "KEY<sep>VALUE\n" line a setting; with listsAsDuplicateKeys, one
  # line an element of a list.
  settingLines = { mkKeyValue ? keyValueText { } "=", listsAsDuplicateKeys ? false, indent ? "" }: settings:
    let
      line = key: value: indent + mkKeyValue key value + "\n";
      lines = key: value:
        if listsAsDuplicateKeys && b.isList value then lib.concatMapStrings (line key) value
        else line key value;
    in
    lib.concatStrings (mapNames lines settings);

  # Sections "[NAME]" with their settings, a blank line between sections.
  iniText =
    { mkSectionName ? lib.escape [ "[" "]" ]
    , mkKeyValue ? keyValueText { } "="
    , listsAsDuplicateKeys ? false
    }: sections:
    join "\n" (mapNames (name: settings:
      "[${mkSectionName name}]\n" + settingLines { inherit mkKeyValue listsAsDuplicateKeys; } settings) sections);

  # Pretty printing, as close to a Nix expression as it can be.
  toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
    let
      # A string: "…" on one line, or ''…'' over several when it has
      # newlines and multiline is on (its last line closes it, or a line
      # of its own when the string ends with a newline).
      showString = open: close: s:
        let
          lines = lib.splitString "\n" (b.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ] s);
          final = lib.last lines;
        in
        if multiline && b.length lines > 1 then
          "''" + lib.concatMapStrings (l: open + l) (lib.init lines)
          + (if final == "" then close else open + final) + "''"
        else
          "\"" + b.replaceStrings [ "\\" "\"" "\${" "\n" ] [ "\\\\" "\\\"" "\\\${" "\\n" ] s + "\"";

      # A function, with the names of its set pattern ("name?" if optional).
      showFunction = f:
        let formals = lib.functionArgs f; in
        if formals == { } then "<function>"
        else "<function, args: {${join ", " (mapNames (n: optional: if optional then "${n}?" else n) formals)}}>";

      show = pad: v:
        let
          # What separates the items of a list or set from each other and
          # from the brackets.
          open = if multiline then "\n${pad}  " else " ";
          close = if multiline then "\n${pad}" else " ";
          item = show (pad + "  ");
          bracketed = left: items: right: left + lib.concatMapStrings (i: open + i) items + close + right;
        in
        if b.isInt v then toString v
        else if b.isFloat v then b.toJSON v
        else if b.isString v then showString open close v
        else if v == true then "true"
        else if v == false then "false"
        else if v == null then "null"
        else if b.isPath v then toString v
        else if b.isList v then
          (if b.length v == 0 then "[ ]" else bracketed "[" (map item v) "]")
        else if lib.isFunction v then showFunction v
        else if b.isAttrs v then
          (if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
          else if b.attrNames v == [ ] then "{ }"
          else if isDrv v then "<derivation ${v.name or "???"}>"
          else bracketed "{" (mapNames (name: value:
            "${lib.strings.escapeNixIdentifier name} = ${
              b.addErrorContext "while evaluating an attribute `${name}`" (item value)};") v) "}")
        else abort "generators.toPretty: cannot show a value of type ${b.typeOf v}";
    in
    show indent;

  # A copy of a value whose parts deeper than depthLimit are "<unevaluated>"
  # (or an error when they are evaluated). A list or set at depth n is
  # cut when n > depthLimit; any other value already when n + 1 >
  # depthLimit. The value itself is depth 0; a cut part is not evaluated.
  withRecursion = { depthLimit, throwOnDepthLimit ? true }:
    assert b.isInt depthLimit;
    let
      cut =
        if throwOnDepthLimit
        then throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!"
        else "<unevaluated>";
      # Attributes the language gives a meaning: kept as they are.
      kept = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
      walk = depth: v:
        if depth > 0 && depth > depthLimit then cut
        else if b.isAttrs v then b.mapAttrs (name: inner: if b.elem name kept then inner else walk (depth + 1) inner) v
        else if b.isList v then map (walk (depth + 1)) v
        else if depth + 1 > depthLimit then cut
        else v;
    in
    walk 0;

  # Lua: tables from lists and sets (keys as ["key"]), JSON for scalars,
  # nil for null, and the expressions of mkLuaInline as they are.
  mkLuaInline = expr: { _type = "lua-inline"; inherit expr; };
  toLua = { multiline ? true, indent ? "", asBindings ? false }@given: v:
    let
      deeper = indent + "  ";
      open = if multiline then "\n${deeper}" else " ";
      close = if multiline then "\n${indent}" else " ";
      element = toLua (given // { indent = if asBindings then indent else deeper; asBindings = false; });
      table = entries: if entries == [ ] then "{}" else "{" + open + join ",${open}" entries + close + "}";
      # Global assignments, one a line: names may be dotted paths.
      assignments =
        let
          bad = b.filter (n: b.match "[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*" n == null) (b.attrNames v);
        in
        if bad != [ ] then throw "Bad Lua var names: ${toPretty { } bad}"
        else lib.concatStrings (mapNames (n: x: "${indent}${n} = ${element x}\n") v);
    in
    if asBindings then assignments
    else if v == null then "nil"
    else if b.isInt v || b.isFloat v || b.isString v || b.isBool v then b.toJSON v
    else if b.isPath v || isDrv v then b.toJSON "${v}"
    else if b.isList v then table (map element v)
    else if b.isAttrs v then
      (if (v._type or null) == "lua-inline" then "(${v.expr})"
      else table (mapNames (k: x: "[${b.toJSON k}] = ${element x}") v))
    else abort "generators.toLua: type ${b.typeOf v} is unsupported";

  # git config: tab-indented `key = value` lines, strings quoted, sets
  # nested deeper than a section becoming subsections: `a.b.c = v` is
  # key c of [a "b"], and `a.b.c.d = v` key d of [a "b.c"].
  toGitINI = settings:
    let
      sectionName = name:
        let parts = lib.splitString "." name; in
        if lib.hasInfix "\"" name || b.length parts == 1 then name
        else "${b.head parts} \"${join "." (b.tail parts)}\"";
      quoted = s: "\"" + b.replaceStrings [ "\n" "\t" "\"" "\\" ] [ "\\n" "\\t" "\\\"" "\\\\" ] s + "\"";
      gitValue = v: valueText (if b.isString v then quoted v else v);
      setting = key: value: "\t" + keyValueText { mkValueString = gitValue; } " = " key value;
      # A list gives the key once a value.
      settingLine = key: value:
        if b.isList value then joinMap "\n" (setting key) value else setting key value;

      isGroup = v: b.isAttrs v && !(isDrv v);
      hasSubsections = name: b.isAttrs settings.${name} && b.any isGroup (b.attrValues settings.${name});
      deep = b.filter hasSubsections (b.attrNames settings);
      # Every value below a set, with the names leading to it.
      leaves = path: v:
        if isGroup v then b.concatMap (n: leaves (path ++ [ n ]) v.${n}) (b.attrNames v)
        else [ { inherit path; value = v; } ];
      # Section "all.but.the.last", key "last".
      placed = leaf:
        if b.length leaf.path == 1 then { ${b.head leaf.path} = leaf.value; }
        else { ${join "." (lib.init leaf.path)} = { ${lib.last leaf.path} = leaf.value; }; };
      subsections = b.foldl' lib.recursiveUpdate { }
        (map placed (b.concatMap (n: leaves [ n ] settings.${n}) deep));
    in
    iniText { mkSectionName = sectionName; mkKeyValue = settingLine; }
      (b.removeAttrs settings deep // subsections);

  # Settings before any section, then the sections as toINI writes them.
  toINIWithGlobalSection =
    { mkSectionName ? lib.escape [ "[" "]" ]
    , mkKeyValue ? keyValueText { } "="
    , listsAsDuplicateKeys ? false
    }:
    { globalSection, sections ? { } }:
    (if b.attrNames globalSection == [ ] then ""
     else settingLines { inherit mkKeyValue listsAsDuplicateKeys; } globalSection + "\n")
    + iniText { inherit mkSectionName mkKeyValue listsAsDuplicateKeys; } sections;

  # An XML property list; null values (and `_module`) are left out.
  toPlist = { escape ? false }: v:
    let
      text = if escape then lib.escapeXML else s: s;
      element = pad: tag: content: "${pad}<${tag}>${content}</${tag}>";
      # An opening line, the children's lines, a closing line.
      block = pad: tag: children: join "\n" [ "${pad}<${tag}>" (join "\n" children) "${pad}</${tag}>" ];
      node = pad: x:
        let inner = "\t" + pad; in
        if x == null then ""
        else if b.isBool x then pad + (if x then "<true/>" else "<false/>")
        else if b.isInt x then element pad "integer" (toString x)
        else if b.isString x then element pad "string" (text x)
        else if b.isList x then block pad "array" (map (node inner) x)
        else if b.isAttrs x then
          block pad "dict" (b.concatMap (name:
            let value = x.${name}; in
            if name == "_module" || value == null then [ ]
            else [ (element inner "key" (text name)) (node inner value) ]) (b.attrNames x))
        else if b.isPath x then element pad "string" (text (toString x))
        else if b.isFloat x then element pad "real" (toString x)
        else abort "generators.toPlist: cannot represent a value of type ${b.typeOf x}";
    in
    lib.warnIf (!escape && lib.oldestSupportedReleaseIsAtLeast 2505)
      "Using `lib.generators.toPlist` without `escape = true` is deprecated"
      (join "\n" [
        ''<?xml version="1.0" encoding="UTF-8"?>''
        ''<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">''
        ''<plist version="1.0">''
        (node "" v)
        "</plist>"
      ]);

  # Dhall: records and lists on one line, integers always signed (Integer,
  # never Natural), everything else as JSON.
  toDhall = { }: v:
    let
      wrap = left: items: right: "${left} ${join ", " items} ${right}";
    in
    if b.isAttrs v then wrap "{" (mapNames (k: x: "${k} = ${toDhall { } x}") v) "}"
    else if b.isList v then wrap "[" (map (toDhall { }) v) "]"
    else if b.isInt v then (if v >= 0 then "+" else "") + toString v
    else if b.isBool v then (if v then "True" else "False")
    else if lib.isFunction v then abort "generators.toDhall: cannot convert a function to Dhall"
    else if v == null then abort "generators.toDhall: cannot convert a null to Dhall"
    else b.toJSON v;

  # GVariant values (GLib's text format), as dconf reads them.
  gvariant =
    let
      # A value: its GVariant type string, its Nix value, how it prints.
      typed = typeString: value: print: { _type = "gvariant"; type = typeString; inherit value; __toString = print; };
      # "@TYPE VALUE", for the types that need the annotation.
      annotated = typeString: value: typed typeString value (self: "@${self.type} ${toString self.value}");
      t = gvariant.type;
    in
    rec {
      type = {
        arrayOf = elem: "a" + elem;
        maybeOf = elem: "m" + elem;
        tupleOf = elems: "(" + lib.concatStrings elems + ")";
        dictionaryEntryOf = key: value: "{" + key + value + "}";
        boolean = "b";
        uchar = "y";
        int16 = "n";
        uint16 = "q";
        int32 = "i";
        uint32 = "u";
        int64 = "x";
        uint64 = "t";
        double = "d";
        string = "s";
        variant = "v";
      };

      isGVariant = v: (v._type or "") == "gvariant";

      # The integer types; null where Nix's integers do not reach the limit.
      intConstructors = [
        { name = "mkInt32"; type = t.int32; min = -2147483648; max = 2147483647; }
        { name = "mkUint32"; type = t.uint32; min = 0; max = 4294967295; }
        { name = "mkInt64"; type = t.int64; min = null; max = null; }
        { name = "mkUint64"; type = t.uint64; min = 0; max = null; }
        { name = "mkInt16"; type = t.int16; min = -32768; max = 32767; }
        { name = "mkUint16"; type = t.uint16; min = 0; max = 65535; }
        { name = "mkUchar"; type = t.uchar; min = 0; max = 255; }
      ];

      # The GVariant of a Nix value when only one fits; an integer's
      # width is not known, so it must be wrapped.
      mkValue = v:
        if b.isBool v then mkBoolean v
        else if b.isFloat v then mkDouble v
        else if b.isString v then mkString v
        else if b.isList v then mkArray v
        else if isGVariant v then v
        else if b.isInt v then
          let
            fits = c: (c.min == null || c.min <= v) && (c.max == null || v <= c.max);
            choices = joinMap "\n" (c: "- `lib.gvariant.${c.name}` for `${c.type}`") (b.filter fits intConstructors);
          in
          throw ''
            The GVariant type for number “${toString v}” is unclear.
            Please wrap the value with one of the following, depending on the value type in GSettings schema:

            ${choices}
          ''
        else if b.isAttrs v then
          throw "Cannot construct GVariant value from an attribute set. If you want to construct a dictionary, you will need to create an array containing items constructed with `lib.gvariant.mkDictionaryEntry`."
        else throw "The GVariant type of “${b.typeOf v}” can't be inferred.";

      # A non-empty list whose elements have one type (checked when the
      # type or text is asked for).
      mkArray = elems:
        let
          members =
            if elems == [ ] then throw "Please create empty array with mkEmptyArray."
            else map mkValue elems;
          first = (b.head members).type;
          elemType =
            if b.all (m: m.type == first) members then first
            else throw "Elements in a list should have same type.";
        in
        typed (t.arrayOf elemType) members (self: "@${self.type} [${joinMap "," toString self.value}]");

      mkEmptyArray = elemType: typed (t.arrayOf elemType) [ ] (self: "@${self.type} []");

      mkVariant = elem: typed t.variant (mkValue elem) (self: "<${toString self.value}>");

      # Its value keeps the key and value as given.
      mkDictionaryEntry = name: value:
        let
          key = mkValue name;
          val = mkValue value;
        in
        typed (t.dictionaryEntryOf key.type val.type) { inherit name value; }
          (self: "@${self.type} {${toString key},${toString val}}");

      mkMaybe = elemType: elem:
        typed (t.maybeOf elemType) elem
          (self: if self.value == null then "@${self.type} nothing" else "just ${toString self.value}");
      mkNothing = elemType: mkMaybe elemType null;
      mkJust = elem: let inner = mkValue elem; in mkMaybe inner.type inner;

      mkTuple = elems:
        let members = map mkValue elems; in
        typed (t.tupleOf (map (m: m.type) members)) members
          (self: "@${self.type} (${joinMap "," toString self.value})");

      mkBoolean = v: typed t.boolean v (self: if self.value then "true" else "false");

      # Single-quoted: ' and \ escaped, newlines as \n.
      mkString = v: typed t.string v
        (self: "'${b.replaceStrings [ "'" "\\" "\n" ] [ "\\'" "\\\\" "\\n" ] self.value}'");

      # (Its type is "s", as in nixpkgs.)
      mkObjectpath = v: typed t.string v
        (self: "objectpath '${b.replaceStrings [ "'" ] [ "\\'" ] self.value}'");

      mkUchar = annotated t.uchar;
      mkInt16 = annotated t.int16;
      mkUint16 = annotated t.uint16;
      mkInt32 = v: typed t.int32 v (self: toString self.value);
      mkUint32 = annotated t.uint32;
      mkInt64 = annotated t.int64;
      mkUint64 = annotated t.uint64;
      mkDouble = v: typed t.double v (self: toString self.value);
    };

  # dconf keyfiles: values in GVariant text format.
  mkDconfKeyValue = keyValueText { mkValueString = v: toString (gvariant.mkValue v); } "=";
  toDconfINI = iniText { mkKeyValue = mkDconfKeyValue; };

  luaInline = lib.types.nixplanMkOptionType {
    name = "luaInline";
    description = "inline lua";
    descriptionClass = "noun";
    check = x: (x._type or null) == "lua-inline";
    merge = lib.options.mergeEqualOption;
  };
in
{
  inherit toPretty withRecursion toLua mkLuaInline toGitINI toINIWithGlobalSection toPlist toDhall
    mkDconfKeyValue toDconfINI gvariant luaInline;
  # The plain formats the others start from, as lib.generators has them.
  mkValueStringDefault = { }: valueText;
  mkKeyValueDefault = keyValueText;
  toKeyValue = settingLines;
  toINI = iniText;
}
