"""Overdue's Python client: one file, standard library only.

    import overdue
    with overdue.run("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77") as run:   # sends start
        run.step("extract")                    # the run enters a step
        run.progress(300, 1200, "rows")        # progress (resets the stall timer)
        run.log("exported 1,204 rows")         # the run's log
        run.count("processed", 1204)           # the completion report's counts,
        run.warning("3 rows skipped")          # warnings and errors
        run.problem("invoice:123", "VAT id missing")   # a failed unit (docs/behaviour.md)
        ...                                    # success at the end, fail on an exception

The base URL comes from ``base_url=`` or the ``OVERDUE_URL`` environment variable
(default ``http://127.0.0.1:8000``). Monitoring never takes a job down: when Overdue
cannot be reached, a warning goes to stderr and the job goes on (``strict=True`` raises
instead).
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

__all__ = ["ping", "problems", "resolve", "run", "Run", "OverdueError"]

SEVERITIES = ("info", "warning", "error", "critical")
CHUNK = 1000

SIGNALS = {"success": "", "start": "/start", "fail": "/fail", "warn": "/warn", "log": "/log"}


class OverdueError(Exception):
    """Overdue could not be reached or answered with an error."""


def _base(base_url):
    base = (base_url or os.environ.get("OVERDUE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"base URL {base!r}: use http://... or https://...")
    return base


def ping(monitor, signal="success", body="", rid=None, base_url=None, timeout=10):
    """Sends one ping. ``monitor`` is a monitor's UUID or ``<ping key>/<slug>``."""
    if signal not in SIGNALS:
        raise ValueError(f"signal {signal!r}: use one of {', '.join(SIGNALS)}")
    _post(monitor, SIGNALS[signal], {"rid": rid} if rid else {}, body, base_url, timeout)


def _problem(p):
    """A problem dict from a dict or a (key, message[, severity]) tuple, checked."""
    if isinstance(p, (tuple, list)):
        p = dict(zip(("key", "message", "severity"), p))
    p = dict(p)
    if not p.get("key"):
        raise ValueError("a problem needs a key, such as 'invoice:123'")
    p.setdefault("severity", "error")
    if p["severity"] not in SEVERITIES:
        raise ValueError(f"severity {p['severity']!r}: use one of {', '.join(SEVERITIES)}")
    return p


def problems(monitor, items, rid=None, base_url=None, timeout=10):
    """Reports failed units of ``monitor``: dicts ``{"key", "severity", "message",
    "details"}`` or ``(key, message[, severity])`` tuples. Sent in requests of at most
    1,000; returns the summed answer (``opened``, ``repeated``, ``open``, ...)."""
    items = [_problem(p) for p in items]
    total = {}
    for i in range(0, len(items), CHUNK):
        answer = _post(monitor, "/problems", {"rid": rid} if rid else {},
                       json.dumps(items[i:i + CHUNK]), base_url, timeout,
                       content_type="application/json")
        for k, v in json.loads(answer).items():
            total[k] = v if k == "open" else total.get(k, 0) + v
    return total


def resolve(monitor, keys, base_url=None, timeout=10):
    """Resolves the open problems of these keys (the units are fine again)."""
    keys = [str(k) for k in keys]
    total = {"resolved": 0, "not_open": []}
    for i in range(0, len(keys), CHUNK):
        answer = json.loads(_post(monitor, "/resolve", {}, json.dumps(keys[i:i + CHUNK]),
                                  base_url, timeout, content_type="application/json"))
        total["resolved"] += answer["resolved"]
        total["not_open"] += answer["not_open"]
    return total


def flow_event(ping_key, flow, entity, stage, at=None, base_url=None, timeout=10):
    """Tells a flow that ``entity`` reached ``stage`` (at ``at``, a datetime or RFC 3339
    text; default now), by the flow's event URL. Returns whether it moved the entity."""
    parts = _path(ping_key, flow, entity, stage)
    query = {"at": at.isoformat() if hasattr(at, "isoformat") else at} if at else {}
    answer = _request(f"{_base(base_url)}/flow/{parts}", query, "", timeout)
    return json.loads(answer)["applied"]


def flow_events(flow, events, api_key=None, base_url=None, timeout=30):
    """Sends a batch of flow events (dicts ``{"entity", "stage", "at"}``) with a
    read-write API key (``OVERDUE_API_KEY``), in requests of at most 10,000. Returns
    ``{"stored": n, "applied": m}``."""
    key = api_key or os.environ.get("OVERDUE_API_KEY")
    if not key:
        raise ValueError("flow_events needs an API key: api_key=... or OVERDUE_API_KEY")
    events = list(events)
    total = {"stored": 0, "applied": 0}
    url = f"{_base(base_url)}/api/v1/flows/{_path(flow)}/events"
    for i in range(0, len(events), 10_000):
        answer = json.loads(_request(url, {}, json.dumps(events[i:i + 10_000]), timeout,
                                     content_type="application/json",
                                     headers={"X-Api-Key": key}))
        total["stored"] += answer["stored"]
        total["applied"] += answer["applied"]
    return total


