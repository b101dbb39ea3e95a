"""`nuage sql`: the terminal client, as scripts use it (-c, -f, stdin;
table, CSV and JSON output; exit status) and as people do (a prompt with
history, multi-line statements, meta-commands, Ctrl-C), through a pty."""
import json
import os
import pty
import select
import subprocess
import time

import pytest

from conftest import BIN


def nsql(nuage, *args, input=None, check=True, env=None):
    e = dict(os.environ, NUAGE_ENDPOINT=nuage.endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
             ASAN_OPTIONS="detect_leaks=1")
    e.update(env or {})
    p = subprocess.run([BIN, "sql"] + list(args), input=input, capture_output=True, env=e, timeout=120)
    if check and p.returncode:
        raise AssertionError("nuage sql %s -> %d\n%s\n%s" % (args, p.returncode, p.stdout.decode(), p.stderr.decode()))
    assert b"AddressSanitizer" not in p.stderr and b"runtime error" not in p.stderr, p.stderr.decode()
    return p


def test_commands_and_output_formats(nuage):
    nsql(nuage, "-c", "create table ns_t (id int, name text, v double precision)",
         "-c", "insert into ns_t values (1, 'a, b', 1.5), (2, 'ñ', null)")
    out = nsql(nuage, "-c", "select * from ns_t order by id").stdout.decode()
    assert out == (" id | name |  v  \n"
                   "----+------+-----\n"
                   "  1 | a, b | 1.5 \n"
                   "  2 | ñ    |     \n"
                   "(2 rows)\n")
    assert nsql(nuage, "--csv", "-c", "select * from ns_t order by id").stdout.decode() == \
        'id,name,v\n1,"a, b",1.5\n2,ñ,\n'
    assert nsql(nuage, "--csv", "--no-header", "-c", "select id from ns_t").stdout.decode() == "1\n2\n"
    lines = nsql(nuage, "--json", "-c", "select * from ns_t order by id").stdout.decode().splitlines()
    assert [json.loads(x) for x in lines] == [{"id": 1, "name": "a, b", "v": 1.5}, {"id": 2, "name": "ñ", "v": None}]
    out = nsql(nuage, "--timing", "-c", "select 1 as one").stdout.decode()
    assert "(1 row)" in out and "Time: " in out and " ms" in out


def test_scripts_transactions_and_errors(nuage, tmp_path):
    script = tmp_path / "s.sql"
    script.write_text("create table ns_tx (a int);\n-- a comment; not a statement\nbegin;\ninsert into ns_tx "
                      "values (1);\ninsert into ns_tx values (2);\nrollback;\ninsert into ns_tx values (3);\n"
                      "select count(*) as n from ns_tx")
    out = nsql(nuage, "--csv", "-f", str(script)).stdout.decode()
    assert out.endswith("n\n1\n")  # the transaction spanned statements (one Data API session)
    p = nsql(nuage, input=b"select 1 as x;\nselect * from ns_nope;\nselect 2 as y;\n", check=False)
    assert p.returncode == 1
    assert b"ERROR: no such table: ns_nope" in p.stderr
    assert b" x " in p.stdout and b" y " not in p.stdout  # a script stops at the first error
    p = nsql(nuage, "-c", "select 'open", check=False)
    assert p.returncode == 1 and b"unterminated" in p.stderr
    p = nsql(nuage, "--bogus", check=False)
    assert p.returncode == 2
    p = nsql(nuage, "-c", "select 1", env={"NUAGE_ENDPOINT": "http://127.0.0.1:1"}, check=False)
    assert p.returncode == 1 and b"cannot reach nuage" in p.stderr
    p = nsql(nuage, "-c", "select 1", env={"AWS_SECRET_ACCESS_KEY": "wrong"}, check=False)
    assert p.returncode == 1 and b"InvalidSignatureException" in p.stderr


