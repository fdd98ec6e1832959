"""On SQLite the web app's writers take turns from their first write to their commit (web/state.py): the reads and
checks before a write run side by side with another writer's write, and the writes themselves one at a time,
without 'database is locked'. A real SQLite file, real threads."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from samverkan.core.settings import Settings
from samverkan.database import make_engine
from samverkan.web.state import WebState


def _state(tmp_path: Path) -> WebState:
    url = f"sqlite:///{tmp_path / 'turn.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"))
    return WebState(engine, Settings(database_url=url))


def test_the_turn_is_taken_at_the_first_write_and_given_back_at_the_commit(tmp_path: Path) -> None:
    web = _state(tmp_path)
    with web.write() as session:
        session.execute(sa.text("SELECT count(*) FROM note"))
        assert not web.write_lock.locked()  # reading is not writing
        session.execute(sa.text("INSERT INTO note (text) VALUES ('a')"))
        assert web.write_lock.locked()
    assert not web.write_lock.locked()
    with web.read() as session:
        assert session.execute(sa.text("SELECT text FROM note")).scalars().all() == ["a"]


def test_a_refused_write_gives_the_turn_back(tmp_path: Path) -> None:
    web = _state(tmp_path)
    try:
        with web.write() as session:
            session.execute(sa.text("INSERT INTO note (text) VALUES ('b')"))
            raise ValueError("refused")
    except ValueError:
        pass
    assert not web.write_lock.locked()
    with web.read() as session:
        assert session.execute(sa.text("SELECT count(*) FROM note")).scalar_one() == 0


def test_checks_run_beside_a_write_and_writes_take_turns(tmp_path: Path) -> None:
    web = _state(tmp_path)
    first_wrote, second_checked, errors = threading.Event(), threading.Event(), []

    def first() -> None:
        try:
            with web.write() as session:
                session.execute(sa.text("INSERT INTO note (text) VALUES ('first')"))
                first_wrote.set()
                assert second_checked.wait(10)  # the other writer's check ran while this one held the turn
        except BaseException as exc:
            errors.append(exc)

    def second() -> None:
        try:
            assert first_wrote.wait(10)
            with web.write() as session:
                session.execute(sa.text("SELECT count(*) FROM note"))
                second_checked.set()
                session.execute(sa.text("INSERT INTO note (text) VALUES ('second')"))  # waits for its turn
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with web.read() as session:
        assert session.execute(sa.text("SELECT text FROM note ORDER BY id")).scalars().all() == ["first", "second"]


def test_worker_processes_take_turns_through_a_file_lock(tmp_path: Path) -> None:
    """Two web workers on one SQLite file (two states with their own engines, as two processes have): the second
    writer waits for its turn at the lock file beside the database, not inside SQLite's polling wait, and
    writes as soon as the first has committed."""
    first, second = _state(tmp_path), WebState(make_engine(f"sqlite:///{tmp_path / 'turn.db'}"), Settings())
    past_the_turn, errors = threading.Event(), []
    # listens after the state's own listener: it sees a statement only once that statement has its turn
    sa.event.listen(second.engine, "before_cursor_execute", lambda *_: past_the_turn.set())

    def other_worker() -> None:
        try:
            with second.write() as session:
                session.execute(sa.text("INSERT INTO note (text) VALUES ('second')"))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=other_worker)
    with first.write() as session:
        session.execute(sa.text("INSERT INTO note (text) VALUES ('first')"))
        worker.start()
        assert not past_the_turn.wait(0.5)  # waiting at the file lock while the first worker holds the turn
    assert past_the_turn.wait(10)
    worker.join(30)
    assert errors == [] and (tmp_path / "turn.db-write-turn").exists()
    with first.read() as session:
        assert session.execute(sa.text("SELECT text FROM note ORDER BY id")).scalars().all() == ["first", "second"]
