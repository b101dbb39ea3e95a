"""S3 (issue 3) through real clients: aws CLI v2 and v1, Debian's boto3 in
process, the image's newer boto3 (aws-chunked trailers) and the JS SDK v3;
plus the storage rules: odd keys round-trip, concurrent writers never tear
an object, a kill -9 leaves the old or the new object and no garbage."""
import concurrent.futures
import hashlib
import os
import random
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
import uuid

import botocore.exceptions
import pytest

from conftest import jout


def bucket_name(tag="b"):
    return "%s-%s" % (tag, uuid.uuid4().hex[:12])


@pytest.fixture
def s3(nuage, boto):
    return boto("s3", nuage.endpoint)


def err(fn, *a, **kw):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn(*a, **kw)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


# ---- the clients ----

def test_aws_cli_v2_high_level(nuage, aws2, tmp_path):
    b = bucket_name("cli")
    aws2(nuage.endpoint, "s3", "mb", "s3://" + b)
    src = tmp_path / "src"
    (src / "year=2026" / "month=11").mkdir(parents=True)
    for i in range(5):
        (src / "year=2026" / "month=11" / ("part-%d.csv" % i)).write_text("id,v\n%d,x\n" % i)
    (src / "top.txt").write_text("top")
    aws2(nuage.endpoint, "s3", "sync", str(src), "s3://%s/exports/" % b)
    ls = aws2(nuage.endpoint, "s3", "ls", "--recursive", "s3://%s/exports/" % b).stdout.decode()
    assert ls.count("part-") == 5 and "top.txt" in ls
    aws2(nuage.endpoint, "s3", "mv", "s3://%s/exports/top.txt" % b, "s3://%s/moved/top.txt" % b)
    out = tmp_path / "back"
    aws2(nuage.endpoint, "s3", "cp", "--recursive", "s3://%s/" % b, str(out))
    assert (out / "moved" / "top.txt").read_text() == "top"
    assert (out / "exports" / "year=2026" / "month=11" / "part-3.csv").read_text() == "id,v\n3,x\n"
    url = aws2(nuage.endpoint, "s3", "presign", "s3://%s/moved/top.txt" % b, "--expires-in", "60").stdout.decode().strip()
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"top"
    aws2(nuage.endpoint, "s3", "rm", "--recursive", "s3://%s/" % b)
    assert aws2(nuage.endpoint, "s3", "ls", "s3://%s/" % b).stdout == b""
    aws2(nuage.endpoint, "s3", "rb", "s3://" + b)
    p = aws2(nuage.endpoint, "s3", "ls", "s3://" + b, check=False)
    assert p.returncode != 0 and b"NoSuchBucket" in p.stderr


def test_aws_cli_v2_200mib_roundtrip(nuage, aws2, tmp_path):
    b = bucket_name("big")
    aws2(nuage.endpoint, "s3", "mb", "s3://" + b)
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        block = os.urandom(1 << 20)
        for i in range(200):
            f.write(block[i:] + block[:i])
    aws2(nuage.endpoint, "s3", "cp", str(src), "s3://%s/big.bin" % b)
    head = jout(aws2(nuage.endpoint, "s3api", "head-object", "--bucket", b, "--key", "big.bin"))
    assert head["ContentLength"] == 200 << 20
    assert head["ETag"].endswith('-25"')  # default 8 MiB parts
    dst = tmp_path / "back.bin"
    aws2(nuage.endpoint, "s3", "cp", "s3://%s/big.bin" % b, str(dst))
    h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
    assert h(src) == h(dst)
    aws2(nuage.endpoint, "s3", "rm", "s3://%s/big.bin" % b)
    aws2(nuage.endpoint, "s3", "rb", "s3://" + b)


