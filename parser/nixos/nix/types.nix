# Option types (`lib.types`), written for nixplan: each checks its
# definitions and merges them the way NixOS does.
lib:
let
  # mapAttrs keeping the user's positions (nixplan's primop).
  b = builtins // { mapAttrs = builtins.__nixplanMapAttrs or builtins.mapAttrs; };
  inherit (lib.options) showOption showDefs mergeEqualOption mergeOneOption mergeDefaultOption throwAt defPos;

  # Definitions that fail `check` are reported as not of type
  # `description`; the others go to `merge`.
  checkedMerge = description: check: merge: loc: defs:
    let bad = b.filter (d: !(check d.value)) defs; in
    if bad == [ ] then merge loc defs
    else throwAt (defPos bad) "A definition for option `${showOption loc}' is not of type `${description}'. Definition values:\n${showDefs bad}";

  # ----- type functors ------------------------------------------------------
  # A type's `functor` says how to rebuild it (`type`) from its parameters
  # (`payload`, null when it has none) and how to combine the parameters of
  # two declarations (`binOp`, null when they do not combine); its
  # `typeMerge` takes the other declaration's functor and gives the merged
  # type, or null.

  # The functor of a type without parameters: the type of that name.
  defaultFunctor = name: {
    inherit name;
    type = lib.types.${name} or null;
    payload = null;
    binOp = _: _: null;
  };

  # Merge by functors: same name, then the combined payload (if any)
  # rebuilds the type.
  defaultTypeMerge = mine: theirs:
    if mine.name != theirs.name then null
    else
      assert (mine.payload == null) == (theirs.payload == null);
      if mine.payload == null then mine.type
      else
        let combined = mine.binOp mine.payload theirs.payload; in
        if combined == null then null else mine.type combined;

  # The functor of a type built around one element type: two of them merge
  # when their element types do.
  wrapperFunctor = name: rebuild: elemType: {
    inherit name;
    type = rebuild;
    payload = { inherit elemType; };
    binOp = mine: theirs:
      let elem = mine.elemType.typeMerge theirs.elemType.functor; in
      if elem == null then null else { elemType = elem; };
  };

  # A functor whose payloads combine only when equal.
  equalPayloadFunctor = name: rebuild: payload: {
    inherit name payload;
    type = rebuild;
    binOp = mine: theirs: if mine == theirs then mine else null;
  };

  mkOptionType = { name, description ? null, descriptionClass ? null, check ? (_: true), merge ? mergeDefaultOption
    , emptyValue ? { }, getSubOptions ? (_: { }), getSubModules ? null, substSubModules ? (_: null)
    , functor ? defaultFunctor name, typeMerge ? defaultTypeMerge functor, nestedTypes ? { }
    , deprecationMessage ? null }:
    let description' = if description == null then name else description; in
    {
      _type = "option-type";
      description = description';
      # `deprecationMessage` too: nixpkgs' module system reads it of every
      # type (a stand-in package set's option types meet the real one).
      inherit name check emptyValue getSubOptions getSubModules substSubModules typeMerge functor nestedTypes descriptionClass deprecationMessage;
      merge = checkedMerge description' check merge;
    };

  isOptionType = t: b.isAttrs t && (t._type or "") == "option-type";

  # How a type's description reads inside another's: bare when its class
  # (`descriptionClass`) is one `fitsBare` accepts, else in parentheses.
  optionDescriptionPhrase = fitsBare: type:
    if fitsBare (type.descriptionClass or null) then type.description else "(${type.description})";
  nounOrComposite = c: c == "noun" || c == "composite";

  # Turn one definition of a container into definitions of its elements.
  elemDefs = loc: defs: f: b.concatLists (lib.imap1 (n: def: f n def) defs);

  # ----- helpers of attrListWith -------------------------------------------
  inherit (lib.modules) defaultOrderPriority defaultOverridePriority mkOverride;
  typeTag = v: if b.isAttrs v then v._type or null else null;

  # One entry's value with its mkOrder and mkOverride wrappers taken off
  # (nested in any order): `order` is the outermost mkOrder's priority,
  # `override` the outermost mkOverride's, and `value` keeps the mkOverride
  # (the element's own merge removes it) but no mkOrder. Built field by
  # field so that reading `override` leaves the wrapped content alone.
  unwrapEntry = v:
    let
      tag = typeTag v;
      inner = unwrapEntry v.content;
    in
    if tag == "order" then { order = v.priority; override = inner.override; value = inner.value; }
    else if tag == "override" then { order = inner.order; override = v.priority; value = mkOverride v.priority inner.value; }
    else { order = defaultOrderPriority; override = defaultOverridePriority; value = v; };

  # The entries of one definition: a list of one-name sets (each maybe in
  # an mkOrder), or a set whose names are entries.
  definitionEntries = loc: description: def:
    let
      fromElement = element:
        let
          ordered = typeTag element == "order";
          item = if ordered then element.content else element;
          key = b.head (b.attrNames item);
          found = unwrapEntry item.${key};
          why =
            if !(b.isAttrs item) then "Each list element must be an attribute set, but got ${b.typeOf item}"
            else "Each list element must be a single-key attribute set, but got ${b.toString (b.length (b.attrNames item))} keys";
        in
        if b.isAttrs item && b.length (b.attrNames item) == 1 then {
          inherit key;
          inherit (def) file;
          inherit (found) value override;
          order = if ordered then element.priority else found.order;
        }
        else throw "A definition for option `${showOption loc}' is not of type `${description}'. ${why}.\n${showDefs [ { inherit (def) file; value = element; } ]}";
      fromName = key:
        let found = unwrapEntry def.value.${key}; in {
          inherit key;
          inherit (def) file;
          inherit (found) value override order;
        };
    in
    if b.isList def.value then map fromElement def.value else map fromName (b.attrNames def.value);

  # Sort keeping equal elements in their order.
  sortStable = before: list:
    map (x: x.v) (b.sort (x: y: before x.v y.v || (!(before y.v x.v) && x.i < y.i)) (lib.imap0 (i: v: { inherit i v; }) list));

  # ----- helpers of attrTag ---------------------------------------------------

  # The value of one tag's option from its definitions, as the module
  # system gives an option's value: default, priorities, order, apply.
  evalTagOption = loc: opt: defs:
    let
      fromDefault = lib.optional (opt ? default) {
        file = b.head (opt.declarations or [ ] ++ [ "<attrTag>" ]);
        value = lib.modules.mkOptionDefault opt.default;
        pos = null;
      };
      active = lib.modules.sortProperties (lib.modules.filterOverrides (lib.modules.dischargeDefs (fromDefault ++ defs))).values;
      merged =
        if active == [ ] then throw "The option `${showOption loc}' is used but not defined."
        else b.addErrorContext "while evaluating the option `${showOption loc}'" ((opt.type or types.unspecified).merge loc active);
    in
    if (opt.apply or null) != null then opt.apply merged else merged;

  # Two declarations of one tag (two attrTag types merged): as the module
  # system merges two declarations of an option.
  mergeTagDecls = tagName: first: second:
    let
      both = attr: first ? ${attr} && second ? ${attr};
      typed = both "type";
      mergedType = first.type.typeMerge second.type.functor;
      refused = throw "The option `${showOption [ tagName ]}' in `<attrTag {...}>' is already declared in ${lib.options.showFiles [ "<attrTag {...}>" ]}.";
    in
    if lib.any both [ "default" "example" "description" "apply" ] || (typed && mergedType == null) then refused
    else second // first // {
      loc = [ tagName ];
      declarations = first.declarations ++ second.declarations;
      declarationPositions = first.declarationPositions ++ second.declarationPositions;
    } // lib.optionalAttrs typed { type = mergedType; };

  ints' = rec {
    # nixpkgs builds these on `int` (addCheck): they merge as `int` does.
    between = lo: hi: mkOptionType {
      name = "intBetween";
      description = "integer between ${b.toString lo} and ${b.toString hi} (both inclusive)";
      descriptionClass = "noun";
      check = x: b.isInt x && x >= lo && x <= hi;
      merge = mergeEqualOption;
      functor = defaultFunctor "int";
    };
    unsigned = mkOptionType { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; descriptionClass = "nonRestrictiveClause"; check = x: b.isInt x && x >= 0; merge = mergeEqualOption; functor = defaultFunctor "int"; };
    positive = mkOptionType { name = "positiveInt"; description = "positive integer, meaning >0"; descriptionClass = "nonRestrictiveClause"; check = x: b.isInt x && x > 0; merge = mergeEqualOption; functor = defaultFunctor "int"; };
    u8 = between 0 255;
    u16 = between 0 65535;
    u32 = between 0 4294967295;
    s8 = between (-128) 127;
    s16 = between (-32768) 32767;
    s32 = between (-2147483648) 2147483647;
  };

  types = rec {
    inherit mkOptionType isOptionType defaultFunctor defaultTypeMerge optionDescriptionPhrase;
    isType = lib.isType;
    setType = lib.setType;
    # lib.types.types, as nixpkgs keeps it (old code reads types.types.str).
    types = lib.types;

    # Merge two types as two declarations of one option would; a
    # "merge-error" value when they do not merge.
    mergeTypes = t1: t2:
      assert isOptionType t1 && isOptionType t2;
      let merged = t1.typeMerge t2.functor; in
      if merged == null then lib.setType "merge-error" { error = "Cannot merge types"; } else merged;

    # A module for evaluations made to read options (documentation): it
    # turns off the check of undeclared definitions.
    noCheckForDocsModule = {
      _file = "<built-in module that disables checks for the purpose of documentation generation>";
      config._module.check = lib.modules.mkForce false;
    };

    raw = mkOptionType { name = "raw"; description = "raw value"; descriptionClass = "noun"; merge = mergeOneOption; };
    unspecified = mkOptionType { name = "unspecified"; description = "unspecified value"; descriptionClass = "noun"; };
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      merge = loc: defs:
        let vals = map (d: d.value) defs; in
        if b.all b.isList vals then b.concatLists vals
        else if b.all (v: b.isAttrs v && !(lib.isDerivation v)) vals then
          b.mapAttrs (name: vs: anything.merge (loc ++ [ name ]) vs)
            (b.zipAttrsWith (name: vs: vs) (map (d: b.mapAttrs (_: v: { inherit (d) file; value = v; }) d.value) defs))
        else if b.all b.isFunction vals then x: anything.merge loc (map (d: d // { value = d.value x; }) defs)
        else mergeEqualOption loc defs;
    };
    attrs = mkOptionType { name = "attrs"; description = "attribute set"; check = b.isAttrs; merge = loc: b.foldl' (r: d: r // d.value) { }; };
    bool = mkOptionType { name = "bool"; description = "boolean"; descriptionClass = "noun"; check = b.isBool; merge = mergeEqualOption; };
    boolByOr = mkOptionType { name = "boolByOr"; descriptionClass = "noun"; check = b.isBool; merge = loc: defs: b.any (d: d.value) defs; };
    int = mkOptionType { name = "int"; description = "signed integer"; descriptionClass = "noun"; check = b.isInt; merge = mergeEqualOption; };
    ints = ints';
    port = ints'.u16;
    float = mkOptionType { name = "float"; descriptionClass = "noun"; check = b.isFloat; merge = mergeEqualOption; };
    number = either int float;
    numbers = {
      between = lo: hi: addCheck number (x: x >= lo && x <= hi);
      nonnegative = addCheck number (x: x >= 0);
      positive = addCheck number (x: x > 0);
    };
    str = mkOptionType { name = "str"; description = "string"; descriptionClass = "noun"; check = b.isString; merge = mergeEqualOption; };
    nonEmptyStr = mkOptionType { name = "nonEmptyStr"; description = "non-empty string"; descriptionClass = "noun"; check = x: b.isString x && b.match "[ \t\n]*" x == null; merge = mergeEqualOption; };
    singleLineStr = mkOptionType { name = "singleLineStr"; description = "(optionally newline-terminated) single-line string"; descriptionClass = "noun"; check = x: b.isString x && b.match "[^\n]*\n?" x != null; merge = mergeEqualOption; };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${b.toJSON pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: b.isString x && b.match pattern x != null;
      merge = mergeEqualOption;
      functor = equalPayloadFunctor "strMatching" (p: strMatching p.pattern) { inherit pattern; };
    };
    separatedString = sep: mkOptionType {
      name = "separatedString";
      description = if sep == "" then "Concatenated string" else "strings concatenated with ${b.toJSON sep}";
      descriptionClass = "noun";
      check = b.isString;
      merge = loc: defs: b.concatStringsSep sep (map (d: d.value) defs);
      functor = equalPayloadFunctor "separatedString" (p: separatedString p.sep) { inherit sep; };
    };
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    string = separatedString "";
    passwdEntry = entryType: addCheck entryType (s: !(lib.hasInfix ":" s || lib.hasInfix "\n" s));
    path = mkOptionType {
      name = "path";
      description = "path";
      descriptionClass = "noun";
      check = x: lib.isStringLike x && b.substring 0 1 (b.toString x) == "/";
      merge = mergeEqualOption;
    };
    pathInStore = addCheck path lib.isStorePath;
    externalPath = addCheck path (x: !(lib.isStorePath x));

    # A path, maybe required absolute or relative (`absolute`) and in or
    # out of the Nix store (`inStore`); null leaves either open. A path not
    # in the store must be a string (a path value would be copied there).
    pathWith = { inStore ? null, absolute ? null }:
      if inStore == true && absolute == false then throw "In pathWith, inStore means the path must be absolute"
      else mkOptionType {
        name = "path";
        description =
          lib.optionalString (absolute != null) (if absolute then "absolute " else "relative ")
          + "path"
          + lib.optionalString (inStore != null) (if inStore then " in the Nix store" else " not in the Nix store");
        descriptionClass = "noun";
        check = x:
          let
            asPath = if b.isPath x then x else /. + b.unsafeDiscardStringContext (b.toString x);
            rightKind = if inStore == false then b.isString x else lib.isStringLike x;
            rightPlace = inStore == null || inStore == lib.path.hasStorePathPrefix asPath;
            rightForm = absolute == null || absolute == (b.substring 0 1 (b.toString x) == "/");
          in
          rightKind && rightPlace && rightForm;
        merge = mergeEqualOption;
        functor = equalPayloadFunctor "path" pathWith { inherit inStore absolute; };
      };

    package = mkOptionType {
      name = "package";
      description = "package";
      descriptionClass = "noun";
      check = x: lib.isDerivation x || lib.isStorePath x;
      merge = loc: defs: let r = mergeOneOption loc defs; in if lib.isDerivation r then r else { outPath = b.toString r; type = "derivation"; name = "store-path"; };
    };
    shellPackage = package;

    # A package set of nixpkgs (one that says `_type = "pkgs"`), defined once.
    pkgs = addCheck (unique { message = "A Nixpkgs pkgs set can not be merged with another pkgs set."; } attrs // {
      name = "pkgs";
      description = "Nixpkgs package set";
      descriptionClass = "noun";
    }) (x: (x._type or null) == "pkgs");

    enum = values: mkOptionType {
      name = "enum";
      description = "one of ${b.concatStringsSep ", " (map (v: if b.isString v then "\"${v}\"" else b.toJSON v) values)}";
      descriptionClass = if b.length values < 2 then "noun" else "conjunction";
      check = x: b.elem x values;
      merge = mergeEqualOption;
      functor = {
        name = "enum";
        type = p: enum p.values;
        payload = { inherit values; };
        binOp = mine: theirs: { values = lib.unique (mine.values ++ theirs.values); };
      };
    };
    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${elemType.description}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nulls = b.filter (d: d.value == null) defs; in
        if nulls == defs then null
        else if nulls == [ ] then elemType.merge loc defs
        else throwAt (defPos defs) "The option `${showOption loc}' is defined both null and not null, in ${lib.options.showFiles (map (d: d.file) defs)}.";
      getSubOptions = elemType.getSubOptions;
      getSubModules = elemType.getSubModules;
      functor = wrapperFunctor "nullOr" (p: nullOr p.elemType) elemType;
      nestedTypes.elemType = elemType;
    };
    listOf = elemType: mkOptionType {
      name = "listOf";
      description = "list of ${elemType.description}";
      descriptionClass = "composite";
      check = b.isList;
      merge = loc: defs:
        map (x: x.value) (b.filter (x: x ? value) (b.concatLists (lib.imap1 (n: def:
          lib.imap1 (m: v: (lib.modules.evalElement (loc ++ [ "[definition ${b.toString n}-entry ${b.toString m}]" ]) elemType { inherit (def) file; value = v; pos = def.pos or null; })) def.value) defs)));
      emptyValue = [ ];
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      functor = wrapperFunctor "listOf" (p: listOf p.elemType) elemType;
      nestedTypes.elemType = elemType;
    };
    nonEmptyListOf = elemType: addCheck (listOf elemType) (l: l != [ ]);

    # A list of one-name sets, in order: `[ { a = 1; } { b = 2; } { a = 3; } ]`.
    # A definition is such a list (an element may be in mkOrder) or a set
    # (each name one element; mkOrder and mkOverride on its value). Per
    # name, only the elements of the highest mkOverride priority stay; all
    # are then ordered by mkOrder priority, definitions and lists keeping
    # their order. `asAttrs` gives a set instead, the values of a name
    # combined by `mergeAttrValues name values`.
    attrListOf = elemType: attrListWith { inherit elemType; };
    attrListWith = { elemType, asAttrs ? false, mergeAttrValues ? (_: values: values) }:
      let
        description = "attribute list of ${optionDescriptionPhrase nounOrComposite elemType}";
      in
      mkOptionType {
        name = "attrListOf";
        inherit description;
        descriptionClass = "composite";
        check = x: b.isList x || b.isAttrs x;
        merge = loc: defs:
          let
            entries = b.concatMap (definitionEntries loc description) defs;
            # A name's winning mkOverride priority; one never given one
            # counts as a plain definition's (so a lone mkDefault loses).
            winner = b.foldl' (acc: e:
              if e.override < (acc.${e.key} or defaultOverridePriority) then acc // { ${e.key} = e.override; } else acc) { } entries;
            kept = b.filter (e: e.override == (winner.${e.key} or defaultOverridePriority)) entries;
            ordered = sortStable (x: y: x.order < y.order) kept;
            evaluated = map (e: e // { result = lib.modules.evalElement (loc ++ [ e.key ]) elemType { inherit (e) file value; pos = null; }; }) ordered;
            pairs = map (e: { ${e.key} = e.result.value; }) (b.filter (e: e.result ? value) evaluated);
          in
          if asAttrs then b.zipAttrsWith mergeAttrValues pairs else pairs;
        emptyValue.value = if asAttrs then { } else [ ];
        getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
        getSubModules = elemType.getSubModules;
        substSubModules = m: attrListWith { inherit asAttrs mergeAttrValues; elemType = elemType.substSubModules m; };
        # Two declarations of an attribute list do not merge.
        typeMerge = _: null;
        nestedTypes.elemType = elemType;
      };

    attrsOf = elemType: attrsWith { inherit elemType; lazy = false; };
    lazyAttrsOf = elemType: attrsWith { inherit elemType; lazy = true; };
    attrsWith = { elemType, lazy ? false, placeholder ? "name" }: mkOptionType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description = "attribute set of ${elemType.description}";
      descriptionClass = "composite";
      check = b.isAttrs;
      merge = loc: defs:
        let
          pushed = lib.modules.pushDownAttrDefs defs;
          # Each name's definitions, for its value and for its place.
          byName = b.zipAttrsWith (_: ds: ds)
            (map (d: b.mapAttrs (n: v: { inherit (d) file; value = v; pos = b.unsafeGetAttrPos n d.value; rank = d.rank or 0; }) d.value) pushed);
          evaluated = b.mapAttrs (name: ds: lib.modules.evalElement (loc ++ [ name ]) elemType { merged = ds; }) byName;
          positions = b.mapAttrs (_: lib.modules.nixplanFirstPos) byName;
          setPositions = b.__nixplanSetPositions or (set: _: set);
        in
        setPositions (if lazy then b.mapAttrs (_: e: e.value or elemType.emptyValue.value or (throw "The option `${showOption loc}' has an undefined element")) evaluated
        else b.mapAttrs (_: e: e.value) (lib.filterAttrs (_: e: e ? value) evaluated)) positions;
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<${placeholder}>" ]);
      getSubModules = elemType.getSubModules;
      functor = {
        name = "attrsWith";
        type = attrsWith;
        payload = { inherit elemType lazy placeholder; };
        # Same laziness; a placeholder other than the default "name" wins.
        binOp = mine: theirs:
          let
            elem = mine.elemType.typeMerge theirs.elemType.functor;
            placeholder' =
              if mine.placeholder == theirs.placeholder || theirs.placeholder == "name" then mine.placeholder
              else if mine.placeholder == "name" then theirs.placeholder
              else null;
          in
          if elem == null || mine.lazy != theirs.lazy || placeholder' == null then null
          else { elemType = elem; inherit (mine) lazy; placeholder = placeholder'; };
      };
      nestedTypes.elemType = elemType;
    };
    # Deprecated in nixpkgs (lists of sets are no longer accepted): attrsOf.
    loaOf = elemType: attrsOf elemType // {
      name = "loaOf";
      deprecationMessage = "Mixing lists with attribute values is no longer possible; please use `types.attrsOf` instead. See https://github.com/NixOS/nixpkgs/issues/1800 for the motivation.";
      nestedTypes.elemType = elemType;
    };

    # A set of exactly one attribute, its name one of the tags: the value
    # is the tag's option's (an mkOption declaration each).
    attrTag = tagDecls:
      let
        posOf = tag: b.unsafeGetAttrPos tag tagDecls;
        showTag = lib.strings.escapeNixIdentifier;
        tags = b.mapAttrs (tag: decl:
          let
            pos = posOf tag;
            at = if pos == null then "" else " at ${pos.file}:${b.toString pos.line}:${b.toString pos.column}";
            whatItIs =
              if !(b.isAttrs decl && decl ? _type) then "was not."
              else if decl._type == "option-type" then "was a bare type, not wrapped in mkOption."
              else "was of type ${lib.strings.escapeNixString decl._type}.";
          in
          b.addErrorContext "while checking that attrTag tag ${showTag tag} is an option with a type${at}" (
            if typeTag decl != "option" then throw "In attrTag, each tag value must be an option, but tag ${showTag tag} ${whatItIs}"
            else decl // {
              declarations = decl.declarations or (if pos == null then [ ] else [ pos.file ]);
              declarationPositions = decl.declarationPositions or (if pos == null then [ ] else [ pos ]);
            })) tagDecls;
        choices = b.concatStringsSep ", " (map showTag (b.attrNames tags));
        tagOf = v: b.head (b.attrNames v);
      in
      mkOptionType {
        name = "attrTag";
        description = "attribute-tagged union with choices: ${choices}";
        descriptionClass = "noun";
        check = v: b.isAttrs v && b.length (b.attrNames v) == 1 && tags ? ${tagOf v};
        merge = loc: defs:
          let
            chosen = tagOf (b.head defs).value;
            files = lib.options.showFiles (map (d: d.file) defs);
            tagDefs = map (d:
              if tagOf d.value != chosen then throw "The option `${showOption loc}` is defined both as `${chosen}` and `${tagOf d.value}`, in ${files}."
              else { inherit (d) file; value = d.value.${chosen}; pos = b.unsafeGetAttrPos chosen d.value; }) defs;
          in
          if tags ? ${chosen} then { ${chosen} = evalTagOption (loc ++ [ chosen ]) tags.${chosen} tagDefs; }
          else throw "The option `${showOption loc}` is defined as ${showTag chosen}, but ${showTag chosen} is not among the valid choices (${choices}). Value ${chosen} was defined in ${files}.";
        getSubOptions = prefix: b.mapAttrs (tag: opt: opt // { loc = prefix ++ [ tag ]; }) tags;
        nestedTypes = tags;
        functor = {
          name = "attrTag";
          type = { tags, ... }: attrTag tags;
          payload = { inherit tags; };
          # All tags of both; a tag in both has its declarations merged.
          binOp = mine: theirs: {
            tags = mine.tags // theirs.tags
              // b.mapAttrs (tag: _: mergeTagDecls tag mine.tags.${tag} theirs.tags.${tag}) (b.intersectAttrs mine.tags theirs.tags);
          };
        };
      };

    uniq = unique { message = ""; };
    unique = { message }: elemType: mkOptionType {
      inherit (elemType) name description check;
      descriptionClass = elemType.descriptionClass or null;
      merge = lib.options.mergeUniqueOption { inherit message; };
      functor = wrapperFunctor "unique" (p: unique { inherit message; } p.elemType) elemType;
    };
    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${elemType.description}";
      descriptionClass = "composite";
      check = lib.isFunction;
      merge = loc: defs: fnArgs: elemType.merge loc (map (d: d // { value = d.value fnArgs; }) defs);
      functor = wrapperFunctor "functionTo" (p: functionTo p.elemType) elemType;
    };
    either = t1: t2: mkOptionType {
      name = "either";
      description = "${t1.description} or ${t2.description}";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let vals = map (d: d.value) defs; in
        if b.all t1.check vals then t1.merge loc defs
        else if b.all t2.check vals then t2.merge loc defs
        else mergeOneOption loc defs;
      functor = {
        name = "either";
        type = either;
        payload.elemType = [ t1 t2 ];
        binOp = _: _: null;
      };
      # Both sides merge with the other either's sides.
      typeMerge = theirs:
        let
          left = t1.typeMerge (b.elemAt theirs.payload.elemType 0).functor;
          right = t2.typeMerge (b.elemAt theirs.payload.elemType 1).functor;
        in
        if theirs.name == "either" && left != null && right != null then either left right else null;
      nestedTypes = { left = t1; right = t2; };
    };
    oneOf = ts: if ts == [ ] then throw "types.oneOf needs at least one type" else b.foldl' either (b.head ts) (b.tail ts);
    coercedTo = coercedType: coerceFunc: finalType: mkOptionType {
      name = "coercedTo";
      description = "${finalType.description} or ${coercedType.description} convertible to it";
      check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
      # A coerced definition places nothing (rank -1, as a library's): its
      # names are not where the user wrote them, but where the function
      # that coerced the user's value (a library's) did.
      merge = loc: defs:
        finalType.merge loc (map (d: if finalType.check d.value then d else d // { value = coerceFunc d.value; rank = -1; }) defs);
      getSubOptions = finalType.getSubOptions;
      getSubModules = finalType.getSubModules;
      typeMerge = _: null;
    };
    addCheck = elemType: check: elemType // {
      check = x: elemType.check x && check x;
      merge = checkedMerge elemType.description check elemType.merge;
    };

    # Values that serialize to a format (JSON, TOML...): booleans, numbers,
    # strings, paths, and sets and lists of such values; null if
    # `nullable`. Described as "<typeName> value".
    serializableValueWith = { typeName, nullable ? true }:
      let
        scalarOrNested = oneOf [ bool int float str path (attrsOf value) (listOf value) ];
        base = if nullable then nullOr scalarOrNested else scalarOrNested;
        value = base // {
          description = "${typeName} value";
          merge = checkedMerge "${typeName} value" base.check base.merge;
        };
      in
      value;
    json = serializableValueWith { typeName = "JSON"; };
    toml = serializableValueWith { typeName = "TOML"; nullable = false; };

    optionType = mkOptionType { name = "optionType"; descriptionClass = "noun"; check = isOptionType; merge = loc: defs: (b.head defs).value; };
    # An option declaration (mkOption's result) not yet evaluated.
    optionDeclaration = mkOptionType {
      name = "optionDeclaration";
      description = "option declaration";
      descriptionClass = "noun";
      check = x: lib.isType "option" x && !(x ? value);
    };
    deferredModule = deferredModuleWith { };
    deferredModuleWith = { staticModules ? [ ] }: mkOptionType {
      name = "deferredModule";
      description = "module";
      descriptionClass = "noun";
      check = x: b.isAttrs x || b.isFunction x || b.isPath x;
      merge = loc: defs: { imports = staticModules ++ map (d: { _file = d.file; imports = [ d.value ]; }) defs; };
      functor = {
        name = "deferredModuleWith";
        type = deferredModuleWith;
        payload = { inherit staticModules; };
        binOp = mine: theirs: { staticModules = mine.staticModules ++ theirs.staticModules; };
      };
    };
    submodule = modules: submoduleWith { shorthandOnlyDefinesConfig = true; modules = lib.toList modules; };
    # `strict` (nixplan's): a definition of an option the submodule does
    # not declare is an error, as in NixOS; nixplan's own NixOS
    # declarations are partial, so only its disko and impermanence ones ask.
    nixplanStrictSubmodule = modules: submoduleWith { shorthandOnlyDefinesConfig = true; modules = lib.toList modules; strict = true; };
    nixplanStrictSubmoduleWith = attrs: submoduleWith (attrs // { strict = true; });
    submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, class ? null, strict ? false }@attrs:
      mkOptionType {
        name = "submodule";
        description = if description != null then description else "submodule";
        check = x: b.isAttrs x || b.isFunction x || b.isPath x;
        merge = loc: defs:
          (lib.modules.evalModules {
            modules = modules ++ map (d: { _file = d.file; imports = [ (if shorthandOnlyDefinesConfig && b.isAttrs d.value then { config = d.value; } else d.value) ]; }) defs;
            inherit specialArgs;
            nixplanName = { name = lib.last loc; default = false; };
            prefix = loc;
            inherit strict;
            # Positions: the definitions come in merge order, the one
            # listed last first; a library's places nothing.
            nixplanDefinitions = map (d: (d.rank or 0) < 0) defs;
          }).config;
        getSubOptions = prefix: (lib.modules.evalModules { inherit modules specialArgs prefix; nixplanName = { name = "‹name›"; default = true; }; }).options;
        getSubModules = modules;
        substSubModules = m: submoduleWith (attrs // { modules = m; });
        functor = {
          name = "submodule";
          type = submoduleWith;
          payload = { inherit modules specialArgs shorthandOnlyDefinesConfig description class strict; };
          # Two declarations of a submodule: all their modules; the other
          # settings must agree (null leaves one to the other).
          binOp = mine: theirs:
            let
              agree = what: x: y:
                if x == null then y else if y == null || x == y then x
                else throw what;
              sharedArgs = b.intersectAttrs mine.specialArgs theirs.specialArgs;
            in {
              modules = mine.modules ++ theirs.modules;
              class = agree "A submoduleWith option is declared multiple times with conflicting class values \"${b.toString mine.class}\" and \"${b.toString theirs.class}\"."
                (mine.class or null) (theirs.class or null);
              specialArgs =
                if sharedArgs == { } then mine.specialArgs // theirs.specialArgs
                else throw "A submoduleWith option is declared multiple times with the same specialArgs \"${b.toString (b.attrNames sharedArgs)}\"";
              shorthandOnlyDefinesConfig = agree "A submoduleWith option is declared multiple times with conflicting shorthandOnlyDefinesConfig values"
                mine.shorthandOnlyDefinesConfig theirs.shorthandOnlyDefinesConfig;
              description = agree "A submoduleWith option is declared multiple times with conflicting descriptions"
                mine.description theirs.description;
              # nixplan's: the first declaration's, as before functors.
              strict = mine.strict or false;
            };
        };
      };
  };
in
types // {
  # nixplan's own declarations' types (its disko's and impermanence's):
  # their definitions keep their places, for the plan and for errors.
  nixplanMkOptionType = mkOptionType;
  # A type made outside nixplan's lib (a module's own, such as disko's)
  # gets its definitions with only their file and value, as nixpkgs gives
  # a plain one: nixplan's module system keeps a place and a rank in each,
  # which such a type may not take (disko's destructures `{ value, file }`).
  mkOptionType = args:
    mkOptionType (args // lib.optionalAttrs (args ? merge) {
      merge = loc: defs: args.merge loc (map (d: { inherit (d) file value; }) defs);
    });
}
