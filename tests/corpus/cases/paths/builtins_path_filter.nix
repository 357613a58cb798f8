# builtins.path and filterSource with filters, recursive and flat, and the
# store paths (they are computed, nothing is copied).
let
  data = ../../data;
in
[
  (builtins.path { path = data; filter = p: t: t == "directory" || baseNameOf p == "hello.txt"; name = "only-hello"; })
  (builtins.path { path = data; filter = p: t: t != "directory"; })
  (builtins.filterSource (p: t: baseNameOf p != "dir") data)
  (builtins.path { path = data + "/hello.txt"; recursive = false; })
  (builtins.filterSource (p: t: true) data == builtins.path { path = data; })
]
