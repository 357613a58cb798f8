"${../../data/dir}"
