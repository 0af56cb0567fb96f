"""Mailbox adapters: the IMAP server of each office, or a local folder of .eml files."""