def test_meta_commands_in_scripts(nuage):
    nsql(nuage, "-c", "create table ns_meta (k bigint not null, label varchar(8))")
    out = nsql(nuage, "-c", "\\d ns_meta").stdout.decode()
    assert "k " in out and "int8" in out and "varchar" in out
    out = nsql(nuage, input=b"\\dt\n\\l\nselect 5 as five;\n").stdout.decode()
    assert "ns_meta" in out and " dev" in out and "five" in out
    out = nsql(nuage, "-c", "show pipes").stdout.decode()
    assert "(0 rows)" in out or "rows)" in out


def test_snowflake_statements_through_the_client(nuage, boto):
    s3 = boto("s3", nuage.endpoint)
    s3.create_bucket(Bucket="nsql-data")
    s3.put_object(Bucket="nsql-data", Key="in/a.csv", Body=b"x,y\n1,2\n3,4\n")
    nsql(nuage, "-c", "create table ns_copy (x int, y int)")
    out = nsql(nuage, "--csv", "-c", "copy into ns_copy from 's3://nsql-data/in/' file_format = (type = csv "
                                     "skip_header = 1)").stdout.decode()
    assert out.splitlines()[1].startswith("s3://nsql-data/in/a.csv,LOADED,2,2,")
    assert nsql(nuage, "--csv", "--no-header", "-c", "select sum(x + y) from ns_copy").stdout.decode() == "10\n"


class Pty:
    """nuage sql on a pseudo-terminal, as a person runs it."""

    def __init__(self, nuage, home):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(NUAGE_ENDPOINT=nuage.endpoint, HOME=str(home), TERM="xterm",
                              AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", ASAN_OPTIONS="detect_leaks=1")
            os.execv(BIN, [BIN, "sql"])
        self.out = b""

    def mark(self):
        self.since = len(self.out)

    def read_until(self, marker, timeout=30):
        """Reads until marker appears in what came after the last mark(),
        then moves the mark to just after it."""
        deadline = time.time() + timeout
        since = getattr(self, "since", 0)
        while marker.encode() not in self.out[since:]:
            left = deadline - time.time()
            assert left > 0, "no %r in %r" % (marker, self.out[-800:])
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out += chunk
        at = self.out.find(marker.encode(), since)
        if at >= 0:
            self.since = at + len(marker.encode())
        return self.out

    def send(self, data):
        os.write(self.fd, data if isinstance(data, bytes) else data.encode())

    def close(self):
        try:
            _, status = os.waitpid(self.pid, 0)
        finally:
            os.close(self.fd)
        return status


def test_interactive_prompt_history_and_cancel(nuage, tmp_path):
    t = Pty(nuage, tmp_path)
    t.read_until("nuage=> ")

    def answer(send, want):
        """Sends keys; waits for `want` in the output, then for the next prompt."""
        t.mark()
        t.send(send)
        t.read_until(want)
        t.read_until("nuage=> ")

    # a statement over two lines, then one recalled from history with the up arrow
    t.mark()
    t.send("select 40 +\r")
    t.read_until("nuage-> ")
    answer("2 as answer;\r", "(1 row)")
    assert b" 42 " in t.out
    before = t.out.count(b" 42 ")
    answer("\x1b[A\r", "(1 row)")
    assert t.out.count(b" 42 ") == before + 1
    # line editing: type, move left twice, insert, move right twice, go on
    answer("select 'ac'\x1b[D\x1b[Db\x1b[C\x1b[C as s;\r", " abc ")
    answer("\\timing\r", "Timing is on.")
    # Ctrl-C while a long statement runs cancels it
    t.mark()
    t.send("with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000000000) "
           "select count(*) from n;\r")
    time.sleep(0.5)
    t.send("\x03")
    t.read_until("Cancelled")
    t.read_until("nuage=> ")
    t.send("\\q\r")
    assert t.close() == 0
    hist = (tmp_path / ".nuage_sql_history").read_text()
    assert "select 40 +\\n2 as answer;" in hist and "\\timing" in hist
