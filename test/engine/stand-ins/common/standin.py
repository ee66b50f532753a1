"""Shared by the stand-in servers (copied into each image): log lines, stop signals, HTTP and TCP listeners."""
import json
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def log(name, message):
    print(f"{name} (stand-in): {message}", file=sys.stderr, flush=True)


def fail(name, message):
    """Exit 1 with the message, as the real program does on a bad start."""
    log(name, f"ERROR: {message}")
    sys.exit(1)


def exit_on_stop_signals(name):
    """PID 1 gets no default signal handling: stop cleanly on SIGTERM and SIGINT."""

    def stop(signum, _frame):
        log(name, f"received {signal.Signals(signum).name}, stopping")
        sys.exit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)


def split_address(address, default_host="0.0.0.0"):
    """':9102', 'host:9102' or '9102' -> (host, port)."""
    host, _, port = address.rpartition(":")
    return (host or default_host, int(port))


def http_server(name, address, route, on_request=None, with_request=False):
    """A threaded HTTP/1.0 server; route(path) -> (status, body) where a dict body is sent as JSON. With
    with_request, route(path, request) also gets the request: its .command, .headers and .body (POST)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self):
            status, body = route(self.path, self) if with_request else route(self.path)
            if isinstance(body, (dict, list)):
                data, kind = (json.dumps(body) + "\n").encode(), "application/json"
            else:
                data, kind = str(body).encode(), "text/plain; version=0.0.4"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            if on_request:
                on_request(self.path, status)

        do_HEAD = do_GET

        def log_message(self, fmt, *args):
            pass  # healthchecks every few seconds would drown the log

    server = ThreadingHTTPServer(address, Handler)
    log(name, f"HTTP on {address[0] or '0.0.0.0'}:{address[1]}")
    return server


def tcp_acceptor(name, address, what):
    """Accepts TCP connections and closes them (a port that is open, for a protocol not imitated)."""
    listener = socket.create_server(address)
    log(name, f"{what} on TCP {address[0] or '0.0.0.0'}:{address[1]} (accepts and closes)")

    def loop():
        while True:
            connection, _ = listener.accept()
            connection.close()

    threading.Thread(target=loop, daemon=True).start()
    return listener
