[ 1 (throw "strict forces") ]
