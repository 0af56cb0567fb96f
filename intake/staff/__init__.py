"""Staff actions and read models under the web console: plain functions on a store session.

The web layer (`intake.web`) calls these; tests call them directly. Every function that takes a
filing, message, attachment or outbox id checks it against the offices the signed-in person may
see and raises `NotFound` exactly as when it does not exist, so nobody learns that another
office's filing exists. Errors carry Chinese messages the web can show as they are.
"""

from __future__ import annotations

from intake.staff.errors import Conflict, Invalid, NotFound, StaffError

__all__ = ["Conflict", "Invalid", "NotFound", "StaffError"]
