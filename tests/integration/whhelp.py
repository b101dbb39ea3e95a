"""Helpers for the warehouse tests: run SQL through the Redshift Data API
(boto3 `redshift-data`) and read typed results back."""
import json
import time

TERMINAL = ("FINISHED", "FAILED", "ABORTED")


def clients(boto, endpoint):
    return boto("redshift-data", endpoint), boto("s3", endpoint)


def wait(rsd, sid, timeout=60):
    deadline = time.time() + timeout
    while True:
        d = rsd.describe_statement(Id=sid)
        if d["Status"] in TERMINAL:
            return d
        if time.time() > deadline:
            raise AssertionError("statement %s still %s after %ss" % (sid, d["Status"], timeout))
        time.sleep(0.005)


def value(field):
    if field.get("isNull"):
        return None
    for k in ("longValue", "doubleValue", "stringValue", "booleanValue", "blobValue"):
        if k in field:
            return field[k]
    raise AssertionError("empty Field %r" % field)


def records(rsd, sid):
    """All rows of a result (following NextToken) as dicts, plus the metadata."""
    rows, meta, token = [], None, None
    while True:
        kw = {"Id": sid}
        if token:
            kw["NextToken"] = token
        r = rsd.get_statement_result(**kw)
        meta = r["ColumnMetadata"]
        names = [m["name"] for m in meta]
        rows += [dict(zip(names, [value(f) for f in rec])) for rec in r["Records"]]
        token = r.get("NextToken")
        if not token:
            return rows, meta


class Sql:
    """sql(text) runs one statement on a warehouse and returns its rows (or
    the describe when it has no result set); failures raise unless
    expect_error is given, which returns the error text."""

    def __init__(self, rsd, warehouse=None, database="dev"):
        self.rsd, self.warehouse, self.database = rsd, warehouse, database

    def submit(self, text, **kw):
        args = {"Sql": text, "Database": self.database}
        if self.warehouse:
            args["ClusterIdentifier"] = self.warehouse
        args.update(kw)
        return self.rsd.execute_statement(**args)["Id"]

    def __call__(self, text, expect_error=False, **kw):
        sid = self.submit(text, **kw)
        d = wait(self.rsd, sid)
        if expect_error:
            assert d["Status"] == "FAILED", "expected %r to fail, got %s" % (text, d["Status"])
            return d["Error"]
        assert d["Status"] == "FINISHED", "%s -> %s: %s" % (text, d["Status"], d.get("Error"))
        if d["HasResultSet"]:
            return records(self.rsd, sid)[0]
        return d

    def one(self, text, **kw):
        rows = self(text, **kw)
        assert len(rows) == 1, rows
        return rows[0]

    def scalar(self, text, **kw):
        return list(self.one(text, **kw).values())[0]


def s3_event(bucket, key, size=1, etag="0", name="ObjectCreated:Put"):
    """An S3 event notification as S3 writes it (key URL-encoded, + for spaces)."""
    from urllib.parse import quote_plus
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "eventName": name,
        "userIdentity": {"principalId": "AWS:000000000000"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "0", "x-amz-id-2": "0"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "pipe",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "0"}, "arn": "arn:aws:s3:::" + bucket},
               "object": {"key": quote_plus(key, safe="/"), "size": size, "eTag": etag, "sequencer": "0"}}}]})


def until(fn, timeout=10.0, step=0.02):
    """Polls fn() until it returns a true value; returns it, or the last value."""
    deadline = time.time() + timeout
    v = fn()
    while not v and time.time() < deadline:
        time.sleep(step)
        v = fn()
    return v
