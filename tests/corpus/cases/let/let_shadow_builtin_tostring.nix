let toString = x: "custom"; in toString 5
