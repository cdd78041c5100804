"""Back-office pages on a synthetic town: weight and time of the lists and forms whose search
boxes or choices could grow with the town.

    python bench/pages.py --children 20000 [--repeat 5]

Builds the demo town and bills its month (SQLite, or PostgreSQL when DATABASE_URL is set),
logs in as an administrator and GETs each page: prints its size and the median time over
`--repeat` GETs (after one warm-up GET). Nothing is asserted.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, booked_month, demo_town  # noqa: E402
from tests.support import PASSWORD  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from app.extensions import db
    from app.models import Booking, Household, Invoice, Person, SchoolClass
    from app.services import billing

    with demo_town(args.children, seed=3, login_role="Admin") as (app, counts):
        with app.test_request_context():
            first, last, services = booked_month()
            billing.generate_drafts(services[0].regie_id, [s.id for s in services], first, last)
            db.session.commit()
            invoice = db.session.scalar(sa.select(Invoice.id))
            payer = db.session.scalar(sa.select(Invoice.payer_id))
            child = db.session.scalar(sa.select(Person.id).where(Person.kind == "child"))
            household = db.session.scalar(sa.select(Household.id))
            # The attendance sheet of a whole school (every class ticked) on its busiest day.
            day, service_id = db.session.execute(
                sa.select(Booking.date, Booking.service_id).group_by(Booking.date,
                                                                     Booking.service_id)
                .order_by(sa.func.count().desc()).limit(1)).one()
            school = db.session.scalar(sa.select(SchoolClass.school_id).limit(1))
            class_ids = db.session.scalars(sa.select(SchoolClass.id).where(
                SchoolClass.school_id == school)).all()
            sheet = (f"/attendance/?date={day}&service_id={service_id}&"
                     + "&".join(f"class_ids={c}" for c in class_ids))
            db.session.remove()
        print(f"[{BACKEND}] town: {counts['children']} children, {counts['adults']} adults, "
              f"{counts['households']} households, a month billed")

        client = app.test_client()
        client.post("/login/", data={"username": "bench", "password": PASSWORD})
        pages = [
            "/invoiceview/list/", "/documentview/list/", "/adultview/list/", "/childview/list/",
            "/householdview/list/", "/subscriptionview/list/", "/enrollmentview/list/",
            "/billingruleview/list/", "/familyquotientview/list/", "/adjustmentview/list/",
            f"/invoiceview/show/{invoice}", f"/childview/show/{child}",
            f"/householdview/show/{household}", f"/guardianshipview/add?_flt_0_child={child}",
            f"/adjustmentview/add?_flt_0_invoice={invoice}", f"/billingruleview/new/{payer}",
            f"/subscriptionview/add?_flt_0_person={child}", "/invoices/generate",
            "/adultview/list/?_flt_0_search_name=martin", "/householdview/list/?_flt_0_name=lefevre",
            sheet,
        ]
        for page in pages:
            size = len(client.get(page).data)
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                status = client.get(page).status_code
                timings.append((time.perf_counter() - started) * 1000)
            rows = client.get(page).data.count(b'data-person="') if page == sheet else None
            label = f"attendance sheet, one school ({rows} rows)" if rows is not None else page
            print(f"{label:50} {status} {size / 1024:7.0f} KB  median {statistics.median(timings):6.0f} ms")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
