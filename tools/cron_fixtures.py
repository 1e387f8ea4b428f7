#!/usr/bin/env python3
"""Record what Debian's real cron runs across each 2027 DST transition, as fixtures.

The differential test (crates/core/tests/differential.rs) compares Overdue's schedule
with these runs; docs/behaviour.md, "Cron and DST", states the rule they show.

How: for every zone and 2027 transition, a seeded generator writes a crontab of many
lines (lists, ranges, steps, names; hours biased to the change) to /etc/cron.d, and
`cron -f` runs under TZ=<zone> and libfaketime from 75 minutes before the change to 75
minutes after, 30 times faster than real time. Each line appends its id and the real
time (bash's $EPOCHREALTIME) to a log; the daemon's fake clock is a straight line of the
real one (start + 30 x elapsed), so each run maps back to the minute cron ran it for.
Every run must land within 25 s of a minute (cron starts jobs in the first seconds of
it), or the transition is recorded again, up to three times (a loaded machine).

Needs root and Debian's `cron` and `faketime` packages (apt-get install cron faketime);
it stops any running cron. Not run by CI: CI compares against the committed fixtures.

    sudo tools/cron_fixtures.py            # writes crates/core/tests/fixtures/cron_dst.json
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SEED = 28
LINES = 160
SPEED = 30
MARGIN = timedelta(minutes=75)
ZONES = ["Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"]
CRON_FILE = "/etc/cron.d/overdue-differential"
LOG = "/tmp/overdue-cron-differential.log"
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "crates", "core", "tests", "fixtures", "cron_dst.json",
)
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def transitions(zone, year=2027):
    """The instants (UTC) where the zone's offset changes in the year, by minute."""
    tz = ZoneInfo(zone)
    t = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    out = []
    prev = t.astimezone(tz).utcoffset()
    step = timedelta(hours=1)
    while t < end:
        n = t + step
        off = n.astimezone(tz).utcoffset()
        if off != prev:
            # narrow to the minute
            lo, hi = t, n
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
            prev = off
        t = n
    return out


def minute_field(rng):
    k = rng.randrange(10)
    if k == 0:
        return "*"
    if k == 1:
        return "*/" + str(rng.choice([5, 7, 10, 15, 20, 30]))
    if k == 2:
        return str(rng.randrange(60))
    if k == 3:
        a, b = sorted(rng.sample(range(60), 2))
        return f"{a},{b}"
    if k == 4:
        a = rng.randrange(50)
        return f"{a}-{a + rng.randrange(1, 10)}"
    if k == 5:
        a = rng.randrange(40)
        return f"{a}-{a + rng.randrange(5, 20)}/{rng.choice([2, 3, 5])}"
    if k == 6:
        a = rng.randrange(60)
        return f"{a}-{a}/{rng.choice([3, 7])}"
    if k == 7:
        return "0,30"
    if k == 8:
        return str(rng.choice([0, 15, 30, 45]))
    return "0-59/" + str(rng.choice([10, 20, 25]))


def hour_field(rng, near):
    """Hours biased to `near` (the local hours around the change)."""
    k = rng.randrange(9)
    h = rng.choice(near)
    if k == 0:
        return "*"
    if k == 1:
        return "*/" + str(rng.choice([2, 3]))
    if k in (2, 3):
        return str(h)
    if k == 4:
        return f"{h},{(h + rng.randrange(1, 23)) % 24}"
    if k == 5:
        lo = max(0, h - rng.randrange(2))
        return f"{lo}-{min(23, h + rng.randrange(1, 3))}"
    if k == 6:
        return f"{h}-{h}/{rng.choice([2, 5])}"
    if k == 7:
        return f"0-23/{rng.choice([2, 3])}"
    return str(rng.choice(near))


