builtins.toJSON "héllo ✓ 🎉"
