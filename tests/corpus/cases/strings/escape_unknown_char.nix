"\a\q\z"
