dirOf ""
