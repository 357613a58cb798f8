[ ''
    one
  '' ''two'' ]
