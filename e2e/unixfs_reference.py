"""An independent computation of the CID `ipfs add --cid-version=1 --raw-leaves` gives for bytes.

Written from the specifications (CID, multihash, multibase base32; dag-pb; UnixFS `Data`; kubo's
defaults: 262,144-byte chunks, raw leaves, balanced layout with at most 174 links per node), so the
browser tests can check the server's CIDs with code that shares nothing with it.
"""

from __future__ import annotations

import base64
import hashlib

CHUNK = 262_144
MAX_LINKS = 174
RAW = 0x55
DAG_PB = 0x70


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def cid_bytes(codec: int, block: bytes) -> bytes:
    return varint(1) + varint(codec) + bytes([0x12, 0x20]) + hashlib.sha256(block).digest()


def cid_text(binary: bytes) -> str:
    return "b" + base64.b32encode(binary).decode().lower().rstrip("=")


def field(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def length_delimited(number: int, payload: bytes) -> bytes:
    return field(number, 2) + varint(len(payload)) + payload


def dag_node(children: list[tuple[bytes, int, int]]) -> bytes:
    """children: (binary CID, cumulative DAG size, file bytes). Links come before Data."""
    out = bytearray()
    for child_cid, dag_size, _ in children:
        link = length_delimited(1, child_cid) + length_delimited(2, b"") + field(3, 0) + varint(dag_size)
        out += length_delimited(2, link)
    data = field(1, 0) + varint(2)  # Type = File
    data += field(3, 0) + varint(sum(size for _, _, size in children))
    for _, _, size in children:
        data += field(4, 0) + varint(size)
    out += length_delimited(1, data)
    return bytes(out)


def kubo_cid(data: bytes) -> str:
    """The CID text for `data`."""
    leaves = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    # Each level: (binary CID, cumulative size, file size) per node.
    level = [(cid_bytes(RAW, leaf), len(leaf), len(leaf)) for leaf in leaves]
    if len(level) == 1:
        return cid_text(level[0][0])
    # A balanced tree filled left to right: group each level into nodes of up to 174 children.
    while len(level) > 1:
        parents = []
        for start in range(0, len(level), MAX_LINKS):
            children = level[start:start + MAX_LINKS]
            block = dag_node(children)
            parents.append((cid_bytes(DAG_PB, block), len(block) + sum(c[1] for c in children), sum(c[2] for c in children)))
        level = parents
    return cid_text(level[0][0])
