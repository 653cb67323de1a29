#!/usr/bin/env python3
"""A Web Push endpoint on loopback, standing in for a browser's push service (which the test
machines cannot reach), that holds a subscription as a browser would and decrypts what it is sent.

Usage: push_endpoint.py OUT_DIR; prints "READY <port>" when listening, stops when stdin closes.
- GET /subscribe: a new subscription, as PushSubscription.toJSON() gives it: endpoint and keys.
- POST /push/<id>: checks the request as RFC 8030/8291/8292 require (aes128gcm, TTL, a VAPID
  token signed with the key it names, for this origin, not expired), decrypts the body with the
  subscription's private key (http_ece, an implementation independent of Congvu's) and writes
  NNNNN.json with the payload and headers; answers 201 with a Location. A Topic seen before
  replaces that message (as push services do): the file is rewritten, not added.
- POST /push/gone: 410, the answer for a subscription the browser dropped.
"""
import base64, json, os, sys, threading, time

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

out = sys.argv[1]
subs, lock, count, topics = {}, threading.Lock(), [0], {}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, each answer waits out a delayed ACK (40 ms).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/subscribe":
            return self.answer(404)
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        with lock:
            sid = str(len(subs) + 1)
            subs[sid] = (key, auth)
        public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        host = self.headers["Host"]
        body = json.dumps({"endpoint": f"http://{host}/push/{sid}", "keys": {"p256dh": b64u(public), "auth": b64u(auth)}}).encode()
        self.answer(200, body, [("Content-Type", "application/json")])

    def refuse(self, why):
        self.answer(400, why.encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        sid = self.path.rsplit("/", 1)[-1]
        if sid == "gone":
            return self.answer(410, b"push subscription has unsubscribed or expired")
        if sid not in subs:
            return self.answer(404)
        if self.headers.get("Content-Encoding") != "aes128gcm":
            return self.refuse("Content-Encoding must be aes128gcm")
        if not (self.headers.get("TTL") or "").isdigit():
            return self.refuse("TTL is required")
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("vapid "):
            return self.answer(401, b"VAPID required")
        params = dict(p.strip().split("=", 1) for p in auth[6:].split(","))
        token, k = params.get("t", ""), params.get("k", "")
        try:
            head, claims, sig = token.split(".")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(k))
            raw = unb64u(sig)
            public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                          f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            return self.answer(403, b"VAPID signature does not verify")
        header, claim = json.loads(unb64u(head)), json.loads(unb64u(claims))
        if header.get("alg") != "ES256":
            return self.answer(403, b"alg must be ES256")
        if claim.get("aud") != f"http://{self.headers['Host']}":
            return self.answer(403, f"aud {claim.get('aud')} is not this push service".encode())
        if not (time.time() < claim.get("exp", 0) <= time.time() + 24 * 3600):
            return self.answer(403, b"exp must be within 24 hours")
        if not str(claim.get("sub", "")).startswith(("mailto:", "https://")):
            return self.answer(403, b"sub must be mailto: or https:")
        key, secret = subs[sid]
        try:
            payload = http_ece.decrypt(body, private_key=key, auth_secret=secret, version="aes128gcm")
        except Exception as e:  # noqa: BLE001 - any failure to decrypt is the sender's
            return self.refuse(f"cannot decrypt: {e}")
        topic = self.headers.get("Topic")
        with lock:
            if topic and topic in topics:
                n = topics[topic]
            else:
                count[0] += 1
                n = count[0]
                if topic:
                    topics[topic] = n
        record = {"subscription": sid, "payload": json.loads(payload), "topic": topic, "urgency": self.headers.get("Urgency"),
                  "ttl": int(self.headers["TTL"]), "vapid_sub": claim["sub"], "vapid_k": k, "posts": 1}
        path = os.path.join(out, f"{n:05d}.json")
        if os.path.exists(path):
            record["posts"] = json.load(open(path))["posts"] + 1
        with open(path, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        self.answer(201, b"", [("Location", f"http://{self.headers['Host']}/message/{n}")])


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"READY {server.server_address[1]}", flush=True)
sys.stdin.read()
server.shutdown()
