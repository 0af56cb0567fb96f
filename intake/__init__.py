"""The application: the steps a mail goes through, and what runs them.

Steps, in the order a mail meets them: `fetching` (stored first, the ledger), `reading` (MIME),
`parsing` (documents, in a watched worker), `deciding` (the filing, by `routing`), `replying`
(queued with the decision), `sending` (the outbox), `digesting` (per office and day). Around
them: `commands` (the command line), `runtime` (the deployment, rounds, worker, locks, logs,
clock), `privacy` (encryption, rotation, retention, audit), `store`, `mailbox`, `settings`.
"""
