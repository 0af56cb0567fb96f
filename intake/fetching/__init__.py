"""Step 1, fetch: every new mail of an office's mailbox stored once (the ledger), nothing changed on the server."""
