"""Mass mailing to a local SMTP server: messages per second.

    python bench/messaging.py --children 2000 [--repeat 1]

Builds the demo town (SQLite, or PostgreSQL with DATABASE_URL), starts a real SMTP server on
the loopback (aiosmtpd, as the tests do), writes one message with variables to every adult
with an e-mail address, and runs the sending job in this process: every copy rendered,
written, sent through one SMTP connection and its state kept. Prints how many e-mails the
server received and the rate. Nothing is asserted.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, demo_town  # noqa: E402
from tests.mail_server import SmtpServer  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=2000)
    args = parser.parse_args()

    from app import jobs
    from app.extensions import db
    from app.models import Person
    from app.services import messaging

    smtp = SmtpServer()
    smtp.start()
    try:
        with demo_town(args.children, seed=5) as (app, counts):
            app.config.update(JOBS_SYNC=True, **smtp.settings())
            with app.test_request_context():
                adults = db.session.scalars(sa.select(Person.id).where(
                    Person.kind == "adult", Person.archived_at.is_(None),
                    sa.func.coalesce(Person.email, "") != "")).all()
                started = time.perf_counter()
                message = messaging.create(
                    "Fermeture exceptionnelle",
                    "Bonjour {prenom},\nle centre de loisirs de {enfants} ferme vendredi à 16 h."
                    "\nReste à payer : {reste_a_payer}.", adults)
                row = jobs.submit("send_message", {"message_id": message.id})
                db.session.commit()
                written = time.perf_counter() - started
                jobs.execute(row.id)
                elapsed = time.perf_counter() - started
                states = messaging.states_of(message.id)
                db.session.remove()
            received = len(smtp.messages)
            print(f"[{BACKEND}] town: {counts['children']} children; {len(adults)} adults with "
                  f"an e-mail address")
            print(f"message written with its {len(adults)} copies in {written:.1f} s; sent in "
                  f"{elapsed - written:.1f} s; {elapsed:.1f} s in all")
            print(f"SMTP server received {received}; states {states}; "
                  f"{received / elapsed:.0f} messages/s overall, "
                  f"{received / (elapsed - written):.0f}/s for the sending job")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
