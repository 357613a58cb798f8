[ ({ __toString = s: "t"; } + "a") ({ outPath = "/o"; } + "/b") ]
