"""A cluster worker refuses to start when files another worker stored are not in its files
folder (the shared folder not mounted, or mounted from elsewhere), instead of quarantining mail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.commands.demo import local_config
from intake.fetching.ledger import RAW_KIND, RAW_SUFFIX
from intake.runtime.service import open_deployment, run_once
from intake.settings import load_settings
from intake.store.identity import UnreachableFiles, check_files_reachable
from intake.store.tables import Message
from tests import factories


def test_a_worker_that_cannot_reach_a_stored_file_refuses_to_start(tmp_path: Path) -> None:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    for index in range(2):
        (mailboxes / "130582" / f"{index}.eml").write_bytes(
            factories.mail(subject=f"咨询 {index}", sender=f"r{index}@qq.com")
        )
    settings = load_settings(local_config(tmp_path, None, mailboxes), {})
    deployment = open_deployment(settings, {}, lambda: datetime.now(UTC))
    try:
        run_once(deployment)
        check_files_reachable(deployment.store, deployment.files)  # all there: no complaint
        with deployment.store.session() as db:
            newest = db.query(Message).order_by(Message.id.desc()).first()
            assert newest is not None
            sha = newest.sha256
        deployment.files.path_for(RAW_KIND, sha, RAW_SUFFIX).unlink()
        with pytest.raises(UnreachableFiles, match="lacks 1 of the 2 newest mails"):
            check_files_reachable(deployment.store, deployment.files)
    finally:
        deployment.close()
