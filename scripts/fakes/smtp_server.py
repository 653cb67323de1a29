#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for Congvu's e-mail channel tests, on loopback.

Requires STARTTLS before AUTH, accepts one user, refuses recipients at refused.example with 550,
and writes a JSON summary of each message, parsed by Python's own e-mail parser, to OUT_DIR.
Usage: smtp_server.py OUT_DIR USER PASSWORD; prints "READY <port> <cert.pem>" when listening.
"""
import asyncio, email, email.policy, json, os, ssl, subprocess, sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out, user, password = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
cert, key = os.path.join(out, "cert.pem"), os.path.join(out, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
               check=True, capture_output=True)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class Handler:
    count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        summary = {
            "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None, "auth": session.authenticated,
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "from": str(message["From"]), "to": str(message["To"]), "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]), "date": str(message["Date"]),
            "auto_submitted": str(message["Auto-Submitted"]),
            "defects": [type(d).__name__ for d in message.defects],
            "text": text.get_content() if text else None, "html": html.get_content() if html else None,
        }
        with open(os.path.join(out, f"{Handler.count:05d}.json"), "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False)
        return f"250 2.0.0 queued as {Handler.count}"


controller = Controller(Handler(), hostname="127.0.0.1", port=0, tls_context=context, require_starttls=True,
                        authenticator=authenticate, auth_require_tls=True, auth_exclude_mechanism=["LOGIN"])
# aiosmtpd 1.4 has no port 0: find a free one first.
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
controller.port = port
controller.start()
print(f"READY {port} {cert}", flush=True)
try:
    sys.stdin.read()  # runs until the test closes our stdin
finally:
    controller.stop()
