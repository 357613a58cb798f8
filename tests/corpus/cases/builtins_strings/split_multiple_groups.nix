builtins.split "([ab])([0-9])?" "xa1yb"
