"""Helpers for the Lambda tests: deployment packages, waits on logs."""
import io
import time
import uuid
import zipfile

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files):
    """files: {name: text or bytes, or (data, mode)}; returns the zip bytes."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, spec in files.items():
            data, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
            zi = zipfile.ZipInfo(name)
            zi.external_attr = (mode | 0o100000) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return b.getvalue()


def py_zip(source, module="app"):
    return make_zip({module + ".py": source})


def fname(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def create_py(lam, source, name=None, handler="app.handler", wait=True, **kw):
    """Creates a python3.12 function and waits until it is Active."""
    name = name or fname("py")
    kw.setdefault("Role", ROLE)
    lam.create_function(FunctionName=name, Runtime=kw.pop("Runtime", "python3.12"), Handler=handler,
                        Code={"ZipFile": py_zip(source)}, **kw)
    if wait:
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name


def log_messages(logs, group, pattern="", want=None, timeout=60):
    """Messages of a log group, polled until `want(messages)` holds (log
    delivery is asynchronous, as on AWS). Returns the last list seen."""
    deadline = time.time() + timeout
    msgs = []
    while True:
        try:
            msgs = [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            msgs = []
        if want is None or want(msgs) or time.time() > deadline:
            return msgs
        time.sleep(0.1)