def test_aws_cli_v1_s3api(nuage, aws1, tmp_path):
    b = bucket_name("v1")
    aws1(nuage.endpoint, "s3api", "create-bucket", "--bucket", b)
    f = tmp_path / "x.json"
    f.write_text('{"k": "v"}')
    aws1(nuage.endpoint, "s3api", "put-object", "--bucket", b, "--key", "x.json", "--body", str(f),
         "--content-type", "application/json", "--tagging", "a=1&b=2")
    tags = jout(aws1(nuage.endpoint, "s3api", "get-object-tagging", "--bucket", b, "--key", "x.json"))["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "2")]
    attrs = jout(aws1(nuage.endpoint, "s3api", "get-object-attributes", "--bucket", b, "--key", "x.json",
                      "--object-attributes", "ETag", "ObjectSize", "StorageClass"))
    assert attrs["ObjectSize"] == 10 and attrs["StorageClass"] == "STANDARD" and '"' not in attrs["ETag"]
    aws1(nuage.endpoint, "s3", "rm", "s3://%s/x.json" % b)
    aws1(nuage.endpoint, "s3api", "delete-bucket", "--bucket", b)


def test_boto3_newer_defaults(nuage, newpy):
    assert newpy(nuage.endpoint, "s3_newer.py", bucket_name("new")).stdout.startswith(b"ok")


def test_js_sdk(nuage, node):
    assert node(nuage.endpoint, "s3.mjs", bucket_name("js")).stdout.strip() == b"ok"


def test_boto3_debian_transfers_and_resource(nuage, boto, tmp_path):
    import boto3
    from boto3.s3.transfer import TransferConfig
    s3 = boto("s3", nuage.endpoint)
    b = bucket_name("deb")
    s3.create_bucket(Bucket=b)
    res = boto3.resource("s3", endpoint_url=nuage.endpoint, region_name="us-east-1", aws_access_key_id="test",
                         aws_secret_access_key="test")
    res.Object(b, "abc.json").put(Body=b'{"x": 1}')
    assert res.Object(b, "abc.json").get()["Body"].read() == b'{"x": 1}'
    src = tmp_path / "in.bin"
    data = os.urandom(17 * 1024 * 1024)
    src.write_bytes(data)
    cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(str(src), b, "in.bin", Config=cfg)
    dst = tmp_path / "out.bin"
    s3.download_file(b, "in.bin", str(dst), Config=cfg)
    assert dst.read_bytes() == data
    assert [o.key for o in res.Bucket(b).objects.all()] == ["abc.json", "in.bin"]
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "abc.json"}, ExpiresIn=60)
    with urllib.request.urlopen(url) as r:
        assert r.read() == b'{"x": 1}'
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "abc.json"}, ExpiresIn=1)
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 403 and b"Request has expired" in e.value.read()


# ---- buckets ----

def test_bucket_rules(s3):
    assert err(s3.create_bucket, Bucket="UPPER")[0] == "InvalidBucketName"
    for bad in ("ab", "a" * 64, "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "abc-s3alias"):
        assert err(s3.create_bucket, Bucket=bad) == ("InvalidBucketName", 400), bad
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    s3.create_bucket(Bucket=b)  # us-east-1's legacy answer: 200 for your own bucket
    assert err(s3.create_bucket, Bucket=b, CreateBucketConfiguration={"LocationConstraint": "us-east-1"})[0] == \
        "InvalidLocationConstraint"
    assert s3.get_bucket_location(Bucket=b)["LocationConstraint"] is None
    s3.put_object(Bucket=b, Key="k", Body=b"x")
    assert err(s3.delete_bucket, Bucket=b) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket=b, Key="k")
    s3.delete_bucket(Bucket=b)
    assert err(s3.head_bucket, Bucket=b) == ("404", 404)
    assert err(s3.delete_bucket, Bucket=b) == ("NoSuchBucket", 404)