def _path(*segments):
    """Path segments, each percent-encoded whole (a ``/``, ``?`` or ``#`` stays inside
    it); a segment of dots only (``..``) is refused, so no text reaches another path."""
    out = []
    for s in segments:
        s = str(s)
        if not s or set(s) == {"."}:
            raise ValueError(f"{s!r} cannot be part of a URL path: give the name or id itself")
        out.append(urllib.parse.quote(s, safe=""))
    return "/".join(out)


def _post(monitor, action, query, body="", base_url=None, timeout=10, content_type=None):
    parts = monitor.strip().strip("/").split("/")
    if len(parts) > 2:
        raise ValueError(f"monitor {monitor!r}: give its UUID or <ping key>/<slug>")
    url = f"{_base(base_url)}/ping/{_path(*parts)}{action}"
    return _request(url, query, body, timeout, content_type)


def _request(url, query, body, timeout, content_type=None, headers=None):
    if query:
        url += "?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST")
    if content_type:
        req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace").strip()
        try:
            text = json.loads(text)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        raise OverdueError(f"Overdue answered {e.code}: {text}") from e
    except (urllib.error.URLError, OSError) as e:
        raise OverdueError(f"Overdue could not be reached: {e}") from e


class Run:
    """One run of a job: ``start`` when entered; success when the block ends, fail
    (with the exception) when it raises. ``success()``, ``warn()`` and ``fail()`` end it
    early."""

    def __init__(self, monitor, base_url=None, strict=False):
        self.monitor = monitor
        self.base_url = base_url
        self.strict = strict
        self.rid = str(uuid.uuid4())
        self.ended = False
        self.counts = {}
        self.warnings = []
        self.errors = []

    def _send(self, action, body="", query=None, content_type=None):
        try:
            _post(self.monitor, action, dict(query or {}, rid=self.rid), body,
                  self.base_url, content_type=content_type)
        except OverdueError as e:
            if self.strict:
                raise
            print(f"overdue: {e} (the job goes on)", file=sys.stderr)

    def log(self, text):
        """Adds text to the run's log."""
        self._send("/log", text)

    def step(self, name):
        """Moves the run into step ``name``."""
        self._send("/step/" + urllib.parse.quote(name, safe=""))

    def progress(self, done, total=None, msg=None):
        """Reports ``done`` of ``total`` units (resets the stall timer)."""
        query = {"done": int(done)}
        if total is not None:
            query["total"] = int(total)
        if msg is not None:
            query["msg"] = msg
        self._send("/progress", query=query)

    def problems(self, items):
        """Reports failed units of this run (see :func:`problems`); returns the answer,
        or None when Overdue could not be reached (unless ``strict``)."""
        try:
            return problems(self.monitor, items, rid=self.rid, base_url=self.base_url)
        except OverdueError as e:
            if self.strict:
                raise
            print(f"overdue: {e} (the job goes on)", file=sys.stderr)
            return None

    def problem(self, key, message="", severity="error", details=None):
        """Reports one failed unit."""
        p = {"key": key, "message": message, "severity": severity}
        if details is not None:
            p["details"] = details
        return self.problems([p])

    def count(self, name, n=1):
        """Adds ``n`` to the completion report's counter ``name``."""
        self.counts[name] = self.counts.get(name, 0) + int(n)

    def warning(self, text):
        """Adds a warning to the completion report."""
        self.warnings.append(str(text))

    def error(self, text):
        """Adds an error to the completion report."""
        self.errors.append(str(text))

    def _end(self, signal, text):
        self.ended = True
        if not (self.counts or self.warnings or self.errors):
            self._send(SIGNALS[signal], text)
            return
        report = {"counts": self.counts, "warnings": self.warnings, "errors": self.errors}
        if text:
            report["log"] = text
        self._send(SIGNALS[signal], json.dumps(report), content_type="application/json")

    def success(self, text=""):
        """Ends the run with success."""
        self._end("success", text)

    def warn(self, text=""):
        """Ends the run with success and warnings."""
        self._end("warn", text)

    def fail(self, text=""):
        """Ends the run with failure."""
        self._end("fail", text)

    def __enter__(self):
        self._send("/start")
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.ended:
            if exc_type is None:
                self.success()
            else:
                self.fail(f"{exc_type.__name__}: {exc}")
        return False


def run(monitor, base_url=None, strict=False):
    """A :class:`Run` to use with ``with``."""
    return Run(monitor, base_url=base_url, strict=strict)
