#!/usr/bin/env python3
"""Records redis-server's answers for glob patterns (util.c stringmatchlen), the oracle of
GlobTest. Each (pattern, string) pair is asked as KEYS on a fresh keyspace that holds only
the string. Usage: gen-glob-table.py PORT > glob-redis-7.0.txt (a redis-server on 127.0.0.1:PORT).
Output lines: hex(pattern) hex(string) 0|1."""
import random
import socket
import sys


def command(sock_file, sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_reply(sock_file)


def read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b":"):
        return rest
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise ValueError(line)


def cases(rng):
    fixed = [
        (b"*", b""), (b"**", b""), (b"?", b""), (b"", b""), (b"a*", b"a"), (b"*a", b"a"),
        (b"h?llo", b"hello"), (b"h*llo", b"heeeello"), (b"h[ae]llo", b"hallo"), (b"h[^e]llo", b"hello"),
        (b"h[a-b]llo", b"hbllo"), (b"h[b-a]llo", b"hbllo"), (b"[", b"a"), (b"[a", b"a"), (b"[a-", b"a"),
        (b"[a-", b"-"), (b"[\\]]", b"]"), (b"[]]", b"]"), (b"\\*", b"*"), (b"\\*", b"a"), (b"a\\", b"a"),
        (b"a\\", b"a\\"), (b"[^]", b"a"), (b"[^", b"a"), (b"*[", b"ab"), (b"[a-\xff]", b"\x80"),
        (b"[\x80-\xff]", b"\x90"), (b"[\x00-z]", b"\xc3"), (b"a*b*c", b"aXbYc"), (b"a*b*c", b"aXbYcZ"),
        (b"*?", b""), (b"*?", b"x"), (b"[?]", b"?"), (b"[*]", b"x"), (b"\\", b"\\"), (b"[\\", b"\\"),
        (b"a*a*a*a*b", b"a" * 60), (b"*a*a*a*a*a*a*b*", b"a" * 40 + b"b"),
    ]
    yield from fixed
    alphabet_p = b"ab*?[]^-\\"
    alphabet_s = b"ab]^-\\*"
    for i in range(4000):
        p = bytes(rng.choice(alphabet_p) for _ in range(rng.randint(0, 7)))
        if i % 2 == 0:
            s = bytes(rng.choice(alphabet_s) for _ in range(rng.randint(0, 6)))
        else:
            s = instance(rng, p, alphabet_s)
        yield p, s


def instance(rng, p, alphabet):
    """A string the pattern likely matches (stars and ? filled in), sometimes mutated."""
    out = bytearray()
    for c in p:
        if c == ord("*"):
            out += bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 2)))
        elif c == ord("?"):
            out.append(rng.choice(alphabet))
        else:
            out.append(c)
    if out and rng.random() < 0.3:
        out[rng.randrange(len(out))] = rng.choice(alphabet)
    return bytes(out)


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    rng = random.Random(7)
    seen = set()
    for p, s in cases(rng):
        # Pattern "*" alone is KEYS's match-everything shortcut, not the matcher.
        if (p, s) in seen or p == b"*":
            continue
        seen.add((p, s))
        command(f, sock, b"FLUSHALL")
        command(f, sock, b"SET", s, b"1")
        keys = command(f, sock, b"KEYS", p)
        print(p.hex() or "-", s.hex() or "-", 1 if keys else 0)


if __name__ == "__main__":
    main()
