"""Workers on hosts of their own: the multi-host test, in network namespaces on this machine.

tests/hosts.py makes a bridge carrying the services host's address and two network namespaces
(the worker hosts), each with its own address on a veth pair and no other way out. On the
services address only: a private PostgreSQL cluster, a Redis broker, the test Dovecot and the
SMTP server. Each worker host runs `intake worker` under `ip netns exec` (the beat on the first),
with a config that names the services address and nothing else. The files folder is one folder
of this machine that both hosts see: it stands in for an NFS mount.

A burst of 24 filings over three mailboxes is answered exactly once, with the second host's
worker killed with SIGKILL (by its pid) mid-burst; PostgreSQL and Redis saw their clients come
from the worker hosts' addresses; afterwards nothing the test made is left (namespaces, links,
processes, folders). Needs root (CI runs as root); without it the test fails saying so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import hosts as simulated
from tests.integration.test_cluster import bench_module

MAILS, MAILBOXES = 24, 3


def _gone(pid: int, marker: str) -> bool:
    """Whether process `pid` has ended (a new process that took the pid does not carry
    `marker` on its command line)."""
    try:
        return marker not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True


@pytest.mark.timeout(180)
def test_workers_on_two_hosts_answer_a_burst_once_with_one_host_s_worker_killed(
    tmp_path: Path,
) -> None:
    try:
        simulated.check_can_make_hosts()
        simulated.postgresql_bin()
    except simulated.HostsUnavailable as error:
        pytest.fail(str(error))
    bench = bench_module()
    with contextlib.ExitStack() as stack:
        net = stack.enter_context(simulated.network(2))
        database = stack.enter_context(simulated.postgresql(net.services, net.subnet))
        broker = stack.enter_context(bench.redis_server(tmp_path, net.services))
        first, second = net.hosts

        # A worker host has a route to its /24 only: it reaches the services host over its
        # veth, and not this machine's own servers on loopback (its 127.0.0.1 is its own).
        for host in net.hosts:
            assert [r.split()[0] for r in simulated.routes(host)] == [str(net.subnet)]
        port = urlsplit(database.url).port
        assert port is not None
        assert simulated.reaches(first, net.services, port)
        assert not simulated.reaches(first, "127.0.0.1", 5432)

        site = bench.Site(net.services, database.url, broker, (first.prefix(), second.prefix()))
        outcome = bench.run(
            MAILS, MAILBOXES, 2, tmp_path, concurrency=2, kill=True, timeout=120, site=site
        )
        config = (tmp_path / "intake.toml").read_text(encoding="utf-8")

    assert outcome.ok, outcome.problems
    counts = outcome.counts
    assert counts["messages stored"] == counts["decided"] == MAILS
    assert counts["quarantined"] == 0
    assert counts["replies received"] == counts["mails answered once"] == MAILS
    # the second host's worker was killed mid-burst; the first host's finished the work
    assert len(outcome.killed) == 1 and outcome.killed_on_host == [1]

    # The workers' config names the services address only ...
    assert "127.0.0.1" not in config and "localhost" not in config
    assert f"@{net.services}:" in config and f"redis://{net.services}:" in config
    assert f'host = "{net.services}"' in config
    # ... and the servers saw the workers' connections come from the worker hosts' addresses.
    hosts = {first.address, second.address}
    assert hosts <= outcome.database_peers <= hosts | {net.services}, outcome.database_peers
    assert hosts <= outcome.broker_peers <= hosts | {net.services}, outcome.broker_peers
    # Dovecot's logins: the workers' polls and the test's own deliveries and sent copies (from
    # the services host); the replies reach the SMTP server from worker hosts only.
    assert outcome.imap_peers & hosts and outcome.imap_peers <= hosts | {net.services}
    assert outcome.smtp_peers and outcome.smtp_peers <= hosts, outcome.smtp_peers

    # Nothing the test made is left: namespaces, links, processes, folders.
    assert simulated.namespaces_left(net.tag) == []
    assert _gone(database.pid, str(database.folder)) and not database.folder.exists()
    config_path = str(tmp_path / "intake.toml")
    assert all(_gone(pid, config_path) for pid in outcome.worker_pids)