def test_bucket_in_another_region(nuage, boto):
    import boto3
    eu = boto3.client("s3", endpoint_url=nuage.endpoint, region_name="eu-west-3", aws_access_key_id="test",
                      aws_secret_access_key="test")
    b = bucket_name("eu")
    eu.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    assert eu.get_bucket_location(Bucket=b)["LocationConstraint"] == "eu-west-3"
    assert err(eu.create_bucket, Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}) == \
        ("BucketAlreadyOwnedByYou", 409)
    assert eu.head_bucket(Bucket=b)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-3"


def test_bucket_owned_by_another_account(fresh_nuage, boto):
    n = fresh_nuage(extra_args=["--credentials", "AKONE:s1:111111111111,AKTWO:s2:222222222222"]).start()
    one = boto("s3", n.endpoint, key="AKONE", secret="s1")
    two = boto("s3", n.endpoint, key="AKTWO", secret="s2")
    one.create_bucket(Bucket="shared-name")
    assert err(two.create_bucket, Bucket="shared-name") == ("BucketAlreadyExists", 409)
    assert err(two.put_object, Bucket="shared-name", Key="k", Body=b"x") == ("AccessDenied", 403)
    assert [b["Name"] for b in two.list_buckets()["Buckets"]] == []


def test_bucket_tagging_versioning_policy_cors_acl(s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    assert err(s3.get_bucket_tagging, Bucket=b) == ("NoSuchTagSet", 404)
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "env", "Value": "ci"}]})
    assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "env", "Value": "ci"}]
    s3.delete_bucket_tagging(Bucket=b)
    assert err(s3.get_bucket_tagging, Bucket=b)[0] == "NoSuchTagSet"
    assert "Status" not in s3.get_bucket_versioning(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Suspended"
    assert err(s3.get_bucket_policy, Bucket=b) == ("NoSuchBucketPolicy", 404)
    pol = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}' % b
    s3.put_bucket_policy(Bucket=b, Policy=pol)
    assert s3.get_bucket_policy(Bucket=b)["Policy"] == pol
    assert err(s3.put_bucket_policy, Bucket=b, Policy="not json")[0] == "MalformedPolicy"
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
    assert s3.get_bucket_cors(Bucket=b)["CORSRules"][0]["AllowedMethods"] == ["GET"]
    acl = s3.get_bucket_acl(Bucket=b)
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    assert acl["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"
    s3.put_bucket_acl(Bucket=b, ACL="private")
    assert err(s3.put_bucket_acl, Bucket=b, ACL="public-read")[1] == 501


# ---- objects ----

ODD_KEYS = ["../x", "a//b", "日本/ü", "trailing/", "100%", "a+b", "with space", " lead", "q?x=1&y", "#hash",
            "tab\there", "emoji-😀", "x" * 1024]


def test_odd_keys_round_trip(s3):
    b = bucket_name("keys")
    s3.create_bucket(Bucket=b)
    for i, k in enumerate(ODD_KEYS):
        s3.put_object(Bucket=b, Key=k, Body=("body %d" % i).encode())
    for i, k in enumerate(ODD_KEYS):
        assert s3.get_object(Bucket=b, Key=k)["Body"].read() == ("body %d" % i).encode(), k
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]]
    assert listed == sorted(ODD_KEYS, key=lambda k: k.encode())  # UTF-8 byte order
    assert err(s3.put_object, Bucket=b, Key="y" * 1025, Body=b"x")[0] == "KeyTooLongError"
    s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": k} for k in ODD_KEYS]})
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0


