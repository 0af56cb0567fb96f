"""CPU seconds used so far by the processes a bench runs beside it, read from /proc (Linux):
one process, Dovecot (its master and every child, gone or alive), and the PostgreSQL backends
serving one database."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, children: bool = False) -> float:
    """utime+stime of a process (with `children`, plus those of its children it waited for),
    in seconds; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the ")": the state is field 0, utime 11, stime 12, cutime 13, cstime 14
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def dovecot_cpu(master: int) -> float:
    """Seconds used so far by Dovecot: the master, its children gone and alive."""
    total = process_cpu(master, children=True)
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{master}/task"):
            with contextlib.suppress(OSError):
                for child in Path(f"/proc/{master}/task/{task}/children").read_text().split():
                    total += process_cpu(int(child), children=True)
    return total


def postgres_cpu(url: str) -> float:
    """Seconds used so far by the live backends of the database at `url` (this machine's)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
        pids = [
            int(r[0])
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        ]
    return sum(process_cpu(p) for p in pids)
