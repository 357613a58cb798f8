true == true
