let d = 7; in ({ a ? d }: a) { }
