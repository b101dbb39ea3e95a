"""nuage's Lambda runtime for Python functions.

Written by nuage to <data>/lambda/runtime/bootstrap.py and run with the
configured python3 (--lambda-python). Like AWS's runtime interface client it
imports the handler named by _HANDLER ("module.function", "dir/module.function")
from LAMBDA_TASK_ROOT, then loops over the Lambda Runtime API at
AWS_LAMBDA_RUNTIME_API: GET /next, call the handler, POST /response or /error.
Init failures go to /init/error with the error types AWS uses
(Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
Runtime.HandlerNotFound, Runtime.MalformedHandlerName).

Kept small on purpose (cold start): a raw HTTP/1.1 client over one keep-alive
socket instead of http.client, and nothing imported that a handler may not
need — logging is configured, and an old botocore taught AWS_ENDPOINT_URL,
only when the handler imports them (_AFTER_IMPORT).
Multi-line log records and tracebacks are written with "\\n" turned into "\\r",
as AWS's runtime does, so each stays one CloudWatch event.
"""
import json
import os
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"
_request_id = ""


class _Api:
    """One keep-alive HTTP/1.1 connection to the Runtime API."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.addr = (host.strip("[]"), int(port))
        self.host = address
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.sock = socket.create_connection(self.addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, method, path, body=b"", headers=None):
        for attempt in (0, 1):
            if self.sock is None:
                self._connect()
            head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, self.host, len(body))
            for k, v in (headers or {}).items():
                head += "%s: %s\r\n" % (k, v)
            try:
                self.sock.sendall(head.encode() + b"\r\n" + body)
                return self._response()
            except (OSError, ConnectionError):
                self.sock = None
                if attempt:
                    raise

    def _read(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("the Runtime API closed the connection")
        self.buf += chunk

    def _response(self):
        while b"\r\n\r\n" not in self.buf:
            self._read()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        while len(self.buf) < n:
            self._read()
        body, self.buf = self.buf[:n], self.buf[n:]
        if hdrs.get("connection", "").lower() == "close":
            self.sock.close()
            self.sock = None
        return status, hdrs, body


def _log(message):
    sys.stdout.write(message.replace("\n", "\r") + "\n")
    sys.stdout.flush()


def _error_doc(exc, request_id):
    import traceback
    tb = traceback.extract_tb(exc.__traceback__)
    # Drop this file's own frames: users see their code, as on AWS.
    tb = [f for f in tb if f.filename != __file__]
    return {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": request_id,
            "stackTrace": traceback.format_list(tb)}


def _log_error(doc):
    _log("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (
        doc["errorType"], doc["errorMessage"], "".join(doc["stackTrace"]).rstrip("\n")))


def _report(api, rid, doc, header=None):
    """Logs an invocation error as AWS's runtime does and posts it."""
    _log_error(doc)
    api.request("POST", "%s/invocation/%s/error" % (PREFIX, rid), json.dumps(doc).encode(),
                {"Lambda-Runtime-Function-Error-Type": header or doc["errorType"]})


def _init_error(api, error_type, message, exc=None):
    import traceback
    doc = {"errorMessage": message, "errorType": error_type, "requestId": "",
           "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)) if exc else []}
    _log_error(doc)
    api.request("POST", PREFIX + "/init/error", json.dumps(doc).encode(),
                {"Lambda-Runtime-Function-Error-Type": error_type})
    sys.exit(1)


def _patch_botocore_session(module):
    """boto3 < 1.28 ignores AWS_ENDPOINT_URL: teach botocore.session about it."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return
    try:
        import botocore
        if tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 31):
            return
    except Exception:
        return
    original = module.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            env = "AWS_ENDPOINT_URL_" + service_name.upper().replace("-", "_").replace(" ", "_")
            kwargs["endpoint_url"] = os.environ.get(env) or os.environ["AWS_ENDPOINT_URL"]
        return original(self, service_name, *args, **kwargs)
    module.Session.create_client = create_client


def _configure_logging(logging):
    """The root logger writes AWS's text format with the current request id."""
    class Handler(logging.Handler):
        def emit(self, record):
            try:
                t = time.gmtime(record.created)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % record.msecs
                _log("[%s]\t%s\t%s\t%s" % (record.levelname, stamp, _request_id, self.format(record)))
            except Exception:
                self.handleError(record)
    logging.getLogger().handlers[:] = [Handler()]


# Modules configured when (and only if) a handler imports them: importing
# logging or botocore up front would cost every cold start.
_AFTER_IMPORT = {"logging": _configure_logging, "botocore.session": _patch_botocore_session}


class _ImportHooks:
    """A meta path finder that runs _AFTER_IMPORT[name] once name is loaded."""

    def find_spec(self, name, path=None, target=None):
        after = _AFTER_IMPORT.get(name)
        if after is None:
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            after(module)
        spec.loader.exec_module = exec_module
        return spec


def _install_hooks():
    for name, after in _AFTER_IMPORT.items():
        if name in sys.modules:
            after(sys.modules[name])
    sys.meta_path.insert(0, _ImportHooks())


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, doc=None):
        doc = doc or {}
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, doc):
        self.installation_id = doc.get("installation_id")
        self.app_title = doc.get("app_title")
        self.app_version_name = doc.get("app_version_name")
        self.app_version_code = doc.get("app_version_code")
        self.app_package_name = doc.get("app_package_name")


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, doc):
        self.custom = doc.get("custom")
        self.env = doc.get("env")
        self.client = Client(doc["client"]) if doc.get("client") else None


