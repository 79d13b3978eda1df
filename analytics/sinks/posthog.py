"""The PostHog sink: product analytics to the operator's own PostHog, when consented.

* One client per process, created on first use and re-created when the process id
  changes, so a client built before gunicorn forks (``--preload``) is never shared.
* A request only decides (consent, the user's hash, flags) and puts the event on a
  bounded hand-off queue; one thread per process hands it to the SDK (whose own work per
  event, its system context and checks, is then off the request's path), and the SDK's
  thread uploads. When a queue is full or PostHog is down, events are dropped and counted
  in ``<prefix>_events_dropped_total{sink="posthog"}``. A request never waits.
* ``before_send`` is the last gate: the event must be declared and outbound, its
  properties must be declared with valid values, everything else (``$ip``, the SDK's OS
  and Python details, ...) is stripped, and GeoIP is disabled.
* ``distinct_id`` is a keyed hash of the user's primary key (:mod:`analytics.identity`).
* Person properties are sent only from the declared allowlist, once per user and process.
* Groups (``ANALYTICS_GROUP_PROVIDER``): every event carries ``$groups`` with a random
  key (a UUID or a keyed hash, never a host name); the group's declared properties go out
  with ``$groupidentify`` when their hash changes, so once per process unless they change.
* Experiments (``ANALYTICS_FEATURE_PROVIDER``): events of a user carry
  ``$feature/<flag>`` (true or false) for the declared rollout and experiment flags, as
  that user saw them; evaluated once per request and user.
* Every upload is written to the outbound ledger (:mod:`analytics.ledger`): the SDK's
  ``posthog.request.post`` is wrapped to read the body's size on the wire, the status and
  the batch's length, never the body itself.

PostHog's ``PosthogContextMiddleware`` is deliberately not used: it would add the user's
e-mail address, IP address and full URL to every event.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import queue
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics import conf, consent, context, identity, metrics
from analytics.catalogue import EventError, catalogue
from analytics.context import ActorId

if TYPE_CHECKING:
    from analytics.bus import Event

logger = logging.getLogger("analytics.posthog")

SINK = "posthog"
# Set by the SDK; harmless and needed for ingestion. Everything else it adds is dropped.
PROTOCOL_PROPERTIES = frozenset(
    {"$lib", "$lib_version", "$geoip_disable", "$process_person_profile"}
)
MESSAGE_KEYS = ("event", "distinct_id", "properties", "timestamp", "uuid")
# Our keyed hash, or the random UUID the SDK uses for an event without a user.
DISTINCT_ID = re.compile(
    r"^(?:[0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
PERSON_CACHE_SIZE = 10_000
GROUP_IDENTIFY = "$groupidentify"
# $feature/<flag>: flag names as apps declare them in code (never typed by a user).
FEATURE_PREFIX = "$feature/"
FEATURE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
# Where the features of a request are cached (on the HttpRequest, per actor).
FEATURES_ATTRIBUTE = "_analytics_features"

_rejected: ContextVar[bool] = ContextVar("analytics_posthog_rejected", default=False)


def _reject(reason: str) -> None:
    metrics.dropped(sink=SINK, reason=reason)
    _rejected.set(True)


def _person(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    declared = catalogue.person_properties
    return {
        key: item for key, item in value.items() if key in declared and declared[key].accepts(item)
    }


def _groups(value: object) -> dict[str, str] | None:
    """Declared group types with random keys, or None when anything else is in there."""
    if not isinstance(value, dict) or not value:
        return None
    for group_type, key in value.items():
        if catalogue.get_group(group_type) is None or not DISTINCT_ID.fullmatch(str(key)):
            return None
    return {str(group_type): str(key) for group_type, key in value.items()}


def _feature(key: str, value: object) -> bool:
    name = key.removeprefix(FEATURE_PREFIX)
    return key != name and FEATURE_NAME.fullmatch(name) is not None and isinstance(value, bool)


def _before_send_group_identify(msg: dict[str, Any]) -> dict[str, Any] | None:
    source = msg.get("properties") or {}
    group = catalogue.get_group(source.get("$group_type"))
    key = str(source.get("$group_key") or "")
    if group is None or not DISTINCT_ID.fullmatch(key):
        _reject("unknown_group")
        return None
    if msg.get("distinct_id") != f"${group.name}_{key}":
        _reject("distinct_id")
        return None
    group_set = source.get("$group_set")
    if not isinstance(group_set, dict) or set(group_set) != set(group.properties):
        _reject("invalid_properties")
        return None
    if not all(group.properties[name].accepts(value) for name, value in group_set.items()):
        _reject("invalid_properties")
        return None
    properties: dict[str, Any] = {
        key_: value for key_, value in source.items() if key_ in PROTOCOL_PROPERTIES
    }
    properties.update({"$group_type": group.name, "$group_key": key, "$group_set": dict(group_set)})
    properties["$geoip_disable"] = True
    cleaned = {name: msg[name] for name in MESSAGE_KEYS if name in msg}
    cleaned["properties"] = properties
    return cleaned


def before_send(msg: dict[str, Any]) -> dict[str, Any] | None:
    """Enforce the catalogue on the final payload; ``None`` drops the event."""
    if msg.get("event") == GROUP_IDENTIFY:
        return _before_send_group_identify(msg)
    try:
        event_type = catalogue.get(msg.get("event"))  # type: ignore[arg-type]
    except EventError:
        _reject("unknown_event")
        return None
    if not event_type.outbound:
        _reject("local_only")
        return None
    if not DISTINCT_ID.fullmatch(str(msg.get("distinct_id") or "")):
        _reject("distinct_id")
        return None
    properties: dict[str, Any] = {}
    for key, value in (msg.get("properties") or {}).items():
        declared = event_type.properties.get(key)
        if declared is not None:
            if not (declared.accepts(value) or (value is None and declared.optional)):
                _reject("invalid_properties")
                return None
            properties[key] = value
        elif key in PROTOCOL_PROPERTIES:
            properties[key] = value
        elif key == "$set":
            person = _person(value)
            if person:
                properties["$set"] = person
        elif key == "$groups":
            groups = _groups(value)
            if groups is None:
                _reject("invalid_groups")
                return None
            properties["$groups"] = groups
        elif key.startswith(FEATURE_PREFIX):
            if not _feature(key, value):
                _reject("invalid_features")
                return None
            properties[key] = value
        # Anything else, including $ip and the SDK's system context, is left behind.
    properties["$geoip_disable"] = True
    cleaned = {key: msg[key] for key in MESSAGE_KEYS if key in msg}
    cleaned["properties"] = properties
    return cleaned


def _on_error(error: Exception, batch: list[Any]) -> None:
    # Called by the SDK's upload thread once retries are exhausted; the batch is gone.
    metrics.dropped(sink=SINK, reason="upload_failed", count=len(batch))


@dataclass(frozen=True)
class _Config:
    api_key: str
    host: str
    max_queue_size: int
    flush_at: int
    flush_interval: float
    timeout: float
    max_retries: int
    gzip: bool

    @classmethod
    def current(cls) -> _Config:
        return cls(
            api_key=conf.posthog_api_key(),
            host=conf.posthog_host(),
            max_queue_size=int(conf.get("POSTHOG_MAX_QUEUE_SIZE")),
            flush_at=int(conf.get("POSTHOG_FLUSH_AT")),
            flush_interval=float(conf.get("POSTHOG_FLUSH_INTERVAL")),
            timeout=float(conf.get("POSTHOG_TIMEOUT")),
            max_retries=int(conf.get("POSTHOG_MAX_RETRIES")),
            gzip=bool(conf.get("POSTHOG_GZIP")),
        )


@dataclass
class _State:
    pid: int
    config: _Config
    client: Any
    person_sent: OrderedDict[str, None]
    # The group provider's last answer, when it was asked, and the hash last identified.
    groups: dict[str, str] = field(default_factory=dict)
    groups_checked_at: float | None = None
    group_sent_hash: dict[tuple[str, str], str] = field(default_factory=dict)


_lock = threading.Lock()
_state: _State | None = None
_exit_hook_registered = False


_lock_hook = threading.Lock()


def _ledger_post(original: Any) -> Any:
    """Wrap the SDK's ``posthog.request.post``: every upload goes into the outbound ledger.

    Only sizes are read: the body's length as it went on the wire (gzip-compressed when it
    was) from the prepared request, the number of events in the batch, the status.
    """

    def post(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        host = kwargs.get("host", args[1] if len(args) > 1 else None)
        batch = kwargs.get("batch")
        try:
            response = original(*args, **kwargs)
        except Exception as exc:
            _record_upload(host, getattr(exc, "request", None), None, batch, started)
            raise
        _record_upload(host, response.request, response.status_code, batch, started)
        return response

    post.__wrapped__ = original  # type: ignore[attr-defined]
    post._analytics_ledger = True  # type: ignore[attr-defined]
    return post


def _record_upload(host: Any, request: Any, status: int | None, batch: Any, started: float) -> None:
    try:
        from analytics import ledger

        ledger.record(
            stream="posthog",
            url=str(host or conf.posthog_host()),
            body_bytes=ledger.body_size(getattr(request, "body", None)),
            http_status=status,
            events=len(batch) if isinstance(batch, list) else 0,
            duration_ms=int((time.monotonic() - started) * 1000),
            # Uploads run in the SDK's threads (its consumer, or the thread that shuts a
            # client down): the row is written later by drain(), from a request's thread.
            background=True,
        )
    except Exception:
        logger.exception("outbound ledger: cannot record a PostHog upload")


def install_ledger_hook() -> None:
    """Route the SDK's uploads through :func:`_ledger_post` (idempotent)."""
    from posthog import request

    with _lock_hook:
        if not getattr(request.post, "_analytics_ledger", False):
            request.post = _ledger_post(request.post)


