false -> throw "not evaluated"