def test_metadata_and_headers(s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"data", ContentType="text/csv", ContentEncoding="gzip",
                  ContentLanguage="fr", ContentDisposition="attachment", CacheControl="max-age=60",
                  Expires="Thu, 01 Jan 2037 00:00:00 GMT", Metadata={"Owner": "Data Team", "run": "7"},
                  StorageClass="STANDARD_IA")
    h = s3.head_object(Bucket=b, Key="k")
    assert h["ContentType"] == "text/csv" and h["ContentEncoding"] == "gzip" and h["ContentLanguage"] == "fr"
    assert h["ContentDisposition"] == "attachment" and h["CacheControl"] == "max-age=60"
    assert h["Metadata"] == {"owner": "Data Team", "run": "7"}
    assert h["StorageClass"] == "STANDARD_IA" and h["ContentLength"] == 4
    assert s3.head_object(Bucket=b, Key="k")["ETag"] == '"%s"' % hashlib.md5(b"data").hexdigest()
    assert err(s3.put_object, Bucket=b, Key="m", Body=b"x", Metadata={"big": "v" * 3000}) == ("MetadataTooLarge", 400)
    assert err(s3.put_object, Bucket=b, Key="m", Body=b"x", StorageClass="WARM")[0] == "InvalidStorageClass"
    g = s3.get_object(Bucket=b, Key="k", ResponseContentType="application/x-custom", ResponseCacheControl="no-cache")
    assert g["ContentType"] == "application/x-custom" and g["CacheControl"] == "no-cache"
    assert err(s3.get_object, Bucket=b, Key="nope") == ("NoSuchKey", 404)
    assert err(s3.head_object, Bucket=b, Key="nope") == ("404", 404)
    assert err(s3.get_object, Bucket="no-such-bucket-" + uuid.uuid4().hex[:6], Key="k") == ("NoSuchBucket", 404)


