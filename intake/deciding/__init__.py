"""Step 4, decide: a read and parsed mail joins its filing, and the filing is decided again."""
