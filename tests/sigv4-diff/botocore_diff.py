#!/usr/bin/env python3
"""Differential test: bulwark's SigV4 signer against botocore's SigV4Auth.

Generates random header-signed requests in the shapes bulwark sends (IAM,
STS, Organizations, Secrets Manager; form and JSON bodies; session tokens;
header values with runs of white space; encoded queries; UTF-8 paths),
has sign_json sign them, and re-signs each with botocore.  Queries are
generated already canonical (botocore does not re-encode them) and paths
without dot segments (botocore and RFC 3986 differ on a trailing "..").

Usage: botocore_diff.py SIGN_JSON [COUNT] [SEED]
"""
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def enc(s):
    out = ""
    for b in s.encode():
        c = chr(b)
        out += c if (b < 128 and c.isalnum()) or c in "-._~" else "%%%02X" % b
    return out


def token(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                   for _ in range(n))


def value(rng):
    parts = ["".join(rng.choice('abcXYZ019;=,/"+()@\u00e9') for _ in range(rng.randint(0, 8)))
             for _ in range(rng.randint(1, 4))]
    return (rng.choice(["", " ", "  "]) + rng.choice([" ", "  ", "\t", " \t "]).join(parts)
            + rng.choice(["", " ", "\t"]))


def generate(rng, count):
    reqs = []
    for _ in range(count):
        service = rng.choice(["iam", "sts", "organizations", "secretsmanager"])
        region = rng.choice(["us-east-1", "eu-west-3", "ap-southeast-2"])
        hdrs = {"Host": rng.choice(["iam.amazonaws.com", "organizations.us-east-1.amazonaws.com",
                                    "localhost:5000", "127.0.0.1:4566"])}
        if rng.random() < 0.5:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        else:
            hdrs["Content-Type"] = "application/x-amz-json-1.1"
            hdrs["X-Amz-Target"] = "AWSOrganizationsV20161128.ListAccounts"
        if rng.random() < 0.3:
            hdrs["User-Agent"] = "bulwark/0.1"
        for _ in range(rng.randint(0, 5)):
            hdrs["X-" + token(rng, rng.randint(1, 12))] = value(rng)
        query = "&".join(enc(token(rng, rng.randint(0, 6))) + "="
                         + enc("".join(rng.choice("ab c/\u00e9+=&") for _ in range(rng.randint(0, 6))))
                         for _ in range(rng.randint(0, 3)))
        reqs.append({
            "method": rng.choice(["GET", "POST"]),
            "path": rng.choice(["/", "/a/b", "/a b/c", "/\u1234", "/x/y/"]),
            "query": query,
            "headers": list(hdrs.items()),
            "body": rng.choice(["", "Action=ListRoles&Version=2010-05-08", '{"MaxResults":20}', "x" * 300]),
            "token": rng.choice([None, "AQoDYXdzEPT//////////wEXAMPLE+/=="]),
            "service": service,
            "region": region,
            "when": rng.randint(0, 4102444800),
        })
    return reqs


def botocore_sign(r):
    url = "https://" + dict(r["headers"])["Host"] + r["path"] + ("?" + r["query"] if r["query"] else "")
    req = AWSRequest(method=r["method"], url=url, data=r["body"].encode(), headers=dict(r["headers"]))
    amz_date = datetime.datetime.fromtimestamp(r["when"], datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    req.context["timestamp"] = amz_date
    req.headers["X-Amz-Date"] = amz_date
    if r["token"]:
        req.headers["X-Amz-Security-Token"] = r["token"]
    auth = SigV4Auth(Credentials("AKIDEXAMPLE", SECRET, r["token"]), r["service"], r["region"])
    creq = auth.canonical_request(req)
    return auth.signature(auth.string_to_sign(req, creq), req), creq


def main():
    sign_json = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    reqs = generate(random.Random(seed), count)
    with tempfile.TemporaryDirectory() as d:
        inp, outp = os.path.join(d, "in.json"), os.path.join(d, "out.json")
        with open(inp, "w") as f:
            json.dump(reqs, f)
        subprocess.run([sign_json, inp, outp], check=True)
        with open(outp) as f:
            got = json.load(f)
    bad = 0
    for i, (r, g) in enumerate(zip(reqs, got)):
        sig, creq = botocore_sign(r)
        if g.get("signature") != sig:
            bad += 1
            if bad <= 3:
                print("case %d differs: %r" % (i, r))
                print("--- botocore\n%s\n--- bulwark\n%s" % (creq, g.get("canonical_request", g.get("error"))))
    print("sigv4 vs botocore: %d of %d requests sign the same (seed %d)" % (count - bad, count, seed))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
