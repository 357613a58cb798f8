"# not a comment"
