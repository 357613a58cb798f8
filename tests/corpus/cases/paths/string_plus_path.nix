"prefix:" + builtins.toString /x
