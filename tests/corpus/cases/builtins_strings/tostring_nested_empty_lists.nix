toString [ [ ] [ ] ]