def day_fields(rng, day):
    """(day of month, month, day of week) matching the change's local day (mostly)."""
    dom, mon, dow = "*", "*", "*"
    k = rng.randrange(8)
    if k == 1:
        dom = str(day.day)
    elif k == 2:
        dom = f"*/{rng.choice([2, 3, 14])}"
    elif k == 3:
        dom = f"{day.day},{(day.day % 28) + 1}"
    elif k == 4:
        dom = f"1-{rng.choice([10, 31])}"
    k = rng.randrange(6)
    if k == 1:
        mon = str(day.month)
    elif k == 2:
        mon = MONTHS[day.month - 1]
    elif k == 3:
        mon = "*/" + str(rng.choice([2, 3]))
    k = rng.randrange(8)
    weekday = (day.weekday() + 1) % 7  # cron: 0 = Sunday
    if k == 1:
        dow = str(weekday)
    elif k == 2:
        dow = DAYS[weekday]
    elif k == 3:
        dow = "*/2"
    elif k == 4:
        dow = "1-5"
    elif k == 5:
        dow = f"{weekday},{(weekday + 3) % 7}"
    elif k == 6 and weekday == 0:
        dow = "7"
    return dom, mon, dow


def crontab(rng, zone, change):
    tz = ZoneInfo(zone)
    before = (change - timedelta(minutes=1)).astimezone(tz)
    after = change.astimezone(tz)
    near = sorted({before.hour, after.hour, (before.hour + 1) % 24, (after.hour - 1) % 24})
    exprs = ["* * * * *"]
    seen = set(exprs)
    while len(exprs) < LINES:
        dom, mon, dow = day_fields(rng, before)
        e = f"{minute_field(rng)} {hour_field(rng, near)} {dom} {mon} {dow}"
        if e not in seen:
            seen.add(e)
            exprs.append(e)
    return exprs


def record(zone, change, exprs):
    start = change - MARGIN
    end = change + MARGIN
    lines = ["SHELL=/bin/bash", "PATH=/usr/bin:/bin"]
    for i, e in enumerate(exprs):
        lines.append(f'{e} root echo "{i} $EPOCHREALTIME" >> {LOG}')
    with open(CRON_FILE, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(CRON_FILE, 0o644)
    if os.path.exists(LOG):
        os.remove(LOG)
    subprocess.run(["pkill", "-x", "cron"], check=False)
    local = start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")
    env = dict(os.environ, TZ=zone)
    seconds = (end - start).total_seconds() / SPEED
    r0 = time.time()
    proc = subprocess.Popen(
        ["faketime", "-f", f"@{local} x{SPEED}", "cron", "-f"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    proc.terminate()
    proc.wait()
    # faketime runs cron as its child: stop that too.
    subprocess.run(["pkill", "-x", "cron"], check=False)
    runs = {i: [] for i in range(len(exprs))}
    worst = 0.0
    with open(LOG) as f:
        for row in f:
            i, real = row.split()
            fake = start.timestamp() + (float(real) - r0) * SPEED
            minute = round(fake / 60) * 60
            worst = max(worst, abs(fake - minute))
            runs[int(i)].append(int(minute))
    if worst > 25:
        return None
    return {
        "zone": zone,
        "change": int(change.timestamp()),
        # Compare only well inside the recording: cron starts a minute late and stops
        # mid-minute.
        "from": int((start + timedelta(minutes=5)).timestamp()),
        "until": int((end - timedelta(minutes=5)).timestamp()),
        "lines": [{"cron": e, "runs": sorted(runs[i])} for i, e in enumerate(exprs)],
    }


def main():
    rng = random.Random(SEED)
    cases = []
    try:
        for zone in ZONES:
            for change in transitions(zone):
                exprs = crontab(rng, zone, change)
                print(f"{zone} {change.isoformat()}: {len(exprs)} lines", flush=True)
                for _ in range(3):
                    case = record(zone, change, exprs)
                    if case is not None:
                        break
                    print("  a run landed far from its minute (a loaded machine): again", flush=True)
                else:
                    sys.exit(f"{zone} {change}: runs land far from their minutes; use an idle machine")
                cases.append(case)
    finally:
        if os.path.exists(CRON_FILE):
            os.remove(CRON_FILE)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"cron": "Debian cron 3.0pl1-162", "speed": SPEED, "seed": SEED,
                   "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
