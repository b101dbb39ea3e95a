"""Integration-test harness: starts a real nuage (the ASan build by default)
on a free loopback port with a temporary data directory, and gives tests
real clients: boto3 from Debian (in process), the image's newer boto3 and
the aws CLIs (subprocesses), and the AWS SDK for JavaScript v3 (node).

A nuage that ends with a sanitizer report, a crash or a non-zero exit fails
the test run."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("NUAGE_BIN", "build/asan/nuage"))
NODE_MODULES = os.path.join(ROOT, "tests", "node_modules")
CLIENTS = os.path.join(ROOT, "tests", "integration", "clients")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")

CREDS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nuage:
    """One running nuage process."""

    def __init__(self, data=None, extra_args=(), env=None):
        self.port = free_port()
        self.own_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="nuage-it-")
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.data, "..", os.path.basename(self.data) + ".log")
        self.args = [BIN, "serve", "--port", str(self.port), "--data", self.data] + list(extra_args)
        self.env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                        UBSAN_OPTIONS="print_stacktrace=1", **(env or {}))
        self.proc = None

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nuage exited early (%s): %s" % (self.proc.returncode, self.log_text()[-3000:]))
            try:
                with urllib.request.urlopen(self.endpoint + "/_nuage/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nuage did not become ready: " + self.log_text()[-3000:])

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops nuage; returns its exit code. SIGKILL skips the clean path."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise AssertionError("nuage did not stop within %ss after %s" % (timeout, sig))
        self.log.close()
        return rc

    def check_clean(self):
        text = self.log_text()
        for mark in SANITIZER_MARKS:
            assert mark not in text, "sanitizer report in nuage log:\n" + text[-6000:]

    def cleanup(self):
        if self.own_data:
            shutil.rmtree(self.data, ignore_errors=True)
            try:
                os.unlink(self.log_path)
            except OSError:
                pass


@pytest.fixture(scope="session")
def nuage():
    n = Nuage().start()
    yield n
    rc = n.stop()
    n.check_clean()
    assert rc == 0, "nuage exited with %s:\n%s" % (rc, n.log_text()[-4000:])
    n.cleanup()


@pytest.fixture
def fresh_nuage():
    """A nuage of its own, for tests that restart, kill or reconfigure it."""
    started = []

    def make(**kw):
        n = Nuage(**kw)
        started.append(n)
        return n

    yield make
    codes = [n.stop() if n.proc and n.proc.poll() is None else 0 for n in started]
    for n in started:
        n.check_clean()
    for n in started:
        n.cleanup()
    assert all(rc == 0 for rc in codes), "nuage exited with %s" % codes


@pytest.fixture(scope="session")
def boto():
    """Debian's boto3 (1.26) in process: it ignores AWS_ENDPOINT_URL, so pass endpoint_url."""
    import boto3
    import botocore.config

    def client(service, endpoint, **kw):
        cfg = botocore.config.Config(retries={"max_attempts": 1}, **kw.pop("config_kw", {}))
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=kw.pop("key", "test"), aws_secret_access_key=kw.pop("secret", "test"),
                            config=cfg, **kw)
    return client


def _client_env(endpoint, extra=None):
    env = dict(os.environ, **CREDS)
    env["AWS_ENDPOINT_URL"] = endpoint
    env.pop("AWS_PROFILE", None)
    env["AWS_CONFIG_FILE"] = "/dev/null"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    env["AWS_MAX_ATTEMPTS"] = "1"
    env["AWS_PAGER"] = ""
    if extra:
        env.update(extra)
    return env


def run(cmd, endpoint, env=None, input=None, timeout=120, check=True):
    p = subprocess.run(cmd, env=_client_env(endpoint, env), input=input, capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%s):\nstdout: %s\nstderr: %s" % (
            " ".join(cmd[:6]), p.returncode, p.stdout.decode(errors="replace")[-3000:],
            p.stderr.decode(errors="replace")[-3000:]))
    return p


@pytest.fixture(scope="session")
def aws2():
    """/usr/bin/aws (v2.9 from Debian); it ignores AWS_ENDPOINT_URL."""
    def call(endpoint, *args, check=True, env=None, input=None):
        p = run(["/usr/bin/aws", "--endpoint-url", endpoint, "--output", "json"] + list(args), endpoint, env=env,
                input=input, check=check)
        return p
    return call


def _newer_python():
    """The image's python3 (first on PATH) when it carries a newer boto3 than Debian's."""
    for cand in (shutil.which("python3"), "/root/.pyenv/shims/python3"):
        if not cand or os.path.realpath(cand) == os.path.realpath("/usr/bin/python3"):
            continue
        try:
            out = subprocess.run([cand, "-c", "import boto3;print(boto3.__version__)"], capture_output=True,
                                 timeout=60)
        except OSError:
            continue
        if out.returncode == 0:
            ver = tuple(int(x) for x in out.stdout.decode().strip().split(".")[:2])
            if ver >= (1, 36):
                return cand
    return None


NEW_PY = _newer_python()


@pytest.fixture(scope="session")
def aws1():
    """The `aws` first on PATH (v1, the image's), which honours AWS_ENDPOINT_URL."""
    exe = shutil.which("aws")
    if not exe or os.path.realpath(exe) == "/usr/bin/aws":
        pytest.skip("no aws CLI v1 on PATH (the image's pyenv aws); Debian's v2 is tested separately")

    def call(endpoint, *args, check=True, env=None, input=None):
        return run([exe, "--output", "json"] + list(args), endpoint, env=env, input=input, check=check)
    return call


@pytest.fixture(scope="session")
def newpy():
    """Runs a script file from tests/integration/clients with the image's newer boto3."""
    if not NEW_PY:
        pytest.skip("the image's python3 with boto3 >= 1.36 is not on this machine")

    def call(endpoint, script, *args, check=True, env=None):
        return run([NEW_PY, os.path.join(CLIENTS, script), endpoint] + list(args), endpoint, env=env, check=check)
    return call


@pytest.fixture(scope="session")
def node():
    """Runs a JS SDK v3 script from tests/integration/clients with node."""
    exe = shutil.which("node")
    assert exe, "node is required for the JavaScript SDK tests (scripts/deps.sh installs it)"
    assert os.path.isdir(os.path.join(NODE_MODULES, "@aws-sdk")), \
        "tests/node_modules is missing: run scripts/deps.sh (make test does)"

    def call(endpoint, script, *args, check=True, env=None):
        e = {"NODE_PATH": NODE_MODULES}
        if env:
            e.update(env)
        return run([exe, os.path.join(CLIENTS, script), endpoint] + list(args), endpoint, env=e, check=check)
    return call


def jout(p):
    return json.loads(p.stdout.decode() or "null")


def queue(sqs, name, **attrs):
    """Creates an SQS queue; returns its URL and ARN."""
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
