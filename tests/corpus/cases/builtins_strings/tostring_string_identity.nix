toString "already"