def test_ranges_and_conditionals(s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    body = bytes(range(256)) * 4
    etag = s3.put_object(Bucket=b, Key="r", Body=body)["ETag"]
    for rng, want in (("bytes=0-9", body[0:10]), ("bytes=1000-", body[1000:]), ("bytes=-24", body[-24:]),
                      ("bytes=1020-5000", body[1020:])):
        g = s3.get_object(Bucket=b, Key="r", Range=rng)
        assert g["Body"].read() == want, rng
        assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert g["ContentRange"].endswith("/1024")
    assert err(s3.get_object, Bucket=b, Key="r", Range="bytes=1024-") == ("InvalidRange", 416)
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=5-2")["ContentLength"] == 1024  # ignored
    assert s3.get_object(Bucket=b, Key="r", IfMatch=etag)["ContentLength"] == 1024
    assert err(s3.get_object, Bucket=b, Key="r", IfMatch='"0000"') == ("PreconditionFailed", 412)
    assert err(s3.get_object, Bucket=b, Key="r", IfNoneMatch=etag)[1] == 304
    import datetime
    future = datetime.datetime.utcnow() + datetime.timedelta(days=1)
    past = datetime.datetime(2000, 1, 1)
    assert err(s3.get_object, Bucket=b, Key="r", IfModifiedSince=future)[1] == 304
    assert s3.get_object(Bucket=b, Key="r", IfModifiedSince=past)["ContentLength"] == 1024
    assert err(s3.get_object, Bucket=b, Key="r", IfUnmodifiedSince=past) == ("PreconditionFailed", 412)


def test_integrity_checks(nuage, s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    import base64
    good = base64.b64encode(hashlib.md5(b"hello").digest()).decode()
    s3.put_object(Bucket=b, Key="md5", Body=b"hello", ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert err(s3.put_object, Bucket=b, Key="md5b", Body=b"hello", ContentMD5=bad) == ("BadDigest", 400)
    assert err(s3.put_object, Bucket=b, Key="md5b", Body=b"hello", ContentMD5="garbage")[0] == "InvalidDigest"
    assert err(s3.head_object, Bucket=b, Key="md5b")[1] == 404


def test_copy_object(s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="src", Body=b"payload", Metadata={"a": "1"}, ContentType="text/plain", Tagging="t=1")
    s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src"})
    h = s3.head_object(Bucket=b, Key="dst")
    assert h["Metadata"] == {"a": "1"} and h["ContentType"] == "text/plain"
    assert s3.get_object_tagging(Bucket=b, Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(Bucket=b, Key="dst2", CopySource="%s/src" % b, MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, TaggingDirective="REPLACE", Tagging="u=2")
    assert s3.head_object(Bucket=b, Key="dst2")["Metadata"] == {"b": "2"}
    assert s3.get_object_tagging(Bucket=b, Key="dst2")["TagSet"] == [{"Key": "u", "Value": "2"}]
    assert err(s3.copy_object, Bucket=b, Key="src", CopySource="%s/src" % b)[0] == "InvalidRequest"
    s3.copy_object(Bucket=b, Key="src", CopySource="%s/src" % b, MetadataDirective="REPLACE", Metadata={"c": "3"})
    assert s3.head_object(Bucket=b, Key="src")["Metadata"] == {"c": "3"}
    etag = s3.head_object(Bucket=b, Key="src")["ETag"]
    assert err(s3.copy_object, Bucket=b, Key="d3", CopySource="%s/src" % b, CopySourceIfMatch='"x"')[1] == 412
    s3.copy_object(Bucket=b, Key="d3", CopySource="%s/src" % b, CopySourceIfMatch=etag)
    assert err(s3.copy_object, Bucket=b, Key="d4", CopySource="%s/missing" % b)[0] == "NoSuchKey"


def test_listing_rules(s3):
    b = bucket_name("list")
    s3.create_bucket(Bucket=b)
    keys = ["a/1", "a/2", "a/b/3", "b", "c/4", "c/5", "d"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=b"")
    r = s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=2)
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/"] and [o["Key"] for o in r["Contents"]] == ["b"]
    assert r["IsTruncated"] and r["KeyCount"] == 2
    r2 = s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=2, ContinuationToken=r["NextContinuationToken"])
    assert [p["Prefix"] for p in r2["CommonPrefixes"]] == ["c/"] and [o["Key"] for o in r2["Contents"]] == ["d"]
    assert not r2["IsTruncated"]
    r = s3.list_objects(Bucket=b, Delimiter="/", MaxKeys=1)
    assert r["NextMarker"] == "a/" and r["IsTruncated"]
    r = s3.list_objects(Bucket=b, Delimiter="/", Marker="a/")
    assert [o["Key"] for o in r["Contents"]] == ["b", "d"] and [p["Prefix"] for p in r["CommonPrefixes"]] == ["c/"]
    r = s3.list_objects_v2(Bucket=b, Prefix="a/", StartAfter="a/1")
    assert [o["Key"] for o in r["Contents"]] == ["a/2", "a/b/3"]
    r = s3.list_objects_v2(Bucket=b, FetchOwner=True, MaxKeys=1)
    assert "Owner" in r["Contents"][0]
    v = s3.list_object_versions(Bucket=b, Prefix="c/")
    assert [(x["Key"], x["VersionId"], x["IsLatest"]) for x in v["Versions"]] == [("c/4", "null", True), ("c/5", "null", True)]


def test_multipart_rules(s3):
    b = bucket_name("mp")
    s3.create_bucket(Bucket=b)
    up = s3.create_multipart_upload(Bucket=b, Key="m", ContentType="text/plain", Metadata={"x": "y"})["UploadId"]
    p1 = s3.upload_part(Bucket=b, Key="m", UploadId=up, PartNumber=1, Body=b"a" * (5 << 20))["ETag"]
    p2 = s3.upload_part(Bucket=b, Key="m", UploadId=up, PartNumber=2, Body=b"b" * 100)["ETag"]
    parts = s3.list_parts(Bucket=b, Key="m", UploadId=up)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 << 20), (2, 100)]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=b)["Uploads"]] == [up]
    assert err(s3.complete_multipart_upload, Bucket=b, Key="m", UploadId=up,
               MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": p2}, {"PartNumber": 1, "ETag": p1}]})[0] == "InvalidPartOrder"
    assert err(s3.complete_multipart_upload, Bucket=b, Key="m", UploadId=up,
               MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"bad"'}]})[0] == "InvalidPart"
    r = s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=up,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})
    md5s = hashlib.md5(bytes.fromhex(p1.strip('"')) + bytes.fromhex(p2.strip('"'))).hexdigest()
    assert r["ETag"] == '"%s-2"' % md5s
    h = s3.head_object(Bucket=b, Key="m")
    assert h["ContentLength"] == (5 << 20) + 100 and h["ContentType"] == "text/plain" and h["Metadata"] == {"x": "y"}
    assert s3.get_object(Bucket=b, Key="m", PartNumber=2)["Body"].read() == b"b" * 100
    assert s3.list_multipart_uploads(Bucket=b).get("Uploads", []) == []
    # too-small parts, aborts, copies
    up = s3.create_multipart_upload(Bucket=b, Key="small")["UploadId"]
    e1 = s3.upload_part(Bucket=b, Key="small", UploadId=up, PartNumber=1, Body=b"x")["ETag"]
    e2 = s3.upload_part(Bucket=b, Key="small", UploadId=up, PartNumber=2, Body=b"y")["ETag"]
    assert err(s3.complete_multipart_upload, Bucket=b, Key="small", UploadId=up,
               MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})[0] == "EntityTooSmall"
    s3.abort_multipart_upload(Bucket=b, Key="small", UploadId=up)
    assert err(s3.list_parts, Bucket=b, Key="small", UploadId=up) == ("NoSuchUpload", 404)
    up = s3.create_multipart_upload(Bucket=b, Key="copied")["UploadId"]
    c1 = s3.upload_part_copy(Bucket=b, Key="copied", UploadId=up, PartNumber=1, CopySource="%s/m" % b,
                             CopySourceRange="bytes=0-%d" % ((5 << 20) - 1))["CopyPartResult"]["ETag"]
    c2 = s3.upload_part_copy(Bucket=b, Key="copied", UploadId=up, PartNumber=2, CopySource="%s/m" % b,
                             CopySourceRange="bytes=%d-%d" % (5 << 20, (5 << 20) + 99))["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(Bucket=b, Key="copied", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": c1}, {"PartNumber": 2, "ETag": c2}]})
    assert s3.get_object(Bucket=b, Key="copied")["Body"].read() == s3.get_object(Bucket=b, Key="m")["Body"].read()


