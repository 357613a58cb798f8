"${/this/path/surely/does/not/exist}"
