"""Hosts of their own on this one machine, for the multi-host test and `cluster_bench --hosts`.

`network(n)` makes a bridge in the root network namespace with the services host's address and
`n` network namespaces ("worker hosts"), each joined to the bridge by a veth pair and given its
own address in a free /24 of 10.231.0.0/16. A worker host has no other link and no route: it
reaches the services host over its veth, and nothing else (its 127.0.0.1 is its own, so the
machine's loopback servers are out of its reach). `postgresql(...)` starts a private cluster that
listens on the services address only (bench/cluster_bench.py's `redis_server` does the same for
the broker). Files stay on the one filesystem every
namespace sees: the shared files folder stands in for an NFS mount.

Everything is removed on the way out, also when the body fails: the processes by pid (the
servers, and whatever still runs inside a worker host), the namespaces, the links, the folders.
Making namespaces needs root and iproute2 (`ip`); without them `HostsUnavailable` says which is
missing.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import pwd
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port

SPACE = ipaddress.IPv4Network("10.231.0.0/16")
SERVICES_HOST = 1  # the services host's address in the /24: .1; worker hosts from .11
FIRST_WORKER_HOST = 11
IP = shutil.which("ip") or "/usr/sbin/ip"


class HostsUnavailable(RuntimeError):
    """The machine cannot make the simulated hosts (not root, no iproute2, no free subnet...)."""


@dataclass(frozen=True)
class Host:
    """One worker host: a network namespace with its address."""

    namespace: str
    address: str

    def prefix(self) -> tuple[str, ...]:
        """What runs a command inside this host: ``ip netns exec <namespace>``."""
        return (IP, "netns", "exec", self.namespace)


@dataclass(frozen=True)
class Network:
    """The simulated network: the services host's address on the bridge, the worker hosts."""

    tag: str
    bridge: str
    subnet: ipaddress.IPv4Network
    services: str
    hosts: tuple[Host, ...]


def pick_subnet(
    taken: Iterable[ipaddress.IPv4Network], rng: random.Random
) -> ipaddress.IPv4Network:
    """A /24 of 10.231.0.0/16 that overlaps no network in `taken` (chosen at random among the
    free ones, so that two runs at once rarely pick the same)."""
    busy = list(taken)
    free = [s for s in SPACE.subnets(new_prefix=24) if not any(s.overlaps(b) for b in busy)]
    free = [s for s in free if s.network_address.packed[2] not in (0, 255)]
    if not free:
        raise HostsUnavailable(f"no /24 of {SPACE} is free on this machine")
    return rng.choice(free)


def parse_networks(ip_output: str) -> list[ipaddress.IPv4Network]:
    """The IPv4 networks named in `ip -4 -o addr` / `ip -4 route` output (addresses and routes;
    the word ``default`` is the whole space)."""
    found: list[ipaddress.IPv4Network] = []
    for line in ip_output.splitlines():
        for word in line.split():
            if word == "default":
                continue  # a default route overlaps everything: it decides nothing here
            with contextlib.suppress(ValueError):
                if any(c.isdigit() for c in word) and "." in word:
                    found.append(ipaddress.IPv4Network(word, strict=False))
    return found


