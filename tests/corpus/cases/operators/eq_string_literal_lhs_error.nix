# The left operand of a comparison with a string literal is still evaluated,
# and its error is the comparison's.
(throw "left") == "merge"
