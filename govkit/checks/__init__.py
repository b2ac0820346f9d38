"""Built-in check kinds: one module each, pure functions of one resource (see interface)."""
