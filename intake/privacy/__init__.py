"""Personal data at rest: encryption and keys, key rotation, retention and the audit log."""
