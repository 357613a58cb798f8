"tab\there\nnl \"q\" back\\slash"
