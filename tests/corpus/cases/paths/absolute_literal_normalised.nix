builtins.toString /a/./b/../c
