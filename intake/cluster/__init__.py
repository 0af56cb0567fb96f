"""Workers on several hosts: the pipeline's steps as Celery tasks on a shared broker and a
shared PostgreSQL store (`[cluster]` in the config; `intake worker`, `intake beat`)."""
