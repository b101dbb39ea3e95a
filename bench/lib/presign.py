"""Prints a SigV4-presigned URL: presign.py ENDPOINT METHOD BUCKET KEY [EXPIRES]."""
import sys

import boto3
import botocore.config

endpoint, method, bucket, key = sys.argv[1:5]
expires = int(sys.argv[5]) if len(sys.argv) > 5 else 3600
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=botocore.config.Config(signature_version="s3v4"))
op = {"GET": "get_object", "PUT": "put_object"}[method]
print(s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires))
