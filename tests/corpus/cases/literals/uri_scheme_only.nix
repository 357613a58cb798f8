mailto:someone@example.com
