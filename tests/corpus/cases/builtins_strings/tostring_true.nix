toString true
