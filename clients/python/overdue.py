"""Overdue's Python client: one file, standard library only.

    import overdue
    with overdue.run("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77") as run:   # sends start
        run.step("extract")                    # the run enters a step
        run.progress(300, 1200, "rows")        # progress (resets the stall timer)
        run.log("exported 1,204 rows")         # the run's log
        run.count("processed", 1204)           # the completion report's counts,
        run.warning("3 rows skipped")          # warnings and errors
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

__all__ = ["ping", "run", "Run", "OverdueError"]

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


def _post(monitor, action, query, body="", base_url=None, timeout=10, content_type=None):
    url = f"{_base(base_url)}/ping/{monitor.strip('/')}{action}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError as e:
        raise OverdueError(f"Overdue answered {e.code}: {e.read().decode('utf-8', 'replace').strip()}") from e
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
