"""Lambda through every client the project supports (issue 7): aws CLI v2
and v1, boto3 1.43 (the image's), the JS SDK v3, and a function run by
Debian's python3 whose boto3 1.26 predates AWS_ENDPOINT_URL."""
import base64
import json
import os

import pytest

from conftest import jout
from lambda_util import ROLE, create_py, fname, log_messages, make_zip, py_zip


def cli_lambda(call, endpoint, tmp_path):
    name = fname("cli")
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(py_zip("import os\ndef handler(event, context):\n    print('cli event', event)\n"
                                "    return {'got': event, 'stage': os.environ.get('STAGE')}\n"))
    out = jout(call(endpoint, "lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
                    "--role", ROLE, "--handler", "app.handler", "--zip-file", "fileb://%s" % zip_path,
                    "--environment", "Variables={STAGE=cli}", "--timeout", "10"))
    assert out["FunctionName"] == name and out["State"] == "Pending"
    call(endpoint, "lambda", "wait", "function-active", "--function-name", name)
    result = tmp_path / "out.json"
    # v2 reads --payload as base64 unless told otherwise; v1 takes it raw.
    raw = ["--cli-binary-format", "raw-in-base64-out"] if call.__doc__ == "v2" else []
    meta = jout(call(endpoint, "lambda", "invoke", "--function-name", name, "--payload", '{"k": "v"}', *raw,
                     "--log-type", "Tail", str(result)))
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert json.loads(result.read_text()) == {"got": {"k": "v"}, "stage": "cli"}
    assert "cli event {'k': 'v'}" in base64.b64decode(meta["LogResult"]).decode()
    fn = jout(call(endpoint, "lambda", "get-function", "--function-name", name))
    assert fn["Configuration"]["Environment"]["Variables"] == {"STAGE": "cli"}
    assert name in [f["FunctionName"] for f in jout(call(endpoint, "lambda", "list-functions"))["Functions"]]
    jout(call(endpoint, "lambda", "update-function-configuration", "--function-name", name, "--memory-size", "256"))
    call(endpoint, "lambda", "wait", "function-updated", "--function-name", name)
    v = jout(call(endpoint, "lambda", "publish-version", "--function-name", name))
    assert v["Version"] == "1" and v["MemorySize"] == 256
    call(endpoint, "lambda", "put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", "5")
    assert jout(call(endpoint, "lambda", "get-function-concurrency", "--function-name", name)) == {
        "ReservedConcurrentExecutions": 5}
    p = call(endpoint, "lambda", "invoke", "--function-name", name + "-missing", str(result), check=False)
    assert p.returncode != 0 and b"ResourceNotFoundException" in p.stderr
    call(endpoint, "lambda", "delete-function", "--function-name", name)
    p = call(endpoint, "lambda", "get-function", "--function-name", name, check=False)
    assert p.returncode != 0 and b"ResourceNotFoundException" in p.stderr


def test_lambda_aws_cli_v2(nuage, aws2, tmp_path):
    def call(endpoint, *args, check=True):
        """v2"""
        return aws2(endpoint, *args, check=check)
    cli_lambda(call, nuage.endpoint, tmp_path)


def test_lambda_aws_cli_v1(nuage, aws1, tmp_path):
    def call(endpoint, *args, check=True):
        """v1"""
        return aws1(endpoint, *args, check=check)
    cli_lambda(call, nuage.endpoint, tmp_path)


def test_lambda_boto3_newer(nuage, newpy):
    assert newpy(nuage.endpoint, "lambda_ops.py").stdout.startswith(b"ok")


def test_lambda_js_sdk(nuage, node):
    assert node(nuage.endpoint, "lambda_ops.mjs").stdout.strip() == b"ok"


@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no Debian python3")
def test_function_on_debian_python_reaches_nuage(fresh_nuage, boto):
    """boto3 1.26 ignores AWS_ENDPOINT_URL; nuage's bootstrap teaches it, so
    the guide's code runs unchanged on an older system python too."""
    n = fresh_nuage(extra_args=["--lambda-python", "/usr/bin/python3"]).start()
    lam, logs = boto("lambda", n.endpoint), boto("logs", n.endpoint)
    boto("s3", n.endpoint).create_bucket(Bucket="debian-out")
    name = create_py(lam, "import json, sys, boto3\ndef handler(e, c):\n"
                          "    boto3.client('logs').create_log_group(logGroupName=e['g'])\n"
                          "    boto3.resource('s3').Object('debian-out', 'abc.json').put(Body=json.dumps(e))\n"
                          "    return [boto3.__version__, sys.executable]\n", Timeout=30)
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"g": "/debian/python"}).encode())
    version, exe = json.loads(r["Payload"].read())
    assert exe == "/usr/bin/python3" and version.startswith("1.26")
    assert logs.describe_log_groups(logGroupNamePrefix="/debian/python")["logGroups"]
    body = boto("s3", n.endpoint).get_object(Bucket="debian-out", Key="abc.json")["Body"].read()
    assert json.loads(body) == {"g": "/debian/python"}
