# Unlike `mapAttrs`, `zipAttrsWith` forces its function first, even for
# no sets.
builtins.zipAttrsWith (abort "the function") [ ]