def _new_client(config: _Config) -> Any:
    from posthog import Posthog  # imported on first use: most processes never need it

    install_ledger_hook()
    return Posthog(
        config.api_key,
        host=config.host,
        disable_geoip=True,
        before_send=before_send,
        on_error=_on_error,
        max_queue_size=config.max_queue_size,
        flush_at=config.flush_at,
        flush_interval=config.flush_interval,
        timeout=config.timeout,
        max_retries=config.max_retries,
        gzip=config.gzip,
        # The legacy /batch/ protocol, whatever POSTHOG_CAPTURE_MODE says.
        capture_mode="v0",
        enable_local_evaluation=False,
        enable_exception_autocapture=False,
    )


_retiring: list[threading.Thread] = []


def _retire(client: Any) -> None:
    """Shut a replaced client down without making anyone wait for its uploads."""
    thread = threading.Thread(target=client.shutdown, name="posthog-retire", daemon=True)
    thread.start()
    _retiring[:] = [t for t in _retiring if t.is_alive()] + [thread]


def join_retired(*, timeout: float) -> None:
    """Wait (up to ``timeout`` in all) for replaced clients to finish their last uploads."""
    deadline = time.monotonic() + timeout
    for thread in list(_retiring):
        thread.join(max(0.0, deadline - time.monotonic()))


