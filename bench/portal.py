"""The parents' portal under load, on the demo town: gunicorn on the loopback, real HTTP.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        python bench/portal.py --children 20000 [--parents 200] [--workers 4] [--think 2.0]

1. Builds the demo town in a throw-away database, opens a portal login for `--parents` payers
   of children subscribed to services, and starts gunicorn (`--workers` sync workers, bound to
   127.0.0.1 only) with the town's clock pinned on a Wednesday 09:00 of the booked month: the
   next week's Monday closes on Thursday 10:00, the deadline eve.
2. One parent alone: median time of the portal's home and of a week's booking page.
3. The eve: the parents arrive within `--arrival` seconds, each at a random moment, log in,
   open the home page, then for each child open the next week, book every day they may,
   cancel one and book it again, and read their invoices, pausing `--think` seconds on
   average between clicks, as people do. Prints the
   requests, their rate, and the median, p95 and p99 time per kind of page.
4. Counts in the database what each parent's last answer said was booked: nothing lost,
   nothing booked twice.
Nothing is asserted; figures are printed.
"""
import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, booked_month, demo_town  # noqa: E402
from tests.support import PASSWORD  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BOX = re.compile(r'<input type="checkbox" name="day" value="([^"]+)"([^>]*)>')
LOCKED_BOOKED = re.compile(r'<input type="hidden" name="day" value="([^"]+)">')


def open_boxes(page):
    return sorted(value for value, attributes in BOX.findall(page)
                  if "disabled" not in attributes)


