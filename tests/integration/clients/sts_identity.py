"""Run by the newer boto3 (the image's python3): GetCallerIdentity through
AWS_ENDPOINT_URL, which boto3 >= 1.28 honours; then a wrong secret."""
import sys

import boto3
import botocore.exceptions

endpoint = sys.argv[1]
sts = boto3.client("sts")
ident = sts.get_caller_identity()
assert ident["Account"] == "000000000000", ident
assert ident["Arn"] == "arn:aws:iam::000000000000:root", ident
assert sts.meta.endpoint_url.rstrip("/") == endpoint, sts.meta.endpoint_url
bad = boto3.client("sts", aws_access_key_id="test", aws_secret_access_key="wrong")
try:
    bad.get_caller_identity()
    raise SystemExit("a wrong secret was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
print("ok", boto3.__version__)
