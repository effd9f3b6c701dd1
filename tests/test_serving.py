"""The production server (gunicorn.conf.py): new connections are spread over
the workers, each of which takes connections only once its board is loaded."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CONNECTIONS = 16


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the production config, two workers, over a migrated
    SQLite database of its own; yields (port, the arbiter's process)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="jobboard.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESSLOG="",
        WEB_CONCURRENCY=str(WORKERS),
    )
    python = sys.executable
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [python, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True
        )
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                str(Path(python).with_name("gunicorn")),
                *("-c", "gunicorn.conf.py", "jobboard.wsgi:application"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while len(re.findall("Board loaded", log.read_text())) < WORKERS:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port, server
    finally:
        server.terminate()
        server.wait(30)


def workers_of(server):
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def server_sockets(port):
    """{socket inode: client's port} of the connections accepted on ``port``."""
    accepted = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == "01" and int(local.split(":")[1], 16) == port:  # established
            accepted[inode] = int(remote.split(":")[1], 16)
    return accepted


def client_ports_of(pid, accepted):
    ports = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        inode = target.removeprefix("socket:[").removesuffix("]")
        if inode in accepted:
            ports.add(accepted[inode])
    return ports


def test_a_burst_of_keep_alive_connections_is_spread_over_the_workers(gunicorn):
    port, server = gunicorn
    busy = workers_of(server)[0]
    clients = []
    try:
        # The connections come all at once (as a benchmark's or a load
        # balancer's pool do) while one worker is busy: stopped, here.
        os.kill(busy, signal.SIGSTOP)
        try:
            for _ in range(CONNECTIONS):
                clients.append(
                    socket.create_connection(("127.0.0.1", port), timeout=10)
                )
            time.sleep(0.5)  # time enough for the other to accept them all
        finally:
            os.kill(busy, signal.SIGCONT)
        for client in clients:
            client.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for client in clients:
            assert client.recv(65536).startswith(b"HTTP/1.1 200")
        accepted = server_sockets(port)
        held = {pid: client_ports_of(pid, accepted) for pid in workers_of(server)}
        assert len(held) == WORKERS
        mine = {client.getsockname()[1] for client in clients}
        assert set().union(*held.values()) == mine  # each answered by a worker
        # Each worker holds some of them: the busy one does not sit idle
        # once it is free, while the other answers all.
        assert all(held.values()), held
    finally:
        for client in clients:
            client.close()