def _current_state() -> _State:
    global _state
    config = _Config.current()
    pid = os.getpid()
    state = _state
    if state is not None and state.pid == pid and state.config == config:
        return state
    with _lock:
        state = _state
        if state is not None and state.pid == pid and state.config == config:
            return state
        if state is not None and state.pid == pid:
            _retire(state.client)
        # A client inherited across fork() belongs to the parent: its threads did not
        # survive, and its queue must not be shared. This process gets its own.
        _state = _State(
            pid=pid, config=config, client=_new_client(config), person_sent=OrderedDict()
        )
        _register_exit_flush()
        return _state


def get_client() -> Any:
    """This process's PostHog client for the current settings (created lazily)."""
    return _current_state().client


def _existing_client() -> Any | None:
    state = _state
    if state is None or state.pid != os.getpid():
        return None
    return state.client


def reset() -> None:
    """Forget this process's client (tests, settings changes); it drains in the background."""
    global _state
    with _lock:
        state, _state = _state, None
    if state is not None and state.pid == os.getpid():
        _retire(state.client)


def _flush_at_exit() -> None:
    # Management commands and workers exit right after their last event: deliver first.
    drain_handoff(timeout=float(conf.get("POSTHOG_EXIT_FLUSH_TIMEOUT")))
    client = _existing_client()
    if client is not None:
        client.flush(timeout_seconds=float(conf.get("POSTHOG_EXIT_FLUSH_TIMEOUT")))
        from analytics import ledger

        ledger.drain()


