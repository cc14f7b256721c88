# The ClickHouse HTTP interface, enough of it for @clickhouse/client, in front of chdb (ClickHouse
# embedded in-process, PyPI chdb-core): the project's own DDL, inserts and queries, sent by its own
# code, run on a current ClickHouse release next to the local 18.16 server (deploy/clickhouse.stack.test.ts).
# Run with the venv of `stack.sh install-test-tools`; prints "listening <port>" once it accepts connections.
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from chdb import session

SESSION = session.Session()


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as the client expects; one request at a time, as one chdb session takes them.
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    return data
                data += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, payload, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.reply(200, b"Ok.\n")  # /ping

    def do_POST(self):
        params = parse_qs(urlparse(self.path).query)
        body = self.body().decode()
        # An insert names its statement in ?query= and streams its rows as the body; anything else is the body.
        sql = params["query"][0] + "\n" + body if "query" in params else body
        try:
            result = SESSION.query(sql, "TabSeparated").bytes()
        except Exception as error:  # chdb raises the server's exception text: "Code: 47. DB::Exception: …"
            code = re.match(r"Code: (\d+)", str(error))
            self.reply(500, str(error).encode(), [("X-ClickHouse-Exception-Code", code.group(1) if code else "1001")])
            return
        self.reply(200, result, [("X-ClickHouse-Summary", "{}")])


server = HTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