def ticked_boxes(page):
    return {value for value, attributes in BOX.findall(page) if "checked" in attributes}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One parent's browser: a cookie, and every request timed under its page's kind."""

    def __init__(self, port, timings, lock):
        self.port, self.timings, self.lock = port, timings, lock
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = None

    def request(self, kind, method, path, form=None):
        body = urlencode(form, doseq=True) if form is not None else None
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in range(3):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0][len("session="):]
        with self.lock:
            self.timings[kind].append(elapsed)
        return response.status, response.getheader("Location"), data.decode()

    def follow(self, kind, location):
        return self.request(kind, "GET", urlsplit(location).path + (
            "?" + urlsplit(location).query if urlsplit(location).query else ""))


def prepare(children: int, parents: int):
    """The town, its parents' logins and the eve's moment; returns what the run needs."""
    context = demo_town(children, seed=11, login_role="Admin")
    app, counts = context.__enter__()
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import BillingRule, Guardianship, Person, Subscription
    from app.services import portal_accounts

    with app.test_request_context():
        first, _last, _services = booked_month()
        # The second Wednesday of the booked month, 09:00: next week's Monday closes Thursday.
        wednesday = first + timedelta(days=(2 - first.weekday()) % 7 + 7)
        next_monday = wednesday + timedelta(days=5)
        payers = db.session.scalars(
            sa.select(Person).join(BillingRule, BillingRule.payer_id == Person.id)
            .join(Guardianship, Guardianship.adult_id == Person.id)
            .join(Subscription, Subscription.person_id == Guardianship.child_id)
            .where(Person.archived_at.is_(None), BillingRule.criterion == "all_weeks")
            .distinct().order_by(Person.id).limit(parents)).all()
        one_hash = generate_password_hash(PASSWORD)
        emails = []
        for n, adult in enumerate(payers):
            email = f"parent{n}@bench.exemple.fr"
            account = portal_accounts.open_account(adult, email)
            portal_accounts.user_of(account).password = one_hash
            account.activated_at = account.created_at
            emails.append(email)
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    return context, app, counts, url, emails, datetime.combine(wednesday, datetime.min.time()
                                                              ).replace(hour=9), next_monday


def start_server(url, now, workers, port, folder):
    env = dict(os.environ, DATABASE_URL=url, MARELLE_NOW=now.isoformat(),
               SECRET_KEY=secrets.token_urlsafe(48), MARELLE_INSTANCE_DIR=folder,
               FAB_UPDATE_PERMS="False", SESSION_IDLE_MINUTES="240")
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--backlog", "512", "--timeout", "120",
         "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/portal/login")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def log_in(browser, email):
    _status, _loc, page = browser.request("login", "GET", "/portal/login")
    status, location, _ = browser.request("login", "POST", "/portal/login", {
        "csrf_token": CSRF.search(page).group(1), "email": email, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"login of {email} failed ({status})")


def child_ids(home_page):
    return sorted(set(re.findall(r'/portal/bookings\?child=(\d+)', home_page)))


def book_week(browser, child, monday, think, rng):
    """Book every open day of the week, cancel one, book it again. Returns what the last
    page says is booked (the boxes ticked, open or not)."""
    path = f"/portal/bookings?child={child}&week={monday.isoformat()}"
    _s, _l, page = browser.request("bookings", "GET", path)
    boxes = open_boxes(page)
    if not boxes:
        return ticked_boxes(page)
    every = set(boxes) | set(LOCKED_BOOKED.findall(page))
    token = CSRF.search(page).group(1)
    dropped = rng.choice(boxes)
    answer = None
    for wanted in (every, every - {dropped}, every):
        time.sleep(rng.expovariate(1 / think) if think else 0)
        status, location, _ = browser.request("save", "POST", "/portal/bookings", {
            "csrf_token": token, "child": child, "week": monday.isoformat(),
            "day": sorted(wanted)})
        _s, _l, answer = browser.follow("bookings", location)
        token = CSRF.search(answer).group(1)
    return ticked_boxes(answer)


def parent_session(port, email, monday, think, arrival, start, timings, lock, results, seed):
    rng = random.Random(seed)
    browser = Browser(port, timings, lock)
    start.wait()
    time.sleep(rng.uniform(0, arrival))
    try:
        log_in(browser, email)
        _s, _l, home = browser.request("home", "GET", "/portal/")
        for child in child_ids(home):
            time.sleep(rng.expovariate(1 / think) if think else 0)
            results[(email, child)] = book_week(browser, child, monday, think, rng)
        time.sleep(rng.expovariate(1 / think) if think else 0)
        browser.request("invoices", "GET", "/portal/invoices")
    except Exception as exc:  # noqa: BLE001  (a failed parent is counted, not fatal)
        results[(email, "error")] = repr(exc)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--arrival", type=float, default=60.0,
                        help="seconds over which the parents arrive (each at a random moment)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    built = time.perf_counter()
    context, app, counts, url, emails, now, monday = prepare(args.children, args.parents)
    print(f"[{BACKEND}] town: {counts['children']} children, {len(emails)} parents with a "
          f"login; clock {now:%A %d/%m/%Y %H:%M}, booking the week of {monday:%d/%m/%Y} "
          f"({time.perf_counter() - built:.0f} s to build)")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = start_server(url, now, args.workers, port, folder)
        try:
            run(args, port, emails, monday, app)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    context.__exit__(None, None, None)


def run(args, port, emails, monday, app):
    lock = threading.Lock()
    # One parent alone: the pages' own time.
    timings = defaultdict(list)
    browser = Browser(port, timings, lock)
    log_in(browser, emails[0])
    _s, _l, home = browser.request("warm", "GET", "/portal/")
    child = child_ids(home)[0]
    for _ in range(args.repeat):
        browser.request("home", "GET", "/portal/")
        browser.request("bookings", "GET",
                        f"/portal/bookings?child={child}&week={monday.isoformat()}")
    print(f"one parent alone ({args.repeat} GETs each): home median "
          f"{statistics.median(timings['home']):.0f} ms, booking page median "
          f"{statistics.median(timings['bookings']):.0f} ms")

    # The eve.
    timings = defaultdict(list)
    results = {}
    start = threading.Barrier(len(emails) + 1)
    threads = [threading.Thread(target=parent_session, args=(
        port, email, monday, args.think, args.arrival, start, timings, lock, results, n))
        for n, email in enumerate(emails)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    total = sum(len(v) for v in timings.values())
    errors = {k: v for k, v in results.items() if k[1] == "error"}
    every = [t for values in timings.values() for t in values]
    print(f"deadline eve: {len(emails)} parents, {total} requests in {wall:.0f} s "
          f"({total / wall:.0f} requests/s), arriving over {args.arrival:.0f} s, think time "
          f"{args.think} s; errors: {len(errors)}")
    print(f"  {'all requests':14} median {statistics.median(every):5.0f} ms   "
          f"p95 {percentile(every, .95):5.0f} ms   p99 {percentile(every, .99):5.0f} ms")
    for kind in ("login", "home", "bookings", "save", "invoices"):
        values = timings.get(kind)
        if values:
            print(f"  {kind:14} median {statistics.median(values):5.0f} ms   "
                  f"p95 {percentile(values, .95):5.0f} ms   p99 {percentile(values, .99):5.0f} ms"
                  f"   ({len(values)})")
    for key, error in list(errors.items())[:5]:
        print("  error:", key[0], error)
    check(app, results, monday)


def check(app, results, monday):
    """What the parents' last pages said is booked, against the database."""
    from app.extensions import db
    from app.models import Booking

    said = {(int(child), int(value.split(":")[0]), value.split(":")[1])
            for (email, child), values in results.items() if child != "error"
            for value in values}
    children = {child for child, _s, _d in said}
    with app.app_context():
        rows = db.session.execute(
            sa.select(Booking.person_id, Booking.service_id, Booking.date, sa.func.count())
            .where(Booking.person_id.in_(children), Booking.date >= monday,
                   Booking.date <= monday + timedelta(days=6))
            .group_by(Booking.person_id, Booking.service_id, Booking.date)).all()
        db.session.remove()
    stored = {(person, service, day.isoformat()) for person, service, day, _n in rows}
    twice = sum(1 for *_key, n in rows if n > 1)
    print(f"database: {len(said)} bookings the parents' pages show, {len(stored)} stored for "
          f"their children that week; missing {len(said - stored)}, not shown "
          f"{len(stored - said)}, stored twice {twice}")


if __name__ == "__main__":
    main()