def _register_exit_flush() -> None:
    global _exit_hook_registered
    if not _exit_hook_registered:
        # Registered after the SDK's own hook, so it runs before it (atexit is LIFO).
        atexit.register(_flush_at_exit)
        _exit_hook_registered = True


def _person_properties(state: _State, user_id: ActorId, distinct_id: str) -> dict[str, Any]:
    """The user's declared person properties, the first time this process sees them."""
    provider = catalogue.person_provider
    if provider is None or not isinstance(user_id, int):
        return {}
    with _lock:  # threaded workers share the process's bookkeeping
        if distinct_id in state.person_sent:
            return {}
        state.person_sent[distinct_id] = None
        if len(state.person_sent) > PERSON_CACHE_SIZE:
            state.person_sent.popitem(last=False)
    try:
        return catalogue.clean_person_properties(provider(user_id))
    except Exception:
        # The event is worth sending without them.
        logger.exception("analytics person-properties provider failed")
        return {}


def _group_answer(answer: Any) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The provider's ``({type: key}, properties)`` checked against the catalogue.

    With one group type the properties may be given flat; with several, per type.
    """
    if answer is None:
        return {}, {}
    pair: tuple[Any, Any] = tuple(answer)
    groups_value: Any = pair[0]
    properties: Any = pair[1] or {}
    groups = _groups(groups_value)
    if groups is None:
        raise ValueError("the group provider returned an undeclared type or a non-random key")
    per_type = isinstance(properties, Mapping) and set(properties) <= set(groups)
    if len(groups) == 1 and not per_type:
        properties = {next(iter(groups)): properties}
    cleaned: dict[str, dict[str, Any]] = {}
    for group_type in groups:
        group = catalogue.get_group(group_type)
        values = properties.get(group_type)
        if group is not None and values is not None:
            cleaned[group_type] = group.clean(values)
    return groups, cleaned


def _hash(values: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def _current_groups(state: _State) -> dict[str, str]:
    """This process's groups; their properties are identified when they changed."""
    provider = conf.group_provider()
    if provider is None:
        return {}
    now = time.monotonic()
    with _lock:
        checked = state.groups_checked_at
        if checked is not None and now - checked < conf.group_refresh_seconds():
            return state.groups
        state.groups_checked_at = now
    try:
        groups, properties = _group_answer(provider())
    except Exception:
        logger.exception("analytics group provider failed; events go without groups")
        groups, properties = {}, {}
    to_identify: list[tuple[str, str, dict[str, Any], str]] = []
    with _lock:
        state.groups = groups
        for group_type, values in properties.items():
            key = groups[group_type]
            digest = _hash(values)
            if state.group_sent_hash.get((group_type, key)) != digest:
                state.group_sent_hash[(group_type, key)] = digest
                to_identify.append((group_type, key, values, digest))
    for group_type, key, values, _digest in to_identify:
        state.client.group_identify(
            group_type,
            key,
            properties=values,
            distinct_id=f"${group_type}_{key}",
            disable_geoip=True,
        )
    return groups


def _features(actor_id: ActorId) -> dict[str, bool]:
    """``$feature/<flag>`` properties for this actor, once per request and actor."""
    provider = conf.feature_provider()
    if provider is None:
        return {}
    ctx = context.current()
    request = ctx.request if ctx is not None else None
    cache: dict[ActorId, dict[str, bool]] | None = None
    if request is not None:
        cache = request.__dict__.setdefault(FEATURES_ATTRIBUTE, {})
        if actor_id in cache:
            return cache[actor_id]
    try:
        found = provider(request, actor_id) or {}
        features = {
            FEATURE_PREFIX + str(name): value
            for name, value in dict(found).items()
            if FEATURE_NAME.fullmatch(str(name)) and isinstance(value, bool)
        }
    except Exception:
        logger.exception("analytics feature provider failed; the event goes without flags")
        features = {}
    if cache is not None:
        cache[actor_id] = features
    return features


