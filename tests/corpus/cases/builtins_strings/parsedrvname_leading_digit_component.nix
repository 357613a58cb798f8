builtins.parseDrvName "python3.9-requests-2.25.1"
