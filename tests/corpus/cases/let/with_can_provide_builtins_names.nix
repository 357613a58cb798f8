with { map = "shadowed-map"; }; builtins.isFunction map
