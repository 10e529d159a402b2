#!/usr/bin/env python3
"""A loopback HTTP server that checks AWS Signature Version 4 on PUTs.

s3rver (our S3-protocol server) does not verify V4 signatures, so the test
of faas-cli's signing uses this independent verifier, written from the AWS
documentation ("Signature Calculations for the Authorization Header",
"Create a canonical request") with Python's hmac/hashlib, and checked at
start-up against the GET Object example published there.

Usage: sigv4_server.py PORT ACCESS_KEY SECRET [REGION]
Answers 200 when the Authorization header, the signed x-amz-content-sha256
(which must equal the body's SHA-256) and the credential scope all check
out; otherwise 403 with an S3-style XML error naming what failed.
"""
import hashlib
import hmac
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signature(secret, date, region, service, string_to_sign):
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), region), service), "aws4_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(method, path, query, headers, signed, payload_hash):
    """headers: dict of lowercase name -> value; signed: list of names."""
    canon = "".join(f"{h}:{' '.join(headers[h].strip().split())}\n" for h in signed)
    return "\n".join([method, path, query, canon, ";".join(signed), payload_hash])


def string_to_sign(amz_date, scope, creq):
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


def self_test():
    """The GET Object example of the AWS SigV4 documentation."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {"host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9",
               "x-amz-content-sha256": empty, "x-amz-date": "20130524T000000Z"}
    creq = canonical_request("GET", "/test.txt", "", headers, sorted(headers), empty)
    sts = string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq)
    got = signature("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", sts)
    assert got == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", got


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so "Expect: 100-continue" is answered

    def log_message(self, *args):
        pass

    def deny(self, code, message):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error>").encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = headers.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return self.deny("AccessDenied", "no SigV4 Authorization header")
        parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        access_key, date, region, service, terminal = parts["Credential"].split("/")
        if access_key != ACCESS_KEY:
            return self.deny("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        if (region, service, terminal) != (REGION, "s3", "aws4_request"):
            return self.deny("AuthorizationHeaderMalformed", f"bad credential scope {parts['Credential']}")
        signed = parts["SignedHeaders"].split(";")
        for required in ("host", "x-amz-content-sha256", "x-amz-date"):
            if required not in signed:
                return self.deny("AccessDenied", f"{required} is not signed")
        if "x-amz-security-token" in headers and "x-amz-security-token" not in signed:
            return self.deny("AccessDenied", "x-amz-security-token is not signed")
        payload_hash = headers["x-amz-content-sha256"]
        if payload_hash != hashlib.sha256(body).hexdigest():
            return self.deny("XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256")
        path, _, query = self.path.partition("?")
        creq = canonical_request("PUT", path, query, headers, signed, payload_hash)
        sts = string_to_sign(headers["x-amz-date"], f"{date}/{region}/s3/aws4_request", creq)
        if signature(SECRET, date, region, "s3", sts) != parts["Signature"]:
            return self.deny("SignatureDoesNotMatch", "The request signature we calculated does not match")
        RECEIVED.append((path, headers.get("x-amz-security-token"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    self_test()
    PORT, ACCESS_KEY, SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    REGION = sys.argv[4] if len(sys.argv) > 4 else "us-east-1"
    RECEIVED = []
    HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
