''line''\r''\n''