def test_delete_objects_quiet_and_errors(s3):
    b = bucket_name()
    s3.create_bucket(Bucket=b)
    for k in ("a", "b"):
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "missing"]  # absent keys count as deleted
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "b"}], "Quiet": True})
    assert r.get("Deleted", []) == [] and r.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=b)["KeyCount"] == 0


def test_virtual_hosted_addressing(nuage, s3):
    b = bucket_name("vh")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="dir/obj.txt", Body=b"virtual")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "dir/obj.txt"}, ExpiresIn=60)
    # Re-address the same request virtual-hosted style, signed anew by botocore.
    import boto3
    import botocore.config
    vh = boto3.client("s3", endpoint_url="http://localhost:%d" % nuage.port, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test",
                      config=botocore.config.Config(s3={"addressing_style": "virtual"}))
    url = vh.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "dir/obj.txt"}, ExpiresIn=60)
    assert url.startswith("http://%s.localhost:%d/dir/obj.txt" % (b, nuage.port)), url
    path = url.split(str(nuage.port), 1)[1]
    s = socket.create_connection(("127.0.0.1", nuage.port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s.localhost:%d\r\nConnection: close\r\n\r\n" % (path, b, nuage.port)).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"virtual"), data[:300]


# ---- storage rules ----

def _gets_racing_puts(s3, b, bodies, readers, writers, rounds, last=None):
    """PUTs every body `rounds` times over (`writers` at once, then `last` if
    given) while `readers` threads GET the key; returns what the readers got
    that was never written (torn or invented bodies)."""
    written = set(bodies) | ({last} if last else set())
    s3.put_object(Bucket=b, Key="k", Body=bodies[0])
    stop = threading.Event()
    bad = []

    def reader():
        while not stop.is_set():
            got = s3.get_object(Bucket=b, Key="k")["Body"].read()
            if got not in written:
                bad.append(got[:16])

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    with concurrent.futures.ThreadPoolExecutor(writers) as ex:
        list(ex.map(lambda body: s3.put_object(Bucket=b, Key="k", Body=body), bodies * rounds))
    if last:
        s3.put_object(Bucket=b, Key="k", Body=last)
    stop.set()
    for t in threads:
        t.join()
    return bad


def test_concurrent_puts_never_tear(nuage, s3):
    b = bucket_name("race")
    s3.create_bucket(Bucket=b)
    bodies = [bytes([65 + i]) * (256 * 1024) for i in range(8)]
    assert not _gets_racing_puts(s3, b, bodies, readers=2, writers=8, rounds=3)
    final = s3.get_object(Bucket=b, Key="k")["Body"].read()
    assert final in bodies


def test_small_object_reads_see_every_commit(s3):
    """Small objects' GET/HEAD answers come from memory while no commit has
    happened since they were read (svc/s3/hot.c): every kind of change must
    show on the very next read."""
    b = bucket_name("hot")
    s3.create_bucket(Bucket=b)
    for i in range(200):
        body = b"v%d-" % i + os.urandom(64)
        s3.put_object(Bucket=b, Key="k", Body=body)
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == body
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == body
        assert s3.head_object(Bucket=b, Key="k")["ContentLength"] == len(body)
    s3.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
    assert s3.get_object(Bucket=b, Key="k")["TagCount"] == 1
    s3.copy_object(Bucket=b, Key="k", CopySource={"Bucket": b, "Key": "k"}, MetadataDirective="REPLACE",
                   Metadata={"m": "2"}, ContentType="text/x-new")
    got = s3.get_object(Bucket=b, Key="k")
    assert got["Metadata"] == {"m": "2"} and got["ContentType"] == "text/x-new"
    assert got["Body"].read() == body
    s3.delete_object(Bucket=b, Key="k")
    assert err(s3.get_object, Bucket=b, Key="k") == ("NoSuchKey", 404)
    assert err(s3.head_object, Bucket=b, Key="k") == ("404", 404)
    s3.put_object(Bucket=b, Key="k", Body=b"again")
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"again"
    s3.delete_object(Bucket=b, Key="k")
    s3.delete_bucket(Bucket=b)
    assert err(s3.get_object, Bucket=b, Key="k") == ("NoSuchBucket", 404)


def test_small_object_reads_while_writing(nuage, s3):
    """Readers racing writers on a small object: never a body that was not
    written, and once the writers are done, every read sees the last one."""
    b = bucket_name("hotrace")
    s3.create_bucket(Bucket=b)
    bodies = [bytes([65 + i]) * 1000 for i in range(8)]
    assert not _gets_racing_puts(s3, b, bodies, readers=3, writers=4, rounds=5, last=b"last")
    for _ in range(20):
        assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"last"


def test_small_object_cached_read_still_checks_the_owner(fresh_nuage, boto):
    n = fresh_nuage(extra_args=["--credentials", "AKONE:s1:111111111111,AKTWO:s2:222222222222"]).start()
    one = boto("s3", n.endpoint, key="AKONE", secret="s1")
    two = boto("s3", n.endpoint, key="AKTWO", secret="s2")
    one.create_bucket(Bucket="mine")
    one.put_object(Bucket="mine", Key="k", Body=b"private")
    assert one.get_object(Bucket="mine", Key="k")["Body"].read() == b"private"
    assert err(two.get_object, Bucket="mine", Key="k") == ("AccessDenied", 403)
    assert err(two.head_object, Bucket="mine", Key="k") == ("403", 403)
    assert one.get_object(Bucket="mine", Key="k")["Body"].read() == b"private"


def _store_is_clean(data_dir):
    """No leftovers: tmp/ is empty and objects/ holds exactly the referenced blobs."""
    db = sqlite3.connect(os.path.join(data_dir, "nuage.db"))
    referenced = {r[0] for r in db.execute("SELECT blob FROM s3_objects UNION SELECT blob FROM s3_parts")}
    registered = {r[0] for r in db.execute("SELECT id FROM blobs")}
    db.close()
    on_disk = set()
    for d in os.listdir(os.path.join(data_dir, "objects")):
        on_disk |= set(os.listdir(os.path.join(data_dir, "objects", d)))
    assert os.listdir(os.path.join(data_dir, "tmp")) == []
    assert referenced == registered == on_disk, (len(referenced), len(registered), len(on_disk))


def test_kill9_during_puts_leaves_old_or_new(fresh_nuage, boto):
    n = fresh_nuage().start()
    s3 = boto("s3", n.endpoint)
    b = bucket_name("crash")
    s3.create_bucket(Bucket=b)
    old = b"O" * (1 << 20)
    for i in range(8):
        s3.put_object(Bucket=b, Key="k%d" % i, Body=old)
    new = b"N" * (8 << 20)

    def writer(i):
        try:
            s3.put_object(Bucket=b, Key="k%d" % (i % 8), Body=new)
        except Exception:
            pass

    ts = [threading.Thread(target=writer, args=(i,)) for i in range(16)]
    for t in ts:
        t.start()
    time.sleep(0.3)
    n.stop(sig=signal.SIGKILL)
    for t in ts:
        t.join()
    # a multipart upload in flight too
    n2 = fresh_nuage(data=n.data).start()
    s3 = boto("s3", n2.endpoint)
    for i in range(8):
        got = s3.get_object(Bucket=b, Key="k%d" % i)["Body"].read()
        assert got in (old, new)
    up = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"p" * (5 << 20))
    t = threading.Thread(target=writer, args=(0,))
    big = threading.Thread(target=lambda: s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=2,
                                                         Body=b"q" * (64 << 20)) if True else None)
    big.start()
    time.sleep(0.2)
    n2.stop(sig=signal.SIGKILL)
    big.join()
    n3 = fresh_nuage(data=n.data).start()
    s3 = boto("s3", n3.endpoint)
    parts = s3.list_parts(Bucket=b, Key="mp", UploadId=up)["Parts"]
    assert [p["PartNumber"] for p in parts] in ([1], [1, 2])
    assert n3.stop() == 0
    _store_is_clean(n.data)


