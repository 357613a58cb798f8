/a < /b
