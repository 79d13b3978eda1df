"""Settings of the app servers the tests start (``tests/servers.py``): the real ones, but
a fast password hasher.

The production hasher is slow on purpose (about half a second of CPU a password); the
brute-force tests send dozens of passwords, and what they prove (lockouts, throttles,
which address is counted) does not depend on the hash. The in-process suite uses the
same hasher (``conftest.py``).
"""

from __future__ import annotations

from timetracker.settings import *  # noqa: F403 (the real settings, one change below)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
