#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check tools/ros2/ros2_types.idl against the installed ROS 2 packages.

For every struct of the IDL (module pkg::msg::dds_, name with a trailing
underscore) this rebuilds the REP-2011 type description (field names, field
type ids, array capacities, string bounds, nested types, in order) from the
IDL alone, hashes it with rosidl_generator_type_description.calculate_type_hash
(the packages' own code), and compares the result with

  1. the hash the installed package ships (share/PKG/msg/TYPE.json), and
  2. the hash compiled into the bridge (the "RIHS01_..." next to the type's
     name in tools/ros2/ros2_wire.c).

So a wrong member, a wrong order, a wrong integer width or a stale constant
fails here, with the type named.  Usage: typehash.py IDL WIRE_C
"""
import json
import os
import re
import sys

from rosidl_generator_type_description import FIELD_TYPE_NAME_TO_ID, calculate_type_hash

SCALARS = {
    "int8": "INT8", "uint8": "UINT8", "int16": "INT16", "uint16": "UINT16",
    "int32": "INT32", "uint32": "UINT32", "int64": "INT64", "uint64": "UINT64",
    "float": "FLOAT", "double": "DOUBLE", "boolean": "BOOLEAN", "octet": "BYTE",
    "char": "CHAR",
}


def parse_idl(text):
    """{"pkg/msg/Type": [(name, type_str, array_len)]} of a restricted IDL."""
    text = re.sub(r"//[^\n]*", "", text)
    types = {}
    stack = []
    pos = 0
    tok = re.compile(r"\s*(module\s+(\w+)\s*\{|@final\s+struct\s+(\w+)\s*\{|\}\s*;|"
                     r"((?:sequence<[\w:]+>|string(?:<\d+>)?|[\w:]+))\s+(\w+)\s*(?:\[(\d+)\])?\s*;)")
    current = None
    while pos < len(text):
        m = tok.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise SystemExit("typehash: cannot parse IDL near: %r" % text[pos:pos + 60])
        pos = m.end()
        if m.group(2):
            stack.append(m.group(2))
        elif m.group(3):
            if stack[-1] != "dds_" or stack[-2] != "msg" or not m.group(3).endswith("_"):
                raise SystemExit("typehash: %s is not PKG::msg::dds_::Type_" % m.group(3))
            current = "%s/msg/%s" % (stack[-3], m.group(3)[:-1])
            types[current] = []
        elif m.group(4):
            types[current].append((m.group(5), m.group(4), int(m.group(6)) if m.group(6) else 0))
        else:  # closing brace
            if current is not None:
                current = None
            else:
                stack.pop()
    return types, stack


def ros_name(idl_type, pkg):
    """pkg::msg::dds_::T_ (or T_ in the same package) -> pkg/msg/T."""
    parts = idl_type.split("::")
    if len(parts) == 1:
        return "%s/msg/%s" % (pkg, parts[0][:-1])
    return "%s/msg/%s" % (parts[0], parts[-1][:-1])


def field_type(t, arr, pkg):
    cap, scap, nested = 0, 0, ""
    suffix = ""
    if t.startswith("sequence<"):
        t = t[len("sequence<"):-1]
        suffix = "_UNBOUNDED_SEQUENCE"
    if arr:
        suffix, cap = "_ARRAY", arr
    if t == "string":
        base = "STRING"
    elif t.startswith("string<"):
        base, scap = "BOUNDED_STRING", int(t[7:-1])
    elif t in SCALARS:
        base = SCALARS[t]
    else:
        base, nested = "NESTED_TYPE", ros_name(t, pkg)
    return {"type_id": FIELD_TYPE_NAME_TO_ID["FIELD_TYPE_" + base + suffix], "capacity": cap,
            "string_capacity": scap, "nested_type_name": nested}


def describe(types, name):
    def ind(n):
        pkg = n.split("/")[0]
        return {"type_name": n, "fields": [
            {"name": f, "type": field_type(t, arr, pkg), "default_value": ""}
            for f, t, arr in types[n]]}
    refs, queue = set(), [name]
    while queue:
        for fld in ind(queue.pop())["fields"]:
            nt = fld["type"]["nested_type_name"]
            if nt and nt not in refs:
                refs.add(nt)
                queue.append(nt)
    return {"type_description": ind(name),
            "referenced_type_descriptions": [ind(r) for r in sorted(refs)]}


def main():
    idl, wire = sys.argv[1], sys.argv[2]
    types, stack = parse_idl(open(idl).read())
    if stack:
        raise SystemExit("typehash: unbalanced modules in %s" % idl)
    compiled = dict(re.findall(r'"(\w+/msg/\w+)",\s*"(RIHS01_[0-9a-f]{64})"', open(wire).read()))
    if not compiled:
        raise SystemExit("typehash: no type hashes found in %s" % wire)
    share = os.path.join(sys.prefix, "share")
    bad = 0
    for name in sorted(types):
        pkg, _, typ = name.split("/")
        with open(os.path.join(share, pkg, "msg", typ + ".json")) as f:
            shipped = json.load(f)["type_hashes"][0]["hash_string"]
        ours = calculate_type_hash(describe(types, name))
        state = "ok" if ours == shipped else "DIFFERS"
        if name in compiled and compiled[name] != shipped:
            state = "BRIDGE CONSTANT DIFFERS (%s)" % compiled[name]
        if state != "ok":
            bad += 1
        print("  %-44s %s %s" % (name, shipped, state))
    missing = sorted(set(compiled) - set(types))
    if missing:
        print("typehash: the bridge names types the IDL lacks: %s" % ", ".join(missing))
        bad += 1
    print("typehash: %d types from %s, %d compiled into the bridge: %s"
          % (len(types), os.path.basename(idl), len(compiled), "all match" if not bad else
             "%d MISMATCH" % bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
