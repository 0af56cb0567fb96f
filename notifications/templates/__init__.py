"""Built-in Jinja2 templates of replies and digests (package data; admins copy and override)."""