def _ip(*args: str, namespace: str | None = None) -> str:
    argv = [IP, *(("-n", namespace) if namespace else ()), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise HostsUnavailable(f"`{' '.join(argv)}` failed: {done.stderr.strip()}")
    return done.stdout


def check_can_make_hosts() -> None:
    """Raise `HostsUnavailable` naming exactly what is missing to make namespaces."""
    if os.geteuid() != 0:
        raise HostsUnavailable(
            "the multi-host test makes network namespaces, a bridge and veth pairs: it must run "
            f"as root (uid 0; this is uid {os.geteuid()})"
        )
    if not Path(IP).exists():
        raise HostsUnavailable(
            "the multi-host test needs iproute2's `ip` (scripts/setup-tests installs iproute2)"
        )


def _taken() -> list[ipaddress.IPv4Network]:
    return parse_networks(
        _ip("-4", "-o", "addr", "show") + _ip("-4", "route", "show", "table", "all")
    )


@contextlib.contextmanager
def network(hosts: int) -> Iterator[Network]:
    """A bridge with the services address and `hosts` worker namespaces; removed afterwards."""
    check_can_make_hosts()
    tag = secrets.token_hex(3)
    subnet = pick_subnet(_taken(), random.Random())
    bridge = f"xtb{tag}"
    services = str(subnet.network_address + SERVICES_HOST)
    made = Network(
        tag,
        bridge,
        subnet,
        services,
        tuple(
            Host(f"intake-{tag}-h{i + 1}", str(subnet.network_address + FIRST_WORKER_HOST + i))
            for i in range(hosts)
        ),
    )
    namespaces: list[str] = []
    links: list[str] = []
    try:
        _ip("link", "add", bridge, "type", "bridge")
        links.append(bridge)
        _ip("addr", "add", f"{services}/{subnet.prefixlen}", "dev", bridge)
        _ip("link", "set", bridge, "up")
        for index, host in enumerate(made.hosts, start=1):
            _ip("netns", "add", host.namespace)
            namespaces.append(host.namespace)
            outside, inside = f"xt{tag}h{index}", f"xt{tag}n{index}"
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            links.append(outside)
            _ip("link", "set", inside, "netns", host.namespace)
            _ip("link", "set", outside, "master", bridge)
            _ip("link", "set", outside, "up")
            _ip("link", "set", "lo", "up", namespace=host.namespace)
            _ip(
                "addr", "add", f"{host.address}/{subnet.prefixlen}", "dev", inside,
                namespace=host.namespace,
            )  # fmt: skip
            _ip("link", "set", inside, "up", namespace=host.namespace)
        _wait_links_up(made)
        yield made
    except BaseException:
        _remove(namespaces, links)  # what the body failed with matters more than this
        raise
    problems = _remove(namespaces, links)
    if problems:
        raise RuntimeError("the simulated hosts were not all removed: " + "; ".join(problems))


def _wait_links_up(made: Network, timeout: float = 10.0) -> None:
    """Until each worker host's veth end has its carrier (the peer in the bridge is up)."""
    for index, host in enumerate(made.hosts, start=1):
        inside = f"xt{made.tag}n{index}"
        deadline = time.monotonic() + timeout
        while "LOWER_UP" not in _ip("-o", "link", "show", inside, namespace=host.namespace):
            if time.monotonic() > deadline:
                raise HostsUnavailable(f"{host.namespace}'s link {inside} did not come up")
            time.sleep(0.1)


def _remove(namespaces: list[str], links: list[str]) -> list[str]:
    """Kill what still runs inside the namespaces (by pid: only what we started runs there),
    delete the namespaces (their veth ends go with them) and the links; what failed."""
    problems: list[str] = []
    for namespace in namespaces:
        with contextlib.suppress(HostsUnavailable):
            for pid in _ip("netns", "pids", namespace).split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
    for namespace in reversed(namespaces):
        deadline = time.monotonic() + 10
        while _ip_quiet("netns", "pids", namespace).strip() and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            _ip("netns", "del", namespace)
        except HostsUnavailable as error:
            problems.append(str(error))
    for link in reversed(links):  # a veth goes with its namespace's end, a moment later
        try:
            _ip("link", "del", link)
        except HostsUnavailable as error:
            if _ip_quiet("link", "show", link):
                problems.append(str(error))
    return problems


def _ip_quiet(*args: str) -> str:
    try:
        return _ip(*args)
    except HostsUnavailable:
        return ""


def namespaces_left(tag: str) -> list[str]:
    """The namespaces and links of run `tag` that still exist (none after `network` ends)."""
    names = _ip("netns", "list") + _ip("-o", "link", "show")
    return sorted({w.split("@")[0] for w in names.split() if tag in w})


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def postgresql_bin() -> Path:
    """The newest installed PostgreSQL's programs (initdb, postgres)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not found:
        raise HostsUnavailable(
            "no /usr/lib/postgresql/*/bin/initdb: the multi-host test runs a PostgreSQL cluster "
            "of its own (scripts/setup-tests installs postgresql)"
        )
    return found[-1].parent


@dataclass(frozen=True)
class PrivatePostgres:
    """A running private PostgreSQL: the URL of its database ``intake``, the server's pid and
    its folder (data, socket, log)."""

    url: str
    pid: int
    folder: Path


@contextlib.contextmanager
def postgresql(address: str, clients: ipaddress.IPv4Network) -> Iterator[PrivatePostgres]:
    """A private PostgreSQL cluster (initdb in a temporary folder, run as user postgres)
    listening on `address` only, trusting `clients`; stopped by its pid and removed after."""
    programs = postgresql_bin()
    owner = pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="intake-hosts-pg-", dir="/tmp"))
    process: subprocess.Popen[bytes] | None = None
    try:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        data = folder / "data"
        subprocess.run(
            [str(programs / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, timeout=120, user=owner.pw_uid, group=owner.pw_gid,
            cwd=folder,
        )  # fmt: skip
        (data / "pg_hba.conf").write_text(
            f"local all all trust\nhost all all {clients} trust\n", encoding="utf-8"
        )
        port = free_port(address)
        process = subprocess.Popen(
            [str(programs / "postgres"), "-D", str(data), "-c", f"listen_addresses={address}",
             "-c", f"port={port}", "-c", f"unix_socket_directories={folder}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=(folder / "postgres.log").open("ab"),
            user=owner.pw_uid, group=owner.pw_gid, cwd=folder,
        )  # fmt: skip
        admin = f"postgresql://postgres@{address}:{port}/postgres"
        _wait_for_postgresql(admin, process, folder)
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE DATABASE intake")
        url = f"postgresql+psycopg://postgres@{address}:{port}/intake"
        yield PrivatePostgres(url, process.pid, folder)
    finally:
        if process is not None:
            _stop(process, signal.SIGINT)  # PostgreSQL's fast shutdown
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_postgresql(
    admin: str, process: subprocess.Popen[bytes], folder: Path, timeout: float = 60
) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(admin, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "postgres.log").read_text(errors="replace")[-2000:]
                raise HostsUnavailable(
                    f"the private PostgreSQL did not start ({error}):\n{log}"
                ) from None
            time.sleep(0.2)


def routes(host: Host) -> list[str]:
    """The routes inside a worker host (``ip route``), one line each."""
    return [line for line in _ip("-4", "route", namespace=host.namespace).splitlines() if line]


def reaches(host: Host, address: str, port: int) -> bool:
    """Whether a TCP connection from inside `host` to address:port succeeds."""
    probe = (
        "import socket, sys\n"
        "try:\n"
        f"    socket.create_connection(({address!r}, {port}), timeout=2).close()\n"
        "except OSError:\n"
        "    sys.exit(1)\n"
    )
    done = subprocess.run(
        [*host.prefix(), sys.executable, "-c", probe], capture_output=True, timeout=30
    )
    return done.returncode == 0
