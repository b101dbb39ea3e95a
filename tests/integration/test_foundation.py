"""Foundation (issue 2): one endpoint, SigV4, spec-driven protocols, store,
health and shutdown — through real clients."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import BIN, jout


# ---- STS over the query protocol, every client ----

def test_sts_boto3_debian(nuage, boto):
    ident = boto("sts", nuage.endpoint).get_caller_identity()
    assert ident["Account"] == "000000000000"
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"
    assert ident["UserId"] == "000000000000"
    assert len(ident["ResponseMetadata"]["RequestId"]) == 36


def test_sts_boto3_newer(nuage, newpy):
    assert newpy(nuage.endpoint, "sts_identity.py").stdout.startswith(b"ok")


def test_sts_aws_cli_v2(nuage, aws2):
    assert jout(aws2(nuage.endpoint, "sts", "get-caller-identity"))["Account"] == "000000000000"


def test_sts_aws_cli_v1(nuage, aws1):
    assert jout(aws1(nuage.endpoint, "sts", "get-caller-identity"))["Account"] == "000000000000"


def test_sts_js_sdk(nuage, node):
    assert node(nuage.endpoint, "sts.mjs").stdout.strip() == b"ok"


# ---- authentication errors, in each protocol's shape ----

def test_wrong_secret_is_signature_mismatch(nuage, boto, aws2):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        boto("sts", nuage.endpoint, secret="wrong").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    p = aws2(nuage.endpoint, "sts", "get-caller-identity", check=False, env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert p.returncode != 0 and b"SignatureDoesNotMatch" in p.stderr


def test_unknown_access_key(nuage, boto):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        boto("sts", nuage.endpoint, key="AKIDUNKNOWN").get_caller_identity()
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        boto("logs", nuage.endpoint, key="AKIDUNKNOWN").describe_log_groups()
    assert e.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_wrong_secret_json_protocol(nuage, boto):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        boto("logs", nuage.endpoint, secret="wrong").describe_log_groups()
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"


def post(endpoint, body, headers, path="/"):
    req = urllib.request.Request(endpoint + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_missing_authentication(nuage):
    st, h, body = post(nuage.endpoint, b"Action=GetCallerIdentity&Version=2011-06-15",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 403 and b"<Code>MissingAuthenticationToken</Code>" in body and b"<ErrorResponse" in body
    st, h, body = post(nuage.endpoint, b"{}", {"Content-Type": "application/x-amz-json-1.1",
                                                "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
    assert st == 403 and json.loads(body)["__type"] == "MissingAuthenticationTokenException"


def signed(service, endpoint, target=None, body=b"{}", when=None, secret="test", extra_headers=None, path="/"):
    """A request signed by botocore's own SigV4 signer, optionally at another time."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import datetime
    from unittest import mock
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target:
        headers["X-Amz-Target"] = target
    headers.update(extra_headers or {})
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + path, data=body, headers=headers)
    creds = botocore.credentials.Credentials("test", secret)
    signer = botocore.auth.SigV4Auth(creds, service, "us-east-1")
    if when:
        with mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.now.return_value = when
            dt.timezone = datetime.timezone
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    return post(endpoint, body, dict(req.headers.items()), path=path)


def test_clock_skew_rejected(nuage):
    import datetime
    old = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.DescribeLogGroups", when=old)
    doc = json.loads(body)
    assert st == 400 and doc["__type"] == "InvalidSignatureException", (st, body)
    assert "Signature expired" in doc["message"]
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.DescribeLogGroups")
    assert st == 200, body


def test_presigned_url_and_expiry(nuage, boto):
    sts = boto("sts", nuage.endpoint)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    with urllib.request.urlopen(url, timeout=10) as r:
        assert b"<Account>000000000000</Account>" in r.read()
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=10)
    assert e.value.code == 403 and b"Request has expired" in e.value.read()
    tampered = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET").replace("Action=", "Action=X")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered, timeout=10)
    assert e.value.code in (400, 403)


# ---- routing errors ----

def test_unknown_json_operation(nuage):
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.NoSuchThing")
    assert st == 400 and json.loads(body)["__type"] == "UnknownOperationException"


def test_known_but_unimplemented_operation(nuage):
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.CreateExportTask",
                         body=b'{"logGroupName":"x","from":1,"to":2,"destination":"b"}')
    doc = json.loads(body)
    assert st == 501 and doc["__type"] == "NotImplemented" and "CreateExportTask" in doc["message"]


