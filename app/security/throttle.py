"""Login throttling: failed logins counted per account and per client address.

The web form and the API's login share these counters, so a password guesser gains nothing by
switching from one to the other. Only failures count: thirty agents of one town hall behind the
same address log in every morning without locking each other out, while a guesser's address is
stopped after a few dozen tries and an account after a handful, whatever address they come from.

Counters live where RATELIMIT_STORAGE_URI says: the Redis of REDIS_URL in production (shared by
every gunicorn worker), or the process's memory on a laptop.
"""
import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


def normalise_login(username) -> str:
    """Logins are matched case-insensitively (FAB finds accounts by username or e-mail)."""
    return str(username or "").strip().lower()


@dataclass
class LoginThrottle:
    storage_uri: str
    per_account: str
    per_address: str

    def __post_init__(self):
        self.storage = storage_from_string(self.storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._limits = (("account", parse(self.per_account)),
                        ("address", parse(self.per_address)))

    def _keys(self, username, address):
        values = {"account": normalise_login(username), "address": address or "unknown"}
        return [(limit, "marelle-login", kind, values[kind]) for kind, limit in self._limits
                if values[kind]]

    def retry_after(self, username, address) -> int:
        """Seconds until this login may be tried again; 0 when it may be tried now."""
        wait = 0
        try:
            for limit, *identifiers in self._keys(username, address):
                if not self.limiter.test(limit, *identifiers):
                    reset = self.limiter.get_window_stats(limit, *identifiers).reset_time
                    wait = max(wait, int(reset - time.time()) + 1, 1)
        except Exception:  # noqa: BLE001  (an unreachable Redis must not lock every user out)
            log.exception("login throttle storage unavailable: login attempts are not limited")
        return wait

    def failed(self, username, address) -> None:
        try:
            for limit, *identifiers in self._keys(username, address):
                self.limiter.hit(limit, *identifiers)
        except Exception:  # noqa: BLE001
            log.exception("login throttle storage unavailable: a failed login was not counted")


def login_throttle(app=None):
    """The app's throttle, or None when login throttling is switched off (AUTH_RATE_LIMITED)."""
    app = app or current_app
    config = app.config
    if not config.get("AUTH_RATE_LIMITED"):
        return None
    settings = (config["RATELIMIT_STORAGE_URI"], config["AUTH_RATE_LIMIT"],
                config["AUTH_RATE_LIMIT_PER_ADDRESS"])
    throttle = app.extensions.get("marelle_login_throttle")
    if throttle is None or (throttle.storage_uri, throttle.per_account,
                            throttle.per_address) != settings:
        throttle = app.extensions["marelle_login_throttle"] = LoginThrottle(*settings)
    return throttle
