[ (builtins.isAttrs { }) (builtins.isAttrs [ ]) (builtins.isAttrs (builtins.tryEval 1)) ]
