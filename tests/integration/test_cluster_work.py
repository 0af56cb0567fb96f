"""The cluster's task bodies (`intake.cluster.work`) on a deployment, without the broker: each
step moves only what the store shows waiting, skips what another worker holds, and a repeat
changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.cluster import work
from intake.commands.demo import local_config
from intake.runtime.service import PIPELINE_LOCK, Deployment, open_deployment
from intake.settings import load_settings
from intake.store.tables import Message, MessageState, OutboxMail
from tests import factories
from tests.integration.test_pipeline_local import form_xlsx


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    (mailboxes / "130582" / "a.eml").write_bytes(
        factories.mail(attachment=form_xlsx(), attachment_name="备案表.xlsx")
    )
    settings = load_settings(local_config(tmp_path, None, mailboxes), {})
    opened = open_deployment(settings, {}, lambda: datetime.now(UTC))
    yield opened
    opened.close()


def states(deployment: Deployment) -> list[str]:
    with deployment.store.session() as db:
        return [str(s) for s in db.execute(select(Message.state)).scalars()]


def test_poll_read_decide_send_each_once_and_a_repeat_changes_nothing(
    deployment: Deployment,
) -> None:
    polled = work.poll(deployment, "130582")
    assert polled.ok and len(polled.stored) == 1
    assert work.poll(deployment, "130582").stored == ()  # nothing new: nothing to read twice
    (message_pk,) = polled.stored
    read = work.read_message(deployment, message_pk)
    assert read.ready_to_decide and not read.held_elsewhere
    again = work.read_message(deployment, message_pk)
    assert again.report.advanced == 0 and again.state == MessageState.PARSED.value
    decided = work.decide(deployment)
    assert decided.report.advanced == 1 and decided.offices_to_send == ("130582",)
    assert work.decide(deployment).report.advanced == 0
    assert states(deployment) == [MessageState.DECIDED.value]
    assert work.send(deployment, "130582").sent == 1
    assert work.send(deployment, "130582").sent == 0
    with deployment.store.session() as db:
        assert [r.state for r in db.execute(select(OutboxMail)).scalars()] == ["sent"]
    assert work.pending_work(deployment).empty


def test_work_another_worker_holds_is_skipped_not_waited_for(deployment: Deployment) -> None:
    (message_pk,) = work.poll(deployment, "130582").stored
    with deployment.lock(work.message_lock(message_pk), file=False) as taken:
        assert taken
        assert work.read_message(deployment, message_pk).held_elsewhere
    with deployment.lock(PIPELINE_LOCK) as taken:  # a purge, or intake run --once
        assert taken
        assert work.read_message(deployment, message_pk).held_elsewhere
    assert states(deployment) == [MessageState.STORED.value]
    pending = work.pending_work(deployment)
    assert pending.to_read == (message_pk,) and not pending.to_decide
    work.read_message(deployment, message_pk)
    with deployment.lock(work.DECIDE_LOCK) as taken:
        assert taken
        assert work.decide(deployment).held_elsewhere
    assert work.pending_work(deployment).to_decide
    work.decide(deployment)
    with deployment.lock(work.outbox_lock("130582")) as taken:
        assert taken
        assert work.send(deployment, "130582").skipped
    assert work.pending_work(deployment).to_send == ("130582",)
