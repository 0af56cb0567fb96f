"""Replies and digests: what the offices send, as a leaf package of plain values.

- `notifications.replies`: `ReplyRenderer` renders ``ack`` / ``request_missing`` /
  ``transferred`` replies (subject, text, HTML) from Jinja2 templates that admins may override.
- `notifications.compose`: MIME bytes of replies and digests (`compose_reply`,
  `compose_digest`, `make_message_id`).
- `notifications.digest`: the daily digest mail and xlsx registry (`build_digest`).
- `notifications.smtp`: `SmtpSender` and `classify_smtp_reply` for NetEase's coded replies.

It imports nothing of intake, parsers or routing (its words and its `Office` are `vocabulary`'s);
the pipeline hands in plain values.
"""
