[ 1 2 (throw "third") ]
