#!/usr/bin/env python3
"""Client side of bench/large-replies.sh (one server per run; prints one line of numbers).

pipeline PORT N SIZE: one client pipelines N GETs of a SIZE-byte value and reads every reply,
  while another pings in a loop; prints "<seconds for the pipeline> <worst PING ms>".
neverread PORT COUNT SIZE: one client pipelines COUNT GETs of a SIZE-byte value, 100 every
  10 ms, and never reads a reply, while another pings; prints "<worst PING ms> <p99 PING ms>".
The pinger is a process of its own, so that the client's loop cannot delay its samples."""
import multiprocessing
import socket
import sys
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def call(s, *args):
    out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    s.sendall(out)
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += s.recv(65536)
    return buf


def ping_loop(port, stop, results):
    s = connect(port)
    samples = []
    while not stop.is_set():
        t = time.perf_counter()
        assert call(s, b"PING") == b"+PONG\r\n"
        samples.append((time.perf_counter() - t) * 1000)
        time.sleep(0.001)
    samples.sort()
    results.put((samples[-1], samples[int(len(samples) * 0.99)], len(samples)))


class Pinger:
    def __init__(self, port):
        self.stop = multiprocessing.Event()
        self.results = multiprocessing.Queue()
        self.proc = multiprocessing.Process(target=ping_loop, args=(port, self.stop, self.results), daemon=True)

    def start(self):
        self.proc.start()
        time.sleep(0.3)

    def finish(self):
        self.stop.set()
        worst, p99, _ = self.results.get(timeout=120)
        self.proc.join(10)
        return worst, p99


def pipeline(port, n, size):
    c = connect(port)
    call(c, b"SET", b"big", b"x" * size)
    expected = n * (len(b"$%d\r\n" % size) + size + 2)
    pinger = Pinger(port)
    pinger.start()
    t = time.perf_counter()
    c.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * n)
    got = 0
    buf = bytearray(1 << 20)
    while got < expected:
        r = c.recv_into(buf)
        if r == 0:
            raise SystemExit("connection closed after %d bytes" % got)
        got += r
    elapsed = time.perf_counter() - t
    time.sleep(0.2)
    worst, _ = pinger.finish()
    print("%.3f %.1f" % (elapsed, worst))


def neverread(port, count, size):
    c = connect(port)
    call(c, b"CONFIG", b"SET", b"client-output-buffer-limit", b"normal 0 0 0")
    call(c, b"SET", b"big", b"x" * size)
    pinger = Pinger(port)
    pinger.start()
    chunk = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 100
    c.settimeout(60)
    for _ in range(count // 100):
        c.sendall(chunk)
        time.sleep(0.01)
    time.sleep(1)
    worst, p99 = pinger.finish()
    c.close()
    print("%.1f %.1f" % (worst, p99))


if __name__ == "__main__":
    mode, port, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    if mode == "pipeline":
        pipeline(port, int(a), b)
    else:
        neverread(port, int(a), b)
