"""The `intake` command line: one module per subcommand."""
