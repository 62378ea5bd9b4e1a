"""The server of bench/load.py and what stands between it and PostgreSQL:
Odoo started as a real multi-worker server on free ports of 127.0.0.1, and a
TCP proxy (run as ``bench/load.py --proxy``) through which it reaches
PostgreSQL, so that the outage is the proxy's and the shared cluster is
never stopped."""

import configparser
import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, addons_path, data_dir

# The entry point, whose hidden --proxy option runs the Forwarder.
LOAD_SCRIPT = str(Path(__file__).resolve().with_name("load.py"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# A TCP proxy between Odoo and PostgreSQL (SIGUSR1: cut, SIGUSR2: restore)
# ---------------------------------------------------------------------------
class Forwarder:
    """Forward 127.0.0.1:``port`` to PostgreSQL at ``upstream``. SIGUSR1
    drops every connection and closes the port (new connections are
    refused), as a stopped PostgreSQL would; SIGUSR2 opens it again. Says
    "up" and "cut" on its standard output."""

    def __init__(self, port, upstream):
        self.port, self.upstream = port, upstream
        self.selector = selectors.DefaultSelector()
        self.pairs = {}
        self.wanted = self.cut = False
        signal.signal(signal.SIGUSR1, self._on_signal)
        signal.signal(signal.SIGUSR2, self._on_signal)
        self.listener = self._listen()
        # The parent holds our standard input: at its end, the parent is gone.
        self.selector.register(sys.stdin, selectors.EVENT_READ)

    def _on_signal(self, signum, _frame):
        self.wanted = signum == signal.SIGUSR1

    def _listen(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(256)
        self.selector.register(sock, selectors.EVENT_READ)
        print("up", flush=True)
        return sock

    def _close(self, sock):
        for each in (sock, self.pairs.pop(sock, None)):
            if each is not None:
                self.pairs.pop(each, None)
                self.selector.unregister(each)
                each.close()

    def _switch(self):
        self.cut = self.wanted
        if self.cut:
            for sock in list(self.pairs):
                if sock in self.pairs:
                    self._close(sock)
            self.selector.unregister(self.listener)
            self.listener.close()
            print("cut", flush=True)
        else:
            self.listener = self._listen()

    def _accept(self):
        client, _address = self.listener.accept()
        try:
            server = _connect(self.upstream)
        except OSError:
            client.close()
            return
        self.pairs[client], self.pairs[server] = server, client
        self.selector.register(client, selectors.EVENT_READ)
        self.selector.register(server, selectors.EVENT_READ)

    def _forward(self, sock):
        try:
            data = sock.recv(65536)
            if data:
                self.pairs[sock].sendall(data)
                return
        except OSError:
            pass
        self._close(sock)

    def serve(self):
        while True:
            if self.wanted != self.cut:
                self._switch()
            for key, _events in self.selector.select(timeout=0.1):
                if key.fileobj is sys.stdin and not sys.stdin.read(1):
                    return
                if key.fileobj is self.listener and not self.cut:
                    self._accept()
                elif key.fileobj in self.pairs:
                    self._forward(key.fileobj)


def _connect(upstream):
    if upstream.startswith("/"):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(upstream)
    else:
        host, port = upstream.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.settimeout(None)
    return sock


def postgres_address():
    """Where libpq reaches PostgreSQL from here (PGHOST, PGPORT or its
    defaults): host:port, or the path of its Unix socket."""
    import psycopg2

    cnx = psycopg2.connect(dbname="postgres")
    try:
        host, port = cnx.info.host, cnx.info.port
    finally:
        cnx.close()
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else f"{host}:{port}"


class Proxy:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                LOAD_SCRIPT,
                "--proxy",
                str(self.port),
                "--upstream",
                postgres_address(),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("up")

    def _expect(self, word):
        line = self.proc.stdout.readline().strip()
        if line != word:
            raise RuntimeError(f"the proxy said {line!r}, not {word!r}")

    def cut(self):
        self.proc.send_signal(signal.SIGUSR1)
        self._expect("cut")

    def restore(self):
        self.proc.send_signal(signal.SIGUSR2)
        self._expect("up")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------
class Server:
    """``python3 -m odoo server`` on ``db`` with two HTTP workers and a cron
    worker, on free ports of 127.0.0.1, reaching PostgreSQL at ``db_port``."""

    def __init__(self, db, db_port, workdir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "odoo.log"
        parser = configparser.ConfigParser()
        parser.read(ROOT / "odoo.conf")
        parser["options"].update(
            addons_path=addons_path(),
            data_dir=data_dir(),
            db_host="127.0.0.1",
            db_port=str(db_port),
            list_db="False",
        )
        conf = workdir / "odoo.conf"
        with conf.open("w") as handle:
            parser.write(handle)
        cmd = [
            *(sys.executable, "-m", "odoo", "server", "-c", str(conf), "-d", db),
            *("--workers=2", "--max-cron-threads=1", "--http-interface=127.0.0.1"),
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            f"--db-filter=^{db}$",
            f"--logfile={self.log}",
            "--log-level=info",
        ]
        # Crons whose next call is written wake the cron worker at once.
        env = {**os.environ, "ODOO_NOTIFY_CRON_CHANGES": "1"}
        with (workdir / "stderr.log").open("w") as stderr:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if requests.get(self.url + "/web/login", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer within {timeout} s:\n{self.tail()}")

    def log_size(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def log_text(self, start=0):
        with self.log.open("rb") as handle:
            handle.seek(start)
            return handle.read().decode(errors="replace")

    def tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:]) if self.log.exists() else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)
        # Workers left behind by the server we started, in its own group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
