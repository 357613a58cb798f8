rec { x = "y"; ${x} = 1; }
