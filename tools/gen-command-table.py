#!/usr/bin/env python3
"""Regenerates magpie-commands' command metadata (src/main/resources/io/magpie/commands/commands.json)
from a running redis-server 7.0: COMMAND INFO and COMMAND DOCS, read over RESP3 so that every
reply type survives. Redis's own src/commands/*.json are the source of truth for arity, flags,
key specs, ACL categories and docs; reading them off the live server keeps ours byte-identical.

JSON encoding of RESP3 values (types must survive, RESP2 and RESP3 replies differ by them):
  integer -> number, bulk string -> string, simple string -> {"s": text},
  array -> list, set -> {"set": [...]}, map -> {"map": [k1, v1, k2, v2, ...]}, null -> null.

usage: tools/gen-command-table.py [port]   (a redis-server 7.0 must listen on 127.0.0.1:port)
       tools/gen-command-table.py --sentinel port   (a redis-sentinel 7.0 on 127.0.0.1:port)

With --sentinel it writes magpie-sentinel's sentinel-commands.json: the names of the commands
sentinel mode serves (those Redis's table flags SENTINEL; COMMAND INFO does not show the flag,
so they are read off redis-sentinel's own table) and the metadata of the commands only a
Sentinel has (SENTINEL), in the same format.
"""
import json, socket, sys

def read_line(f):
    line = f.readline()
    assert line.endswith(b"\r\n"), line
    return line[:-2]

def read_value(f):
    line = read_line(f)
    t, rest = chr(line[0]), line[1:]
    if t == '+': return {"s": rest.decode()}
    if t == '-': raise RuntimeError(rest.decode())
    if t == ':': return int(rest)
    if t == '$':
        n = int(rest)
        if n < 0: return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if t == '=':  # verbatim string: "txt:" + text
        n = int(rest)
        return f.read(n + 2)[4:-2].decode()
    if t == '_': return None
    if t == '#': return rest == b't'
    if t in '*~':
        n = int(rest)
        if n < 0: return None
        items = [read_value(f) for _ in range(n)]
        return items if t == '*' else {"set": items}
    if t == '%':
        n = int(rest)
        items = []
        for _ in range(n):
            items.append(read_value(f)); items.append(read_value(f))
        return {"map": items}
    raise RuntimeError("unexpected RESP type " + t)

def call(sock, f, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_value(f)

def read_table(port):
    """COMMAND INFO (the entries) and COMMAND DOCS (by name) of the server on port, and its version."""
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    call(sock, f, "HELLO", "3")
    info = call(sock, f, "COMMAND", "INFO")
    docs = call(sock, f, "COMMAND", "DOCS")
    docs_by_name = {}
    items = docs["map"]
    for i in range(0, len(items), 2):
        docs_by_name[items[i]] = items[i + 1]
    version = call(sock, f, "INFO", "server").split("redis_version:")[1].split("\r\n")[0]
    return sorted(info, key=lambda e: e[0]), docs_by_name, version

def sentinel(port):
    info, docs_by_name, version = read_table(port)
    with open("commands/src/main/resources/io/magpie/commands/commands.json") as r:
        known = {c["info"][0] for c in json.load(r)["commands"]}
    serves = [e[0] for e in info]
    own = [{"info": e, "docs": docs_by_name.get(e[0])} for e in info if e[0] not in known]
    out = "sentinel/src/main/resources/io/magpie/sentinel/sentinel-commands.json"
    with open(out, "w") as w:
        json.dump({"source": "redis-sentinel " + version, "serves": serves, "commands": own}, w, separators=(",", ":"))
    print("wrote", len(serves), "served commands,", len(own), "of them Sentinel's own, to", out)

def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--sentinel":
        sentinel(int(sys.argv[2]))
        return
    info, docs_by_name, version = read_table(int(sys.argv[1]) if len(sys.argv) > 1 else 6379)
    commands = [{"info": e, "docs": docs_by_name.get(e[0])} for e in info]
    out = "commands/src/main/resources/io/magpie/commands/commands.json"
    with open(out, "w") as w:
        json.dump({"source": "redis-server " + version, "commands": commands}, w, separators=(",", ":"))
    print("wrote", len(commands), "commands to", out)

if __name__ == "__main__":
    main()
