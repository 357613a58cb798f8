builtins.pathExists "/definitely/not/here/nixplan"
