"""URLs of the week grid, the calendar and the calendar feed (mounted at the site root)."""

from __future__ import annotations

from django.urls import path

from apps.timesheet import calendar_views, views

app_name = "timesheet"

urlpatterns = [
    path("timesheet/", views.week_grid, name="week"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/entries/<int:pk>/move/", calendar_views.entry_move, name="entry-move"),
    path("calendar/feed/", calendar_views.feed_settings, name="feed"),
    # The secret is in the path; the request log names the route, never the path.
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar-feed"),
]
