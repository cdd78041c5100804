"""Login throttling: failed logins counted per account and per client address; and the same
counters for « mot de passe oublié », where every request counts.

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
    namespace: str = "marelle-login"

    def __post_init__(self):
        self.storage = storage_from_string(self.storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._limits = (("account", parse(self.per_account)),
                        ("address", parse(self.per_address)))

    def _keys(self, username, address):
        values = {"account": normalise_login(username), "address": address or "unknown"}
        return [(limit, self.namespace, kind, values[kind]) for kind, limit in self._limits
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


    def hit(self, username, address) -> int:
        """Count one request (all count, not only failures); the seconds to wait when it goes
        over a limit, 0 when it may go on."""
        try:
            over = [limit_and_keys for limit_and_keys in self._keys(username, address)
                    if not self.limiter.hit(*limit_and_keys)]
        except Exception:  # noqa: BLE001  (an unreachable Redis must not block everyone)
            log.exception("throttle storage unavailable: %s is not limited", self.namespace)
            return 0
        if not over:
            return 0
        wait = 1
        for limit, *identifiers in over:
            reset = self.limiter.get_window_stats(limit, *identifiers).reset_time
            wait = max(wait, int(reset - time.time()) + 1)
        return wait


def _throttle(app, switch, account_limit, address_limit, namespace):
    app = app or current_app
    config = app.config
    if not config.get(switch):
        return None
    settings = (config["RATELIMIT_STORAGE_URI"], config[account_limit], config[address_limit],
                namespace)
    key = namespace.replace("-", "_") + "_throttle"
    throttle = app.extensions.get(key)
    if throttle is None or (throttle.storage_uri, throttle.per_account, throttle.per_address,
                            throttle.namespace) != settings:
        throttle = app.extensions[key] = LoginThrottle(*settings)
    return throttle


def login_throttle(app=None):
    """The app's throttle, or None when login throttling is switched off (AUTH_RATE_LIMITED)."""
    return _throttle(app, "AUTH_RATE_LIMITED", "AUTH_RATE_LIMIT", "AUTH_RATE_LIMIT_PER_ADDRESS",
                     "marelle-login")


def recovery_throttle(app=None):
    """« Mot de passe oublié » requests per typed login or e-mail and per address (staff and
    portal share it), or None when switched off (PASSWORD_RESET_RATE_LIMITED)."""
    return _throttle(app, "PASSWORD_RESET_RATE_LIMITED", "PASSWORD_RESET_RATE_LIMIT",
                     "PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS", "marelle-recovery")
