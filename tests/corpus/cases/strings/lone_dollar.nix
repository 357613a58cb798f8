"cost: $5 and $"
