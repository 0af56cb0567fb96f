"""Real mail servers on loopback for the integration tests: Dovecot (IMAP) and aiosmtpd (SMTP).

Each server is started in its own temporary folder on free ports and stopped afterwards. Both
listen on 127.0.0.1 unless given another address (the multi-host test binds them to its services
host's address, tests/hosts.py). Dovecot
runs with a generated config, plain-text passwords in a passwd file, Maildir storage, and a
self-signed certificate for the TLS listener.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


LOOPBACK = "127.0.0.1"

# Ports for the tests' own servers come from below the kernel's ephemeral range (so no outgoing
# connection of anyone can be holding one), each pytest-xdist worker from a band of its own (so
# two workers never pick the same), and one process never hands the same port out twice.
_PORT_LOW, _PORT_HIGH = 20_000, 32_000
_handed_out: set[int] = set()


def _port_band() -> range:
    """This process's band of ports: all of them, or a slice per pytest-xdist worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    if not worker.startswith("gw") or count <= 1:
        return range(_PORT_LOW, _PORT_HIGH)
    width = (_PORT_HIGH - _PORT_LOW) // count
    start = _PORT_LOW + int(worker[2:]) * width
    return range(start, start + width)


def free_port(address: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now at this address, never handed out before by this
    process."""
    band = _port_band()
    offset = (os.getpid() * 7919) % len(band)
    for step in range(len(band)):
        port = band[(offset + step) % len(band)]
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((address, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in {band.start}-{band.stop - 1}")


def wait_for_port(port: int, timeout: float = 10.0, address: str = LOOPBACK) -> None:
    """Block until something accepts connections on the port at this address."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {address}:{port} after {timeout} s")


def self_signed_cert(folder: Path, address: str = LOOPBACK) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost (and `address`) and its key, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    *(
                        x509.IPAddress(ipaddress.ip_address(a))
                        for a in dict.fromkeys((LOOPBACK, address))
                    ),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Dovecot:
    """A running Dovecot: its ports, its folder, and the users it knows."""

    folder: Path
    port: int
    tls_port: int
    cert: Path
    process: subprocess.Popen[bytes]
    users: dict[str, str]
    address: str = LOOPBACK

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def close(self) -> None:
        """Stop for good and remove the server's folder (mail, configuration, certificate)."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self) -> None:
        """Start again after `stop`, on the same ports and mail."""
        self.process = _spawn(self.folder)
        wait_for_port(self.port, address=self.address)

    def restart(self) -> None:
        """Stop and start again on the same ports and mail (for server-fault tests); the open
        client connections are cut, as a restart of a real server does (Dovecot's own imap
        processes would otherwise go on serving them)."""
        serving = _descendants(self.process.pid)
        self.stop()
        for pid in serving:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.start()


def _descendants(pid: int) -> list[int]:
    """The processes started by `pid` (by any of its threads), and theirs (from /proc)."""
    found: list[int] = []
    queue = [pid]
    while queue:
        current = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


def _spawn(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [DOVECOT, "-F", "-c", str(folder / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "stderr.log", "ab"),
    )


def start_dovecot(users: dict[str, str], address: str = LOOPBACK) -> Dovecot:
    """Start Dovecot in a new folder under /tmp with these users (address -> password),
    listening on `address` only.

    The folder is not under pytest's private tmp_path: Dovecot's unprivileged processes must be
    able to reach it.
    """
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="intake-dovecot-", dir="/tmp"))
    folder.chmod(0o755)
    mail_user = pwd.getpwnam("dovecot")
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir(exist_ok=True)
    os.chown(folder / "mail", mail_user.pw_uid, mail_user.pw_gid)
    cert, key = self_signed_cert(folder, address)
    (folder / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    port, tls_port = free_port(address), free_port(address)
    (folder / "dovecot.conf").write_text(
        f"""
