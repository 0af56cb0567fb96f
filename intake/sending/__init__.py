"""Step 6, send: the outbox drained over SMTP, each mail once, from its office's own mailbox."""
