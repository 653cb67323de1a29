#!/usr/bin/env python3
"""A fake Telegram Bot API on loopback for Congvu's tests, checking requests as
https://core.telegram.org/bots/api documents them and answering as Telegram does.

Usage: telegram_api.py OUT_DIR TOKEN; prints "READY <port>" when listening, stops when stdin closes.
OUT_DIR "-" keeps nothing (the benchmark: only counts).
- POST /bot<TOKEN>/sendMessage (JSON): chat_id an integer, text 1-4096 characters. Chat 403 has
  blocked the bot (403), chat 400 does not exist (400), chat 429 is over its limit (429,
  retry_after). Every accepted message is written to OUT_DIR as NNNNN.json.
- POST /bot<TOKEN>/getUpdates (JSON): offset, timeout (long polling, at most 50 s), allowed_updates.
- POST /control/message {"chat_id", "text"}: a person writes to the bot (becomes an update).
A wrong token gets 401 Unauthorized; a request that breaks the rules gets 400 with Telegram's wording.
"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out, token = sys.argv[1], sys.argv[2]
lock = threading.Condition()
updates, sent = [], [0]
next_update = [100]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, each answer waits out a delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, description, **extra):
        self.answer(status, {"ok": False, "error_code": status, "description": description, **extra})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path == "/control/message":
            body = json.loads(raw)
            with lock:
                next_update[0] += 1
                updates.append({"update_id": next_update[0], "message": {
                    "message_id": next_update[0], "date": int(time.time()), "text": body["text"],
                    "chat": {"id": int(body["chat_id"]), "type": "private"}, "from": {"id": int(body["chat_id"]), "is_bot": False, "first_name": "Lan"}}})
                lock.notify_all()
            return self.answer(200, {"ok": True})
        parts = self.path.split("/")
        if len(parts) != 3 or parts[1] != f"bot{token}":
            return self.fail(401, "Unauthorized")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self.fail(400, "Bad Request: the request is not JSON")
        try:
            body = json.loads(raw)
        except ValueError:
            return self.fail(400, "Bad Request: can't parse JSON")
        method = parts[2]
        if method == "sendMessage":
            chat, text = body.get("chat_id"), body.get("text")
            if not isinstance(chat, int) or isinstance(chat, bool):
                return self.fail(400, "Bad Request: chat_id is not an integer")
            if not isinstance(text, str) or not text.strip():
                return self.fail(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                return self.fail(400, "Bad Request: message is too long")
            if "parse_mode" in body and body["parse_mode"] not in ("HTML", "MarkdownV2", "Markdown"):
                return self.fail(400, "Bad Request: unsupported parse_mode")
            if chat == 403:
                return self.fail(403, "Forbidden: bot was blocked by the user")
            if chat == 400:
                return self.fail(400, "Bad Request: chat not found")
            if chat == 429:
                return self.fail(429, "Too Many Requests: retry after 7", parameters={"retry_after": 7})
            with lock:
                sent[0] += 1
                n = sent[0]
            if out != "-":
                with open(os.path.join(out, f"{n:05d}.json"), "w", encoding="utf-8") as f:
                    json.dump(body, f, ensure_ascii=False)
            return self.answer(200, {"ok": True, "result": {"message_id": n, "date": int(time.time()),
                                                              "chat": {"id": chat, "type": "private"}, "text": text}})
        if method == "getUpdates":
            offset, timeout = body.get("offset", 0), min(int(body.get("timeout", 0)), 50)
            deadline = time.time() + timeout
            with lock:
                # Asking with an offset confirms every update before it (Telegram forgets them).
                updates[:] = [u for u in updates if u["update_id"] >= offset]
                while not updates and time.time() < deadline:
                    lock.wait(deadline - time.time())
                result = list(updates)
            return self.answer(200, {"ok": True, "result": result})
        return self.fail(404, "Not Found: method not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"READY {server.server_address[1]}", flush=True)
sys.stdin.read()
server.shutdown()
