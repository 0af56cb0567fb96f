"""The staff web console (`intake web`): a Flask application on the deployment's store.

`app.create_app` builds it; `accounts` keeps the staff accounts, `secret` the key the session
cookies are signed with, `pages` turns attachments into images for display and `health` reads
the mailboxes' health for the admin page. Everything a page shows or changes goes through the
staff service layer (`intake.staff`), which checks the person's offices and writes the audit log.
"""
