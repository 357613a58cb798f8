"${null}"
