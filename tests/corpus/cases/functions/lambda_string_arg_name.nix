(_: "ignored") null
