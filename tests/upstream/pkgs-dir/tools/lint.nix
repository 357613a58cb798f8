# In the nested scope: sees its siblings.
{ fmt, level ? 1 }:
{ kind = "lint"; uses = fmt.text; inherit level; }