def test_cors_preflight_and_headers(nuage, s3):
    b = bucket_name("cors")
    s3.create_bucket(Bucket=b)
    s3.put_object(Bucket=b, Key="k", Body=b"x")

    def options(headers):
        req = urllib.request.Request("%s/%s/k" % (nuage.endpoint, b), method="OPTIONS", headers=headers)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    st, h, body = options({})
    assert st == 400 and b"Origin request header needed" in body
    st, h, body = options({"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"})
    assert st == 403 and b"<Code>AccessForbidden</Code>" in body and b"not enabled" in body
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://*.example"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["content-*", "x-amz-*"],
         "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    st, h, body = options({"Origin": "https://app.example", "Access-Control-Request-Method": "PUT",
                           "Access-Control-Request-Headers": "content-type, x-amz-date"})
    assert st == 200, body
    assert h["Access-Control-Allow-Origin"] == "https://app.example"
    assert h["Access-Control-Allow-Methods"] == "GET, PUT" and h["Access-Control-Max-Age"] == "600"
    assert h["Access-Control-Expose-Headers"] == "ETag"
    st, h, body = options({"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"})
    assert st == 403
    st, h, body = options({"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"})
    assert st == 403
    st, h, body = options({"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                           "Access-Control-Request-Headers": "authorization"})
    assert st == 403
    # actual requests with an allowed Origin carry the headers
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "k"}, ExpiresIn=60)
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": "https://app.example"})) as r:
        assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": "https://evil.test"})) as r:
        assert "Access-Control-Allow-Origin" not in r.headers
