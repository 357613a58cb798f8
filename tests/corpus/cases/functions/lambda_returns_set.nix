(x: { value = x; }) 3
