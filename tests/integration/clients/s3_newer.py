"""Run by the image's newer boto3 (1.43: CRC32 checksums sent as aws-chunked
trailers by default, no Content-MD5): the resource API, multipart transfers,
checksums returned with ChecksumMode, paginators, presigned URLs."""
import hashlib
import os
import sys
import tempfile
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
from boto3.s3.transfer import TransferConfig

endpoint = sys.argv[1]
bucket = sys.argv[2]
s3 = boto3.client("s3", config=botocore.config.Config(retries={"max_attempts": 1}))
res = boto3.resource("s3")

s3.create_bucket(Bucket=bucket)
# The source guide's snippet.
res.Object(bucket, "abc.json").put(Body=b'{"a": 1}')
got = s3.get_object(Bucket=bucket, Key="abc.json", ChecksumMode="ENABLED")
assert got["Body"].read() == b'{"a": 1}'
assert "ChecksumCRC32" in got, got  # sent as a trailer, stored, returned

# Multipart with the default (CRC32, trailer) checksums.
with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "src.bin")
    data = os.urandom(23 * 1024 * 1024 + 17)
    with open(src, "wb") as f:
        f.write(data)
    cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    s3.upload_file(src, bucket, "big/file.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="big/file.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"'), head["ETag"]
    dst = os.path.join(d, "dst.bin")
    s3.download_file(bucket, "big/file.bin", dst, Config=cfg)
    with open(dst, "rb") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest()

# Explicit checksum algorithms.
for algo in ("CRC32", "SHA1", "SHA256"):  # CRC32C/CRC64NVME need botocore[crt] (the JS test covers CRC32C)
    r = s3.put_object(Bucket=bucket, Key="ck/" + algo, Body=b"hello world", ChecksumAlgorithm=algo)
    assert "Checksum" + algo in r, (algo, r)
    g = s3.get_object(Bucket=bucket, Key="ck/" + algo, ChecksumMode="ENABLED")
    assert g["Checksum" + algo] == r["Checksum" + algo]
    g["Body"].read()

# A wrong checksum value is refused and nothing is stored.
try:
    s3.put_object(Bucket=bucket, Key="ck/bad", Body=b"hello", ChecksumCRC32="AAAAAA==")
    raise SystemExit("a wrong CRC32 was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "BadDigest", e.response
try:
    s3.head_object(Bucket=bucket, Key="ck/bad")
    raise SystemExit("a rejected upload left an object")
except botocore.exceptions.ClientError as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404

# Paginators.
for i in range(25):
    s3.put_object(Bucket=bucket, Key="page/%02d" % i, Body=b"x")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 7}):
    keys += [o["Key"] for o in page.get("Contents", [])]
assert keys == ["page/%02d" % i for i in range(25)], keys

# Presigned GET and PUT fetched with plain HTTP.
url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre/put.txt"}, ExpiresIn=60)
# urllib would add a form Content-Type, which a (SigV2) presigned URL does not cover.
req = urllib.request.Request(url, data=b"presigned body", method="PUT", headers={"Content-Type": ""})
with urllib.request.urlopen(req) as r:
    assert r.status == 200
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/put.txt"}, ExpiresIn=60)
with urllib.request.urlopen(url) as r:
    assert r.read() == b"presigned body"
# Conditional writes (If-None-Match: * / If-Match), which Debian's botocore cannot send.
etag = s3.put_object(Bucket=bucket, Key="cond", Body=b"v1", IfNoneMatch="*")["ETag"]
for kw in ({"IfNoneMatch": "*"}, {"IfMatch": '"0000"'}):
    try:
        s3.put_object(Bucket=bucket, Key="cond", Body=b"v2", **kw)
        raise SystemExit("conditional write accepted: %r" % kw)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "PreconditionFailed", e.response
s3.put_object(Bucket=bucket, Key="cond", Body=b"v2", IfMatch=etag)
assert s3.get_object(Bucket=bucket, Key="cond")["Body"].read() == b"v2"
print("ok", boto3.__version__)