def test_unknown_query_action(nuage, boto):
    st, h, body = signed("sts", nuage.endpoint, body=b"Action=NoSuchAction&Version=2011-06-15",
                         extra_headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert st == 400 and b"<Code>InvalidAction</Code>" in body


def test_service_not_provided(nuage):
    st, h, body = signed("dynamodb", nuage.endpoint, "DynamoDB_20120810.ListTables")
    assert st in (400, 501) and b"dynamodb" in body.lower() or b"DynamoDB" in body


# ---- JSON protocol end to end: CloudWatch Logs groups ----

def test_logs_boto3(nuage, boto):
    logs = boto("logs", nuage.endpoint)
    logs.create_log_group(logGroupName="/it/a", tags={"k": "v"})
    logs.create_log_group(logGroupName="/it/b")
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName="/it/a")
    got = logs.describe_log_groups(logGroupNamePrefix="/it/")["logGroups"]
    assert [g["logGroupName"] for g in got] == ["/it/a", "/it/b"]
    page = logs.describe_log_groups(logGroupNamePrefix="/it/", limit=1)
    assert len(page["logGroups"]) == 1 and page["nextToken"]
    rest = logs.describe_log_groups(logGroupNamePrefix="/it/", nextToken=page["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == ["/it/b"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.put_retention_policy(logGroupName="/it/a", retentionInDays=4)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(botocore.exceptions.ParamValidationError):
        logs.create_log_group(logGroupName="")
    logs.delete_log_group(logGroupName="/it/a")
    logs.delete_log_group(logGroupName="/it/b")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_log_group(logGroupName="/it/a")


def test_logs_server_side_validation(nuage):
    # botocore validates client-side; a raw request must still get Coral's answer.
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.CreateLogGroup", body=b"{}")
    doc = json.loads(body)
    assert st == 400 and doc["__type"] == "ValidationException"
    assert doc["message"] == ("1 validation error detected: Value null at 'logGroupName' failed to satisfy "
                              "constraint: Member must not be null")
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.CreateLogGroup", body=b'{"logGroupName": 5}')
    assert st == 400 and json.loads(body)["__type"] == "SerializationException"
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.CreateLogGroup", body=b'{"logGroupName": ')
    assert st == 400 and json.loads(body)["__type"] == "SerializationException"
    deep = b'{"tags":' + b"[" * 200 + b"]" * 200 + b"}"
    st, h, body = signed("logs", nuage.endpoint, "Logs_20140328.CreateLogGroup", body=deep)
    assert st == 400 and json.loads(body)["__type"] == "SerializationException"


def test_logs_js_sdk(nuage, node):
    assert node(nuage.endpoint, "logs.mjs").stdout.strip() == b"ok"


def test_logs_aws_cli_v2(nuage, aws2):
    aws2(nuage.endpoint, "logs", "create-log-group", "--log-group-name", "/cli/v2")
    out = jout(aws2(nuage.endpoint, "logs", "describe-log-groups", "--log-group-name-prefix", "/cli/"))
    assert out["logGroups"][0]["logGroupName"] == "/cli/v2"
    aws2(nuage.endpoint, "logs", "delete-log-group", "--log-group-name", "/cli/v2")


# ---- HTTP behaviour ----

def raw(port, data, read_until_close=False, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if not read_until_close and b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if cl and len(rest) >= int(cl[0].split(b":")[1]):
                    break
    except socket.timeout:
        pass
    s.close()
    return out


def test_health_endpoints(nuage):
    for path in ("/_nuage/health", "/_localstack/health"):
        with urllib.request.urlopen(nuage.endpoint + path) as r:
            doc = json.loads(r.read())
        assert doc["services"]["sts"] == "running" and doc["services"]["logs"] == "running"
        assert doc["version"]


def test_header_section_too_large(nuage):
    big = b"GET /bucket HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"
    out = raw(nuage.port, big, read_until_close=True)
    assert out.startswith(b"HTTP/1.1 400") and b"RequestHeaderSectionTooLarge" in out


def test_too_many_headers(nuage):
    hdrs = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    out = raw(nuage.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n", read_until_close=True)
    assert out.startswith(b"HTTP/1.1 400") and b"RequestHeaderSectionTooLarge" in out


def test_malformed_request_line(nuage):
    out = raw(nuage.port, b"GARBAGE\r\n\r\n", read_until_close=True)
    assert out.startswith(b"HTTP/1.1 400") and b"<Error>" in out


def test_body_too_large_json(nuage):
    body = b'{"logGroupName":"' + b"a" * (9 << 20) + b'"}'
    st, h, out = signed("logs", nuage.endpoint, "Logs_20140328.CreateLogGroup", body=body)
    assert st == 413 and json.loads(out)["__type"] == "RequestEntityTooLarge"


def test_keep_alive_and_pipelining(nuage):
    req = b"GET /_nuage/health HTTP/1.1\r\nHost: x\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", nuage.port), timeout=5)
    s.sendall(req * 3)
    data = b""
    deadline = time.time() + 5
    while data.count(b"HTTP/1.1 200") < 3 and time.time() < deadline:
        data += s.recv(65536)
    assert data.count(b"HTTP/1.1 200") == 3
    s.sendall(req)
    more = s.recv(65536)
    assert more.startswith(b"HTTP/1.1 200")
    s.close()


def test_expect_100_continue(nuage):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    body = b'{"logGroupName":"/it/continue"}'
    req = botocore.awsrequest.AWSRequest(method="POST", url=nuage.endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.CreateLogGroup"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "logs", "us-east-1").add_auth(req)
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nExpect: 100-continue\r\nContent-Length: %d\r\n" % (
        nuage.port, len(body))
    for k, v in req.headers.items():
        if k.lower() not in ("host", "content-length"):
            head += "%s: %s\r\n" % (k, v)
    s = socket.create_connection(("127.0.0.1", nuage.port), timeout=5)
    s.sendall(head.encode() + b"\r\n")
    first = s.recv(65536)
    assert first.startswith(b"HTTP/1.1 100 Continue"), first
    s.sendall(body)
    rest = first[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
    deadline = time.time() + 5
    while b"HTTP/1.1 200" not in rest and time.time() < deadline:
        rest += s.recv(65536)
    assert b"HTTP/1.1 200" in rest, rest
    s.close()


# ---- configuration, start-up and shutdown ----

def test_refuses_public_bind_with_default_credentials():
    p = subprocess.run([BIN, "serve", "--host", "0.0.0.0", "--port", "0", "--data", "/tmp/nuage-never"],
                       capture_output=True, timeout=30)
    assert p.returncode == 2
    assert b"refusing to listen on 0.0.0.0" in p.stderr


def test_rejects_bad_options():
    p = subprocess.run([BIN, "serve", "--port", "99999"], capture_output=True, timeout=30)
    assert p.returncode == 2 and b"--port must be" in p.stderr
    p = subprocess.run([BIN, "serve", "--bogus", "1"], capture_output=True, timeout=30)
    assert p.returncode == 2 and b"unknown option" in p.stderr


def test_configured_credentials(fresh_nuage, boto):
    n = fresh_nuage(extra_args=["--credentials", "AKIDONE:secret1:111111111111,AKIDTWO:secret2"]).start()
    ident = boto("sts", n.endpoint, key="AKIDONE", secret="secret1").get_caller_identity()
    assert ident["Account"] == "111111111111"
    assert boto("sts", n.endpoint, key="AKIDTWO", secret="secret2").get_caller_identity()["Account"] == "000000000000"
    with pytest.raises(botocore.exceptions.ClientError):
        boto("sts", n.endpoint).get_caller_identity()  # test/test is no longer accepted


def test_env_configuration(fresh_nuage, boto):
    n = fresh_nuage(env={"NUAGE_REGION": "eu-west-3", "NUAGE_LOG_LEVEL": "warn"}).start()
    logs = boto("logs", n.endpoint)
    logs.create_log_group(logGroupName="g")
    arn = logs.describe_log_groups()["logGroups"][0]["arn"]
    assert arn.startswith("arn:aws:logs:us-east-1:")  # the region signed in the request wins
    assert "info" not in n.log_text().split("\n", 1)[-1]


def test_state_survives_restart_and_kill(fresh_nuage, boto):
    n = fresh_nuage().start()
    boto("logs", n.endpoint).create_log_group(logGroupName="/persist/a")
    assert n.stop() == 0
    n2 = fresh_nuage(data=n.data).start()
    names = [g["logGroupName"] for g in boto("logs", n2.endpoint).describe_log_groups()["logGroups"]]
    assert names == ["/persist/a"]
    boto("logs", n2.endpoint).create_log_group(logGroupName="/persist/b")
    n2.stop(sig=9)  # acknowledged writes must survive kill -9
    n3 = fresh_nuage(data=n.data).start()
    names = [g["logGroupName"] for g in boto("logs", n3.endpoint).describe_log_groups()["logGroups"]]
    assert names == ["/persist/a", "/persist/b"]


def test_refuses_newer_database(fresh_nuage):
    import sqlite3
    n = fresh_nuage().start()
    assert n.stop() == 0
    db = sqlite3.connect(os.path.join(n.data, "nuage.db"))
    db.execute("UPDATE schema_versions SET version = 999 WHERE component = 'logs'")
    db.commit()
    db.close()
    n2 = fresh_nuage(data=n.data)
    n2.start(wait=False)
    rc = n2.proc.wait(timeout=30)
    assert rc != 0 and "written by a newer nuage" in n2.log_text()


def test_graceful_shutdown_finishes_in_flight(fresh_nuage, boto):
    n = fresh_nuage().start()
    # A slow client: headers sent, body pending, when SIGTERM arrives.
    s = socket.create_connection(("127.0.0.1", n.port), timeout=10)
    s.sendall(b"POST /_nuage/health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    time.sleep(0.2)
    n.proc.send_signal(15)
    time.sleep(0.2)
    s.sendall(b"cd")
    resp = s.recv(65536)
    assert resp.startswith(b"HTTP/1.1 405"), resp
    assert n.proc.wait(timeout=20) == 0
    assert "stopped cleanly" in n.log_text()
