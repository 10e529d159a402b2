#!/usr/bin/env python3
"""Builds vendor/textstats-1.0.0-py3-none-any.whl from vendor/src with the
standard library only (no setuptools/wheel needed), reproducibly: fixed
timestamps and sorted entries, so rebuilding gives the same bytes.

The wheel layout follows PEP 427 (the .dist-info directory with METADATA,
WHEEL and RECORD, RECORD holding urlsafe-base64 SHA-256 digests).
"""
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "textstats", "1.0.0"
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold

METADATA = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\nSummary: Word statistics for plain text\n"
WHEEL = "Wheel-Version: 1.0\nGenerator: build_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main():
    files = []
    for root, dirs, names in os.walk(SRC):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            path = os.path.join(root, n)
            with open(path, "rb") as f:
                files.append((os.path.relpath(path, SRC).replace(os.sep, "/"), f.read()))
    files.append((f"{DIST_INFO}/METADATA", METADATA.encode()))
    files.append((f"{DIST_INFO}/WHEEL", WHEEL.encode()))
    record = "".join(f"{p},{digest(d)},{len(d)}\n" for p, d in files) + f"{DIST_INFO}/RECORD,,\n"
    files.append((f"{DIST_INFO}/RECORD", record.encode()))
    out = os.path.join(HERE, f"{NAME}-{VERSION}-py3-none-any.whl")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            info = zipfile.ZipInfo(p, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, d)
    print(out)


if __name__ == "__main__":
    main()
