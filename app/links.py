"""Addresses of Marelle that leave the site in e-mails (invitations, password links).

They are built from the configured public address, PUBLIC_URL, never from the request's Host
header: whoever sends a request chooses that header, and a password link pointing at their own
server would hand them its token. Without PUBLIC_URL only a request made on the machine itself
(`make run`, tests) may give its address; anywhere else nothing is sent and staff are told why.
"""
import re

from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _

from app.services import RuleViolation

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PORT = re.compile(r":\d+$")


def _requested_host() -> str:
    return PORT.sub("", request.host).strip("[]").lower()


def external_url(endpoint: str, **values) -> str:
    # The path alone (a job, without a request, builds it from the URL map).
    path = url_for(endpoint, **values) if has_request_context() \
        else current_app.url_map.bind("").build(endpoint, values)
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context() and _requested_host() in LOOPBACK:
        return request.host_url.rstrip("/") + path
    raise RuleViolation(_("The site's public address (PUBLIC_URL) is not configured: no link "
                          "can be e-mailed. Ask the person who installed Marelle."))
