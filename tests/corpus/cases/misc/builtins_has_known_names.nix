map (n: builtins.hasAttr n builtins) [ "map" "toString" "fromTOML" "zipAttrsWith" "groupBy" ]
