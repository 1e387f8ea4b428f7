"""Overdue's Python client: one file, standard library only.

    import overdue
    with overdue.run("5d9e2a4c-7f31-4c5b-9a0e-2f6d8c1b3a77") as run:   # sends start
        run.log("exported 1,204 rows")
        ...                                    # success at the end, fail on an exception

The base URL comes from ``base_url=`` or the ``OVERDUE_URL`` environment variable
(default ``http://127.0.0.1:8000``). Monitoring never takes a job down: when Overdue
cannot be reached, a warning goes to stderr and the job goes on (``strict=True`` raises
instead).
"""

import os
import sys
import urllib.error
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
    url = f"{_base(base_url)}/ping/{monitor.strip('/')}{SIGNALS[signal]}"
    if rid:
        url += f"?rid={rid}"
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST")
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

    def _send(self, signal, body=""):
        try:
            ping(self.monitor, signal, body, rid=self.rid, base_url=self.base_url)
        except OverdueError as e:
            if self.strict:
                raise
            print(f"overdue: {e} (the job goes on)", file=sys.stderr)

    def log(self, text):
        """Adds a log line to the run."""
        self._send("log", text)

    def success(self, text=""):
        """Ends the run with success."""
        self.ended = True
        self._send("success", text)

    def warn(self, text=""):
        """Ends the run with success and warnings."""
        self.ended = True
        self._send("warn", text)

    def fail(self, text=""):
        """Ends the run with failure."""
        self.ended = True
        self._send("fail", text)

    def __enter__(self):
        self._send("start")
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
