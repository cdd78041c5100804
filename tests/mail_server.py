"""A real SMTP server for tests (aiosmtpd on a free local port), collecting what it receives.

Use the `smtp_server` fixture of tests/conftest.py: it points the app's MAIL_* settings at this
server for the test and empties its mailbox.

    def test_invitation(smtp_server, ...):
        ...  # something queues an e-mail, then commits
        message = smtp_server.last_to("parent@example.fr")
        assert message.subject == "..." and "..." in message.html
        link = message.links()[0]

`refuse(address)` makes the server answer 550 to that recipient, `defer(address)` 451."""
import re
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"']+")


def free_port() -> int:
    """A local port nobody listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refused:
            return "550 5.1.1 Mailbox unavailable: user unknown"
        if address.lower() in self.server.deferred:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                                 message))
        return "250 Message accepted for delivery"


class Received:
    """One e-mail the server received: envelope and parsed message."""

    def __init__(self, mail_from, rcpt_tos, message):
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.message = message

    def __getitem__(self, header):
        return self.message[header]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        """The text of the "plain" or "html" part ("" when there is none)."""
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return ""
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def links(self) -> list:
        """The web addresses in the plain-text part, in order."""
        return LINK.findall(self.text)


class SmtpServer:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = free_port()
        self.received = []
        self.refused = set()
        self.deferred = set()
        self.lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def clear(self):
        with self.lock:
            self.received.clear()
        self.refused.clear()
        self.deferred.clear()

    def refuse(self, address: str):
        """Answer 550 (permanent) to this recipient."""
        self.refused.add(address.lower())

    def defer(self, address: str):
        """Answer 451 (try again later) to this recipient."""
        self.deferred.add(address.lower())

    @property
    def messages(self) -> list:
        with self.lock:
            return list(self.received)

    def to(self, address: str) -> list:
        address = address.lower()
        return [m for m in self.messages if address in (r.lower() for r in m.rcpt_tos)]

    def last_to(self, address: str) -> Received:
        received = self.to(address)
        assert received, f"no e-mail received for {address}"
        return received[-1]

    def settings(self) -> dict:
        """The app's MAIL_* settings that send to this server."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_SECURITY": "none",
                "MAIL_USERNAME": None, "MAIL_PASSWORD": None, "MAIL_TIMEOUT": 5}
