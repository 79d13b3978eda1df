from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """A user's subscribable calendar feed: only a SHA-256 digest of its secret is stored.

    One per user; making a new one replaces the old (whose URL stops working at once), and
    revoking deletes it. The secret itself is shown once, when it is made.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"
