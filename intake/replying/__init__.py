"""Step 5, reply: the reply a decision implies, rendered and queued in the same transaction."""