protocols = imap
listen = {address}
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
info_log_path = {folder}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
mail_location = maildir:{folder}/mail/%u
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={folder}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  # high-performance mode, as a busy production server runs: one login process serves many
  # connections instead of a new process for each
  service_count = 0
  process_min_avail = 1
  client_limit = 1000
}}
service imap {{
  # an imap process serves the next connection when its client logs out (every test user has
  # the same system user), instead of a new process for each login
  service_count = 0
  process_min_avail = 2
}}
"""
    )
    # The worker under test sets umask 077 in this process; Dovecot's own users must still read.
    for path in (folder / "passwd", folder / "dovecot.conf", cert):
        path.chmod(0o644)
    for sub in ("run", "state"):
        (folder / sub).chmod(0o755)
    process = _spawn(folder)
    try:
        wait_for_port(port, address=address)
        wait_for_port(tls_port, address=address)
    except RuntimeError:
        process.kill()
        log = (folder / "stderr.log").read_text(errors="replace") + (
            (folder / "dovecot.log").read_text(errors="replace")
            if (folder / "dovecot.log").exists()
            else ""
        )
        raise RuntimeError(f"Dovecot did not start:\n{log}") from None
    return Dovecot(folder, port, tls_port, cert, process, dict(users), address)


class CuttingProxy:
    """A TCP proxy on loopback that forwards to a server and cuts the connection after N bytes
    from the server (to test a connection dropped in the middle of a fetch)."""

    def __init__(self, target_port: int, cut_after: int) -> None:
        import threading

        self.target_port = target_port
        self.cut_after = cut_after
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = int(self.listener.getsockname()[1])
        self.cuts = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        import threading

        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe_pair, args=(client,), daemon=True).start()

    def _pipe_pair(self, client: socket.socket) -> None:
        import threading

        server = socket.create_connection(("127.0.0.1", self.target_port))

        def upstream() -> None:
            try:
                while data := client.recv(65536):
                    server.sendall(data)
            except OSError:
                pass

        threading.Thread(target=upstream, daemon=True).start()
        sent = 0
        try:
            while data := server.recv(65536):
                if self.cut_after and sent + len(data) > self.cut_after:
                    client.sendall(data[: max(0, self.cut_after - sent)])
                    self.cuts += 1
                    break
                client.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives.

    `script` holds the answers to give, one per mail (or per login for ``535``), before it
    accepts again: a reply line such as ``451 4.7.0 try later`` or ``close`` (the connection is
    cut without an answer). `log` names a file where each accepted mail is appended as one JSON
    line (with the sending client's address as ``peer``), so counts survive the processes that
    send.
    """

    port: int
    received: list[tuple[str, list[str], bytes]]
    controller: object
    script: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    log: Path | None = None

    def stop(self) -> None:
        self.controller.stop()  # type: ignore[attr-defined]


def read_smtp_log(path: Path) -> list[dict[str, object]]:
    """The mails a server with `log=` accepted, oldest first (a cut last line is ignored)."""
    import json

    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


class _WithoutLoginDataNotice(logging.Filter):
    """aiosmtpd's own AUTH code sets its deprecated `Session.login_data` and warns about it on
    every login; the notice says nothing about the code under test."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_WithoutLoginDataNotice())


def start_smtp(
    users: dict[str, str],
    *,
    tls_cert: tuple[Path, Path] | None = None,
    script: list[str] | None = None,
    log: Path | None = None,
    on_accept: Callable[[str, bytes], None] | None = None,
    port: int | None = None,
    address: str = LOOPBACK,
) -> SmtpServer:
    """Start aiosmtpd with AUTH PLAIN/LOGIN for these users; implicit TLS when a cert is given.

    `script`: scripted answers (see `SmtpServer`); `log`: a JSON-lines file of accepted mail;
    `on_accept(mail_from, raw)` runs before the ``250`` (e.g. to keep a copy in the sender's
    sent folder, as servers that save submitted mail do); when it fails (the mail store is down)
    the mail is refused with a temporary ``451``, as such a server does. `port`: a fixed port
    (to start again where a killed server listened); `address`: where it listens.
    """
    import email
    import json
    import ssl as ssl_module
    from email import policy

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    received: list[tuple[str, list[str], bytes]] = []
    pending = list(script or [])
    answered: list[str] = []
    refused_sessions: list[int] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            if pending and not pending[0].startswith("535"):
                answer = pending.pop(0)
                answered.append(answer)
                if answer == "close":
                    server.transport.close()  # type: ignore[attr-defined]
                    return "421 closing"
                if not answer.startswith("250"):
                    return answer
            raw = bytes(envelope.original_content or envelope.content)  # type: ignore[attr-defined]
            mail_from = str(envelope.mail_from)  # type: ignore[attr-defined]
            rcpt = list(envelope.rcpt_tos)  # type: ignore[attr-defined]
            if on_accept is not None:
                try:
                    on_accept(mail_from, raw)
                except Exception as error:  # the copy is part of accepting: no copy, no 250
                    return f"451 4.3.0 cannot keep a copy now ({type(error).__name__})"

            received.append((mail_from, rcpt, raw))
            if log is not None:
                head = email.message_from_bytes(raw, policy=policy.default)
                line = {
                    "message_id": str(head.get("Message-ID", "")).strip().strip("<>"),
                    "in_reply_to": str(head.get("In-Reply-To", "")).strip().strip("<>"),
                    "from": mail_from,
                    "to": rcpt,
                    "subject": str(head.get("Subject", "")),
                    "peer": str(getattr(session, "peer", ("",))[0]),
                }
                with log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
            return "250 OK"

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        if pending and pending[0].startswith("535"):
            answered.append(pending.pop(0))
            refused_sessions.append(id(session))
        if id(session) in refused_sessions:  # every mechanism the client tries next fails too
            return AuthResult(success=False, handled=False)
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if users.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    port = port or free_port(address)
    context = None
    if tls_cert is not None:
        context = ssl_module.create_default_context(ssl_module.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls_cert[0]), str(tls_cert[1]))
    controller = Controller(
        Handler(),
        hostname=address,
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
        ssl_context=context,
        server_hostname="localhost",
    )
    controller.start()
    return SmtpServer(port, received, controller, pending, answered, log)
