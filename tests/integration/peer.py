#!/usr/bin/python3
"""peer.py - the lab's outside world: tells each client which source
address its packets arrived from, so a test can see which way they went.

usage: peer.py [--ready FILE] [--log FILE] [--lifetime SECONDS] ADDR...

On every ADDR (IPv4 or IPv6):
  TCP 80  minimal HTTP: reads the request head, answers
          "HTTP/1.0 200 OK" with the body "peer=<client ip>\\n"
  TCP 7   writes "peer=<client ip>\\n" at once and closes
  UDP 9   answers each datagram with "peer=<client ip>\\n"
--ready FILE is written once every socket listens; --log FILE gets one line
per client ("tcp 198.51.100.10 80 192.0.2.1"). The server exits by itself
after --lifetime seconds (default 900) so a lost lab cannot outlive a run.
"""

import argparse
import os
import socket
import sys
import threading
import time

IO_TIMEOUT = 5.0        # per client connection
MAX_HEAD = 16384        # bytes of HTTP request head read at most
MAX_CLIENTS = 64        # connections served at once; more wait in accept


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def peer_line(client_addr):
    return ("peer=%s\n" % client_addr[0]).encode()


class Log:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, proto, local, port, client):
        if self.path is None:
            return
        with self.lock, open(self.path, "a") as f:
            f.write("%s %s %d %s\n" % (proto, local, port, client))


def tcp_listener(addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(64)
    return s


def udp_socket(addr, port):
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family_of(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    return s


def serve_http(conn, client):
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head \
            and len(head) < MAX_HEAD:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    body = peer_line(client)
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                 % len(body) + body)


def serve_echo_peer(conn, client):
    conn.sendall(peer_line(client))


def accept_loop(lsock, handler, log, slots):
    local, port = lsock.getsockname()[:2]
    while True:
        conn, client = lsock.accept()
        log.write("tcp", local, port, client[0])
        slots.acquire()
        threading.Thread(target=handle, args=(conn, client, handler, slots),
                         daemon=True).start()


def handle(conn, client, handler, slots):
    try:
        conn.settimeout(IO_TIMEOUT)
        handler(conn, client)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        conn.close()
        slots.release()


def udp_loop(usock, log):
    local, port = usock.getsockname()[:2]
    while True:
        data, client = usock.recvfrom(65535)
        log.write("udp", local, port, client[0])
        try:
            usock.sendto(peer_line(client), client)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description="the lab's outside world")
    ap.add_argument("--ready")
    ap.add_argument("--log")
    ap.add_argument("--lifetime", type=float, default=900.0)
    ap.add_argument("addrs", nargs="+")
    args = ap.parse_args()

    log = Log(args.log)
    slots = threading.BoundedSemaphore(MAX_CLIENTS)
    threads = []
    for addr in args.addrs:
        for port, handler in ((80, serve_http), (7, serve_echo_peer)):
            threads.append(threading.Thread(
                target=accept_loop,
                args=(tcp_listener(addr, port), handler, log, slots),
                daemon=True))
        threads.append(threading.Thread(
            target=udp_loop, args=(udp_socket(addr, 9), log), daemon=True))
    for t in threads:
        t.start()
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("ready %d\n" % os.getpid())
        os.rename(tmp, args.ready)
    time.sleep(args.lifetime)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
