"""Child processes that must not outlive us: the process tree from /proc, stopping a tree, SIGTERM as an
exception (so `finally` blocks run), and whether something already answers on a port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType


class Terminated(Exception):
    """SIGTERM arrived: raised in the main thread so that every `finally` stops what it started."""


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated (uvicorn restores this handler and re-raises the signal)."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def children_of() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc (Linux; psutil is not a dependency)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree = children_of()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_tree(process: subprocess.Popen[bytes], timeout: float = 45.0) -> None:
    """SIGINT to the child's process group, then SIGKILL to the child and everything it started that is left
    (a grandchild in a session of its own, such as the Prefect server, included)."""
    if process.poll() is not None:
        return
    tree = descendants(process.pid)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    for pid in [*tree, *descendants(process.pid)]:
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    """Something already accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0
