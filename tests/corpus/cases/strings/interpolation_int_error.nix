"value: ${1}"