@dataclass(frozen=True)
class _Capture:
    """An event as the request decided it, for the hand-off thread to give the SDK."""

    state: _State
    name: str
    distinct_id: str | None
    properties: dict[str, Any]
    timestamp: Any
    groups: dict[str, str]

    def run(self) -> None:
        token = _rejected.set(False)
        try:
            queued = self.state.client.capture(
                self.name,
                distinct_id=self.distinct_id,
                properties=self.properties,
                timestamp=self.timestamp,
                groups=self.groups or None,
                disable_geoip=True,
            )
            rejected = _rejected.get()
        finally:
            _rejected.reset(token)
        if queued is None and not rejected:
            metrics.dropped(sink=SINK, reason="queue_full")


@dataclass(frozen=True)
class _Handoff:
    pid: int
    queue: queue.Queue[_Capture]
    thread: threading.Thread


_handoff: _Handoff | None = None


def _run_handoff(captures: queue.Queue[_Capture]) -> None:
    while True:
        capture = captures.get()
        try:
            capture.run()
        except Exception:
            logger.exception("analytics PostHog hand-off failed on %s", capture.name)
            metrics.dropped(sink=SINK, reason="error")
        finally:
            captures.task_done()


def _handoff_queue() -> queue.Queue[_Capture]:
    """This process's hand-off queue and its thread (started on first use and again in
    a forked child, whose parent's thread did not survive the fork)."""
    global _handoff
    handoff = _handoff
    pid = os.getpid()
    if handoff is not None and handoff.pid == pid and handoff.thread.is_alive():
        return handoff.queue
    with _lock:
        handoff = _handoff
        if handoff is None or handoff.pid != pid or not handoff.thread.is_alive():
            captures: queue.Queue[_Capture] = queue.Queue(
                maxsize=max(1, int(conf.get("POSTHOG_MAX_QUEUE_SIZE")))
            )
            thread = threading.Thread(
                target=_run_handoff, args=(captures,), name="posthog-handoff", daemon=True
            )
            thread.start()
            handoff = _handoff = _Handoff(pid=pid, queue=captures, thread=thread)
            _register_exit_flush()
        return handoff.queue


def drain_handoff(*, timeout: float) -> None:
    """Wait (up to ``timeout``) until the hand-off thread has given every event queued so
    far to the SDK."""
    handoff = _handoff
    if handoff is None or handoff.pid != os.getpid():
        return
    deadline = time.monotonic() + timeout
    done = handoff.queue.all_tasks_done
    with done:
        while handoff.queue.unfinished_tasks:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not handoff.thread.is_alive():
                return
            done.wait(remaining)


class PostHogSink:
    name = SINK

    def handle(self, event: Event) -> None:
        if not event.outbound or not consent.posthog().allowed:
            return
        state = _current_state()
        properties: dict[str, Any] = dict(event.properties)
        distinct_id: str | None = None
        if event.actor_id is not None:
            distinct_id = identity.distinct_id(event.actor_id)
            person = _person_properties(state, event.actor_id, distinct_id)
            if person:
                properties["$set"] = person
            properties.update(_features(event.actor_id))
        groups = _current_groups(state)
        capture = _Capture(state, event.name, distinct_id, properties, event.timestamp, groups)
        try:
            _handoff_queue().put_nowait(capture)
        except queue.Full:
            metrics.dropped(sink=SINK, reason="queue_full")

    def flush(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        drain_handoff(timeout=timeout)
        client = _existing_client()
        if client is not None:
            client.flush(timeout_seconds=max(0.0, deadline - time.monotonic()))
        from analytics import ledger

        ledger.drain()
