"""Login throttling: failed logins counted per account and per address.

Counts live in Django's cache (Redis, shared by every web process) with a window of
LOGIN_LOCKOUT_SECONDS from the first failure: past LOGIN_FAILURE_LIMIT failures for one
account, or LOGIN_ADDRESS_FAILURE_LIMIT from one address, the form refuses to check
passwords (even a right one) until the window ends. A success clears its account's count.
Cache-based counting rather than django-axes: the counters expire by themselves (no table
to prune), every authenticate() call keeps working without a request (tests, commands),
and the rule is a screenful of code. While Redis is down the throttle lets logins through
and logs it: losing the throttle for a moment beats locking everyone out.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
KEY_PREFIX = "login-failures"


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:account:{digest}"


def _address_key(address: str) -> str:
    return f"{KEY_PREFIX}:address:{address}"


def lockout_message() -> str:
    minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
    return (f"Too many failed logins for this account or from this address. Logging in is paused: "
            f"try again in {minutes} minutes.")


def is_locked(username: str, address: str) -> bool:
    try:
        counts = cache.get_many([_account_key(username), _address_key(address)])
    except Exception:  # noqa: BLE001 - see the module docstring
        logger.warning("login throttle unavailable (cache error); letting the attempt through", exc_info=True)
        return False
    return (counts.get(_account_key(username), 0) >= settings.LOGIN_FAILURE_LIMIT
            or counts.get(_address_key(address), 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT)


def record_failure(username: str, address: str) -> None:
    try:
        for key in (_account_key(username), _address_key(address)):
            # add() starts the window; incr() keeps it (it does not touch the expiry).
            cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            cache.incr(key)
    except Exception:  # noqa: BLE001
        logger.warning("login throttle unavailable (cache error); failure not counted", exc_info=True)


def clear(username: str = "", address: str = "") -> None:
    """Forget the failures of an account (after a success) and, when given, of an address."""
    keys = [_account_key(username)] if username else []
    keys += [_address_key(address)] if address else []
    try:
        cache.delete_many(keys)
    except Exception:  # noqa: BLE001
        logger.warning("login throttle unavailable (cache error)", exc_info=True)