class LambdaContext:
    """The `context` argument, with the attributes AWS's runtime gives it."""

    def __init__(self, request_id, deadline_ms, invoked_arn, client_context, cognito):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity(json.loads(cognito) if cognito else None)
        self.client_context = ClientContext(json.loads(client_context)) if client_context else None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self):
        return ("LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
                "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s])" % (
                    self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
                    self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
                    self.client_context, self.identity))


def _json_default(o):
    if type(o).__name__ == "Decimal":
        return int(o) if o == o.to_integral_value() else float(o)
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def _load_handler(api):
    handler = os.environ.get("_HANDLER", "")
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        _init_error(api, "Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    if not modname or modname.startswith("/"):
        _init_error(api, "Runtime.MalformedHandlerName", "Bad handler '%s': the module path must be relative" % handler)
    import importlib
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        _init_error(api, "Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        _init_error(api, "Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), e)
    except Exception as e:
        _init_error(api, type(e).__name__, str(e), e)
    fn = getattr(module, fname, None)
    if fn is None:
        _init_error(api, "Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    return fn


def _take_assignment(api):
    """A pre-started environment (nuage starts one ahead, so a cold start
    skips the interpreter's own start-up) waits here for its function, then
    takes the environment, directory and memory limit it would have been
    started with."""
    status, _, body = api.request("GET", PREFIX + "/nuage/assign")
    if status != 200:
        sys.exit(1)
    a = json.loads(body)
    os.environ.clear()
    os.environ.update(a["env"])
    os.chdir(a["cwd"])
    time.tzset()
    if a.get("limit_as"):
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (a["limit_as"], a["limit_as"]))


def main():
    global _request_id
    api = _Api(API)
    if os.environ.get("_NUAGE_SPARE"):
        _take_assignment(api)
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()))
    _install_hooks()
    handler = _load_handler(api)
    while True:
        status, hdrs, body = api.request("GET", PREFIX + "/invocation/next")
        if status != 200:
            time.sleep(0.01)
            continue
        rid = hdrs.get("lambda-runtime-aws-request-id", "")
        _request_id = rid
        os.environ["_X_AMZN_TRACE_ID"] = hdrs.get("lambda-runtime-trace-id", "")
        ctx = LambdaContext(rid, int(hdrs.get("lambda-runtime-deadline-ms", "0")),
                            hdrs.get("lambda-runtime-invoked-function-arn", ""),
                            hdrs.get("lambda-runtime-client-context"), hdrs.get("lambda-runtime-cognito-identity"))
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            _report(api, rid, {"errorMessage": "Unable to unmarshal input: %s" % e,
                               "errorType": "Runtime.UnmarshalError", "requestId": rid, "stackTrace": []})
            continue
        try:
            result = handler(event, ctx)
        except Exception as e:
            _report(api, rid, _error_doc(e, rid), "Unhandled")
            continue
        try:
            payload = json.dumps(result, default=_json_default).encode()
        except Exception as e:
            _report(api, rid, {"errorMessage": "Unable to marshal response: %s" % e,
                               "errorType": "Runtime.MarshalError", "requestId": rid, "stackTrace": []})
            continue
        api.request("POST", "%s/invocation/%s/response" % (PREFIX, rid), payload)


if __name__ == "__main__":
    main()
