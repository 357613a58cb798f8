# `zipAttrsWith` forces its function first and checks that it is one, even
# for no sets (unlike `mapAttrs`, which forces it only for an element).
builtins.zipAttrsWith 1 [ ]
