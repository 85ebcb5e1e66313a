"""Drive a language server over stdio the way an editor does, and time it.

Usage: lsp_driver.py FILE.py COMMAND...

Starts COMMAND, measures the `initialize` round trip, opens FILE, asks for code
actions on a definition at open and right after each of 40 small incremental
edits (an edit is sent, then code actions are requested at once, as an editor
does while the user types), and reads the server's peak memory (VmHWM) before
shutting it down. Prints one JSON object.
"""

import json
import os
import statistics
import subprocess
import sys
import time


class Server:
    def __init__(self, command):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params):
        request_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == request_id and "method" not in message:
                return message
            if "id" in message and "method" in message:
                # A request from the server (configuration, registration): answer it.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def peak_memory_kb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    path, command = os.path.abspath(sys.argv[1]), sys.argv[2:]
    text = open(path).read()
    uri = "file://" + path
    lines = text.split("\n")
    # A line inside a function body in the middle of the file.
    target = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("def "))
    server = Server(command)
    started = time.perf_counter()
    server.request("initialize", {
        "processId": os.getpid(), "rootUri": "file://" + os.path.dirname(path),
        "capabilities": {"textDocument": {"codeAction": {
            "dataSupport": True, "resolveSupport": {"properties": ["edit"]},
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["", "quickfix", "refactor", "source"]}}}},
            "general": {"positionEncodings": ["utf-16"]}},
    })
    initialize_ms = (time.perf_counter() - started) * 1000
    server.notify("initialized", {})
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                            "text": text}})

    def code_actions():
        position = {"line": target + 1, "character": 8}
        started = time.perf_counter()
        response = server.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": {"start": position, "end": position},
            "context": {"diagnostics": []}})
        elapsed = (time.perf_counter() - started) * 1000
        if "error" in response:
            raise RuntimeError(response["error"])
        return elapsed

    at_open = code_actions()
    after_edit = []
    for version in range(2, 42):
        # Type one character at the end of a comment line near the top.
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                "text": "#"}]})
        after_edit.append(code_actions())
    peak = server.peak_memory_kb()
    server.request("shutdown", None)
    server.notify("exit", None)
    server.process.wait(timeout=10)
    print(json.dumps({
        "lines": len(lines), "initialize_ms": round(initialize_ms, 2), "code_action_at_open_ms": round(at_open, 2),
        "after_edit_p50_ms": round(statistics.median(after_edit), 2),
        "after_edit_p95_ms": round(percentile(after_edit, 0.95), 2), "peak_memory_mb": round(peak / 1024, 1)}))


if __name__ == "__main__":
    main()
