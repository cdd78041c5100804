"""Bookings and attendance on a synthetic town: SQL statements per page, and timings.

    python bench/bookings.py --children 20000 [--repeat 7]

Builds the demo town (schools of about 500 children, a month of canteen bookings) in a
throw-away database (SQLite, or PostgreSQL when DATABASE_URL is set), then measures through
the real screens and services:
- the booking grid of one child (4 weeks) and the attendance sheet of one class: SQL
  statements, for a child with few and with many bookings, for a small and a large class;
- a whole school year of mass booking for one child (service call, committed);
- the attendance sheet of a full school (HTTP GET of the page).
Prints medians; nothing is asserted.
"""
import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, demo_town  # noqa: E402
from tests.support import PASSWORD  # noqa: E402


def median_ms(func, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from app.extensions import db
    from app.models import (Booking, Enrollment, Person, School, SchoolClass, Service,
                            Subscription)
    from app.services import bookings

    with demo_town(args.children, seed=1, login_role="Agent") as (app, counts):
        with app.app_context():
            print(f"[{BACKEND}] demo town: {counts}")
            engine = db.engine
            meal = db.session.scalar(sa.select(Service).where(
                Service.name == "Restauration scolaire"))
            # A child with a month of canteen bookings, and one subscribed but never booked.
            busy_id = db.session.scalar(sa.select(Booking.person_id).where(
                Booking.service_id == meal.id).group_by(Booking.person_id)
                .order_by(sa.func.count().desc()).limit(1))
            # ... the canteen child with the fewest bookings (none in a large town).
            booked = sa.select(sa.func.count(Booking.id)).where(
                Booking.person_id == Subscription.person_id).scalar_subquery()
            quiet_id, quiet_count = db.session.execute(
                sa.select(Subscription.person_id, booked).where(
                    Subscription.service_id == meal.id).order_by(booked).limit(1)).one()
            day = db.session.scalar(sa.select(sa.func.max(Booking.date)))
            school = db.session.scalar(sa.select(School).where(School.name != "Adultes")
                                       .order_by(School.id))
            class_sizes = db.session.execute(
                sa.select(Enrollment.school_class_id, sa.func.count()).group_by(
                    Enrollment.school_class_id).order_by(sa.func.count())).all()
            small_class, large_class = class_sizes[0], class_sizes[-1]
            school_class_ids = db.session.scalars(sa.select(SchoolClass.id).where(
                SchoolClass.school_id == school.id)).all()
            school_size = db.session.scalar(sa.select(sa.func.count()).where(
                Enrollment.school_class_id.in_(school_class_ids)))
            db.session.remove()

        client = app.test_client()
        client.post("/login/", data={"username": "bench", "password": PASSWORD})
        start = day - timedelta(days=day.weekday())

        def statements(url):
            client.get(url)  # warm caches so that only the page's own statements count
            with StatementCounter(engine) as counter:
                status = client.get(url).status_code
            assert status == 200, (url, status)
            return counter.count

        grid_quiet = statements(f"/bookings/person/{quiet_id}?start={start}")
        grid_busy = statements(f"/bookings/person/{busy_id}?start={start - timedelta(days=21)}")
        sheet_url = f"/attendance/?date={day}&service_id={meal.id}&class_ids="
        sheet_small = statements(sheet_url + str(small_class[0]))
        sheet_large = statements(sheet_url + str(large_class[0]))
        print(f"booking grid, 4 weeks: {grid_quiet} statements for a child with {quiet_count} bookings, "
              f"{grid_busy} for a child with a month of bookings")
        print(f"attendance sheet: {sheet_small} statements for a class of {small_class[1]}, "
              f"{sheet_large} for a class of {large_class[1]}")

        with app.app_context():
            person = db.session.get(Person, quiet_id)
            year_start, year_end = date(start.year if start.month >= 9 else start.year - 1, 9, 1), None
            year_end = date(year_start.year + 1, 7, 4)
            meal = db.session.get(Service, meal.id)

            def year_of_booking():
                result = bookings.bulk_book(person, meal, year_start, year_end, [0, 1, 3, 4],
                                            "replace")
                db.session.commit()
                return result

            first = year_of_booking()
            print(f"mass booking, whole school year for one child: {first['created']} days "
                  f"created, {len(first['skipped'])} skipped (closures)")
            db.session.execute(sa.delete(Booking).where(Booking.person_id == quiet_id))
            db.session.commit()

            def fresh_year():
                db.session.execute(sa.delete(Booking).where(Booking.person_id == quiet_id))
                db.session.commit()
                started = time.perf_counter()
                year_of_booking()
                return time.perf_counter() - started

            timings = sorted(fresh_year() * 1000 for _ in range(args.repeat))
            print(f"  median {statistics.median(timings):.0f} ms over {args.repeat} runs "
                  f"(min {timings[0]:.0f}, max {timings[-1]:.0f}); target < 200 ms")
            db.session.remove()

        school_url = sheet_url + "&class_ids=".join(str(i) for i in school_class_ids)
        client.get(school_url)
        rows = client.get(school_url).get_data(as_text=True).count('class="mark-form"') // 3
        sheet_ms = median_ms(lambda: client.get(school_url), args.repeat)
        print(f"attendance sheet of a full school ({school_size} children enrolled, {rows} on "
              f"the canteen sheet): median {sheet_ms:.0f} ms over {args.repeat} GETs; "
              f"target < 300 ms")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
