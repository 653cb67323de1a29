#!/usr/bin/env python3
"""A fake Zalo Official Account API and OAuth server on loopback for Congvu's tests, checking
requests as developers.zalo.me documents them and answering as Zalo does.

Usage: zalo_api.py OUT_DIR APP_ID APP_SECRET REFRESH_TOKEN; prints "READY <port>", stops when stdin closes.
- POST /v4/oa/access_token (form: refresh_token, app_id, grant_type=refresh_token; header secret_key):
  a refresh token is single-use; the answer carries a new access token, the next refresh token and
  expires_in as a string of seconds. A spent or unknown refresh token gets error -14014.
- POST /v3.0/oa/message/cs and /v3.0/oa/message/transaction (JSON; header access_token): the
  recipient's user_id a string of digits; cs takes message.text (1-2000 characters), transaction a
  template attachment (template_type, language, elements with a header, buttons with an
  oa.open.url). User 213 does not follow the OA (-213); user 230 has not written to it within the
  window (-230). An old or unknown access token gets -216. Accepted messages go to OUT_DIR.
- POST /control/expire: the current access token stops working (as if it expired early).
- GET /control/stats: {"refreshes": n, "spent_reused": n}.
"""
import json, os, sys, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out, app_id, app_secret, first_refresh = sys.argv[1:5]
lock = threading.Lock()
state = {"access": None, "refresh": {first_refresh}, "spent": set(), "n": 0, "sent": 0, "refreshes": 0, "spent_reused": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, each answer waits out a delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, body, status=200):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/control/stats":
            with lock:
                return self.answer({"refreshes": state["refreshes"], "spent_reused": state["spent_reused"]})
        self.answer({"error": -404, "message": "not found"}, 404)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/control/expire":
            with lock:
                state["access"] = None
            return self.answer({"ok": True})
        if self.path == "/v4/oa/access_token":
            if self.headers.get("secret_key") != app_secret:
                return self.answer({"error": -14002, "error_name": "Invalid secret key", "error_description": "secret_key is wrong"})
            if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                return self.answer({"error": -14001, "error_name": "Invalid parameter", "error_description": "form expected"})
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            if form.get("app_id") != app_id or form.get("grant_type") != "refresh_token":
                return self.answer({"error": -14001, "error_name": "Invalid parameter", "error_description": "app_id or grant_type"})
            token = form.get("refresh_token", "")
            with lock:
                if token not in state["refresh"]:
                    if token in state["spent"]:
                        state["spent_reused"] += 1
                    return self.answer({"error": -14014, "error_name": "Invalid refresh token", "error_description": "Refresh token is invalid"})
                state["refresh"].discard(token)
                state["spent"].add(token)
                state["n"] += 1
                state["refreshes"] += 1
                n = state["n"]
                state["access"] = f"AT{n}"
                state["refresh"].add(f"RT{n}")
            return self.answer({"access_token": f"AT{n}", "refresh_token": f"RT{n}", "expires_in": "90000"})
        if self.path in ("/v3.0/oa/message/cs", "/v3.0/oa/message/transaction"):
            with lock:
                current = state["access"]
            if current is None or self.headers.get("access_token") != current:
                return self.answer({"error": -216, "message": "Access token is invalid"})
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                return self.answer({"error": -201, "message": "Parameters are invalid"})
            try:
                body = json.loads(raw)
                user = body["recipient"]["user_id"]
                message = body["message"]
            except (ValueError, KeyError, TypeError):
                return self.answer({"error": -201, "message": "Parameters are invalid"})
            if not isinstance(user, str) or not user.isdigit():
                return self.answer({"error": -201, "message": "user_id is invalid"})
            if self.path.endswith("/cs"):
                text = message.get("text")
                if not isinstance(text, str) or not text.strip() or len(text) > 2000:
                    return self.answer({"error": -201, "message": "text is invalid"})
            else:
                try:
                    p = message["attachment"]["payload"]
                    assert message["attachment"]["type"] == "template" and p["template_type"].startswith("transaction")
                    assert p["language"] in ("VI", "EN") and any(e["type"] == "header" for e in p["elements"])
                    assert all(b["type"] == "oa.open.url" and b["payload"]["url"].startswith("http") and b["title"] for b in p["buttons"])
                except (KeyError, TypeError, AssertionError):
                    return self.answer({"error": -201, "message": "template is invalid"})
            if user == "213":
                return self.answer({"error": -213, "message": "User has not followed the OA"})
            if user == "230":
                return self.answer({"error": -230, "message": "User has not interacted with the OA in the last 7 days"})
            with lock:
                state["sent"] += 1
                n = state["sent"]
            with open(os.path.join(out, f"{n:05d}.json"), "w", encoding="utf-8") as f:
                json.dump(body, f, ensure_ascii=False)
            return self.answer({"data": {"message_id": f"m{n}", "user_id": user}, "error": 0, "message": "Success"})
        self.answer({"error": -404, "message": "not found"}, 404)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"READY {server.server_address[1]}", flush=True)
sys.stdin.read()
server.shutdown()
