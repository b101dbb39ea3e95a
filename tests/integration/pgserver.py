"""A throw-away PostgreSQL server for tests and benchmarks: Debian's
postgresql binaries, a temporary cluster made with initdb, listening on a
free loopback port only (no Unix socket outside the cluster's directory),
trust authentication, run as the unprivileged `postgres` user when we are
root (initdb refuses root).

    with PgServer() as pg:
        pg.url        # postgresql://nuage@127.0.0.1:PORT/nuage
        pg.psql("select 1")
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return dirs[-1] if dirs else None


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgServer:
    def __init__(self, user="nuage", db="nuage"):
        self.bindir = pg_bindir()
        if not self.bindir:
            raise RuntimeError("PostgreSQL is not installed (scripts/deps.sh installs Debian's postgresql)")
        self.user, self.db = user, db
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="nuage-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = os.getuid() == 0
        self.url = "postgresql://%s@127.0.0.1:%d/%s" % (user, self.port, db)

    def _run(self, args, **kw):
        if self.as_user:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, capture_output=True, timeout=120, **kw)

    def start(self):
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        p = self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", self.user, "-A", "trust",
                       "-E", "UTF8", "--no-locale", "--no-sync"])
        if p.returncode:
            raise RuntimeError("initdb failed: %s" % p.stderr.decode(errors="replace"))
        opts = "-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=on " \
               "-c max_connections=50 -c shared_buffers=64MB" % (self.port, self.dir)
        p = self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"),
                       "-o", opts, "-w", "-t", "60", "start"])
        if p.returncode:
            log = ""
            try:
                log = open(os.path.join(self.dir, "log")).read()[-3000:]
            except OSError:
                pass
            raise RuntimeError("pg_ctl start failed: %s %s" % (p.stderr.decode(errors="replace"), log))
        deadline = time.time() + 30
        while time.time() < deadline:
            q = self._run([os.path.join(self.bindir, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                           self.user, "-d", "postgres", "-Atc", "select 1"])
            if q.returncode == 0:
                break
            time.sleep(0.1)
        self.psql("CREATE DATABASE %s" % self.db, db="postgres")
        return self

    def psql(self, sql, db=None, extra=()):
        p = subprocess.run([os.path.join(self.bindir, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                            self.user, "-d", db or self.db, "-v", "ON_ERROR_STOP=1", "-Atc", sql] + list(extra),
                           capture_output=True, timeout=600)
        if p.returncode:
            raise RuntimeError("psql failed: %s" % p.stderr.decode(errors="replace"))
        return p.stdout.decode()

    def stop(self):
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
