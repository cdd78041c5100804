"""Time the demo town load (the generator later benchmarks build on).

    python bench/demo_load.py --children 20000 [--repeat 3]

Uses a throw-away database: a SQLite file, or a new database on the PostgreSQL server of
DATABASE_URL. Prints the median of the runs and the peak memory of this process.
"""
import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import throwaway_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Person
    from app.services.demo import load_demo_town

    timings = []
    for run in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder, \
                throwaway_database(os.environ.get("DATABASE_URL"), folder) as url:
            app = create_app(SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=folder)
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                counts = load_demo_town(children=args.children, seed=run)
                db.session.commit()
                timings.append(time.perf_counter() - started)
                people = db.session.query(Person).count()
                db.session.remove()
                db.engine.dispose()
    backend = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"demo load, {backend}, {args.children} children "
          f"({counts['households']} households, {people} people): "
          f"median {statistics.median(timings):.2f} s over {args.repeat} runs "
          f"(min {min(timings):.2f}, max {max(timings):.2f}); peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
