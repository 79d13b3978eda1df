"""The fake PostHog and Sentry endpoints, in a process of their own.

They run apart from the load generator so that answering uploads never competes with it
for the interpreter lock (which would add to the latencies it measures). The process
prints one JSON line with the URLs, then answers each ``stats`` line on its standard
input with a JSON line of counts, and ends when its standard input closes.

    python -m bench.fakes
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from analytics.testutils import FakePostHog

    posthog_ok = FakePostHog(mode="ok").start()
    posthog_hang = FakePostHog(mode="hang", hang_seconds=3600).start()
    sentry = FakePostHog(paths=None).start()  # any path: Sentry's envelope endpoint
    try:
        print(
            json.dumps(
                {
                    "posthog_ok": posthog_ok.url,
                    "posthog_hang": posthog_hang.url,
                    "sentry": sentry.url,
                }
            ),
            flush=True,
        )
        for line in sys.stdin:
            if line.strip() == "stats":
                stats = {
                    "posthog_ok_events": len(posthog_ok.events),
                    "posthog_hang_uploads": len(posthog_hang.requests),
                    "sentry_envelopes": len(sentry.requests),
                }
                print(json.dumps(stats), flush=True)
    finally:
        posthog_hang.close()
        posthog_ok.close()
        sentry.close()


if __name__ == "__main__":
    main()
