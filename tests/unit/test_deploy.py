"""The go-live kit in deploy/: the systemd unit, the environment template, the Dockerfile and
the compose file say what docs/going-live.md promises, and stay in step with scripts/setup and
config/intake.toml."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def unit_entries(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as section → key → values (a key may be given more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path}: {line!r} is not key=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(entries: dict[str, list[str]], key: str) -> str:
    values = entries.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def setup_apt_packages() -> set[str]:
    """The APT_PACKAGES array of scripts/setup, comments left out."""
    text = (REPO / "scripts" / "setup").read_text(encoding="utf-8")
    body = re.search(r"^APT_PACKAGES=\((.*?)^\)", text, re.S | re.M)
    assert body is not None
    words = shlex.split(body.group(1), comments=True)
    return set(words)


def dockerfile_apt_packages(text: str) -> set[str]:
    """The packages of every `apt-get install` in the Dockerfile's RUN instructions."""
    joined = re.sub(r"\\\n", " ", text)
    packages: set[str] = set()
    for command in re.findall(r"apt-get install ([^&\n]*)", joined):
        packages |= {w for w in command.split() if not w.startswith("-")}
    return packages


def config_password_envs() -> list[str]:
    with (REPO / "config" / "intake.toml").open("rb") as handle:
        config = tomllib.load(handle)
    return [office["password_env"] for office in config["office"]]


def test_the_worker_unit_runs_hardened_as_its_own_user() -> None:
    unit = unit_entries(DEPLOY / "systemd" / "intake.service")
    service = unit["Service"]
    assert one(service, "User") == "intake" and one(service, "Group") == "intake"
    assert one(service, "ProtectSystem") == "strict"
    assert one(service, "ReadWritePaths").split() == ["/var/lib/intake"]
    assert one(service, "UMask") == "0077"
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert one(service, key) == "true", key
    assert one(service, "CapabilityBoundingSet") == ""
    assert one(service, "EnvironmentFile") == "/etc/intake/intake.env"
    start = shlex.split(one(service, "ExecStart"))
    assert start[0] == "/opt/xt-intake/.venv/bin/intake" and start[1] == "run"
    pre = shlex.split(one(service, "ExecStartPre").lstrip("-"))
    assert pre == [start[0], "config", "check", "--connect"]
    assert "network-online.target" in one(unit["Unit"], "After").split()
    assert one(unit["Install"], "WantedBy") == "multi-user.target"


def test_the_backup_unit_writes_only_the_data_and_backup_folders() -> None:
    service = unit_entries(DEPLOY / "systemd" / "intake-backup.service")["Service"]
    assert one(service, "User") == "intake" and one(service, "UMask") == "0077"
    assert one(service, "ProtectSystem") == "strict"
    assert one(service, "ReadWritePaths").split() == ["/var/lib/intake", "/var/backups/intake"]
    assert "intake backup" in one(service, "ExecStart").replace(".venv/bin/intake", "intake")
    timer = unit_entries(DEPLOY / "systemd" / "intake-backup.timer")["Timer"]
    assert one(timer, "Persistent") == "true" and one(timer, "OnCalendar")


def test_the_environment_template_names_every_office_and_the_key() -> None:
    lines = (DEPLOY / "intake.env.example").read_text(encoding="utf-8").splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert names == config_password_envs() and len(names) == 21
    assert all(line.endswith("=") for line in lines if line.startswith("INTAKE_PASSWORD_"))
    assert "# INTAKE_KEYS=" in lines and "# PGPASSWORD=" in lines


def test_the_image_installs_every_package_scripts_setup_installs() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    wanted = setup_apt_packages()
    assert {"tesseract-ocr-chi-sim", "libarchive-tools", "fonts-noto-cjk"} <= wanted
    installed = dockerfile_apt_packages(text)
    assert wanted <= installed, wanted - installed
    assert {"postgresql-client"} <= installed  # pg_dump / pg_restore for intake backup
    assert re.search(r"^FROM debian:[a-z]+-slim$", text, re.M)
    assert "uv sync --frozen --no-dev" in text and "COPY pyproject.toml uv.lock" in text
    setup_uv = re.search(r"uv==[0-9.]+", (REPO / "scripts" / "setup").read_text(encoding="utf-8"))
    assert setup_uv is not None and setup_uv.group(0) in text
    assert re.search(r"^USER intake$", text, re.M)
    entry = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M)
    assert entry is not None and yaml.safe_load(entry.group(1)) == ["intake"]


def test_the_dockerfile_copies_only_what_exists() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (?!--)(.+) \S+$", text, re.M):
        for name in source.split():
            assert (REPO / name).exists(), name


def test_compose_runs_the_image_beside_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    worker = services["worker"]
    assert worker["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / worker["build"]["context"] / worker["build"]["dockerfile"]).is_file()
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    assert worker["env_file"] == ["intake.env"]
    assert "PGPASSWORD" in worker["environment"]
    assert worker["command"][:3] == ["run", "--metrics-port", "9464"]
    assert worker["ports"] == ["127.0.0.1:9464:9464"]  # the metrics stay on the host
    assert any(v.endswith(":/var/lib/intake") for v in worker["volumes"])
    assert set(compose["volumes"]) >= {"db", "files"}
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'database = "postgresql+psycopg://intake@db/intake"' in text  # the service name


def test_compose_runs_a_cluster_of_a_broker_one_beat_and_workers_on_a_shared_folder() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "profiles" not in services["worker"]  # `up` alone: the single machine, as before
    assert services["broker"]["image"].startswith("rabbitmq:")
    assert services["beat"]["command"][0] == "beat"
    for name in ("cluster-worker", "remote-worker"):
        worker = services[name]
        assert worker["command"] == ["worker"]
        assert "INTAKE_BROKER_PASSWORD" in worker["environment"]
        assert any(v.endswith(":/var/lib/intake") for v in worker["volumes"])
    assert services["cluster-worker"]["depends_on"]["broker"]["condition"] == "service_healthy"
    assert {h.split(":")[0] for h in services["remote-worker"]["extra_hosts"]} == {"db", "broker"}
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'broker = "amqp://intake@broker:5672//"' in text  # the broker service's name
