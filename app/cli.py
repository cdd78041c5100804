"""`flask marelle ...`: set-up and maintenance commands."""
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app.extensions import db


@click.group("marelle")
def marelle_cli():
    """Marelle set-up and maintenance."""


def _appbuilder():
    return current_app.appbuilder


@marelle_cli.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Write every view's permissions, then give each role of app/security/roles.py its own."""
    from app.security.roles import sync_roles

    kept = []
    for role, count in sync_roles(_appbuilder(), kept).items():
        click.echo(f"{role}: {count} permissions"
                   + (" (edited by the town: left as it is)" if role in kept else ""))


def ensure_user(username, password, role_name, first_name, last_name, email, *,
                check_password=True):
    """Create the user unless it exists; returns (user, created). Demo logins, whose password
    is their login, are the only ones spared the password policy (check_password=False)."""
    sm = _appbuilder().sm
    user = sm.find_user(username=username)
    if user is not None:
        return user, False
    if check_password:
        from flask_appbuilder.exceptions import PasswordComplexityValidationError

        from app.security.passwords import check_password_strength

        try:
            check_password_strength(password)
        except PasswordComplexityValidationError as exc:
            raise click.ClickException(f"{username}: {exc}") from exc
    user = sm.add_user(username, first_name, last_name, email, [sm.find_role(role_name)],
                       password=password)
    if not user:
        raise click.ClickException(f"could not create user {username}")
    return user, True


@marelle_cli.command("init")
@click.option("--demo", is_flag=True,
              help="Demo instance: the first admin's password may be as short as the demo logins.")
@with_appcontext
@click.pass_context
def init_command(ctx, demo):
    """Migrate the database, sync roles and create the first admin (idempotent).

    Without ADMIN_PASSWORD, the first admin gets a generated password, printed once."""
    from app.security.passwords import generate_password

    upgrade()
    ctx.invoke(sync_roles_command)
    config = current_app.config
    password = config["ADMIN_PASSWORD"] or generate_password()
    _, created = ensure_user(config["ADMIN_USERNAME"], password, "Admin", "Admin", "Marelle",
                             config["ADMIN_EMAIL"], check_password=not demo)
    if created and not config["ADMIN_PASSWORD"]:
        click.echo(f"Admin user: {config['ADMIN_USERNAME']}, password: {password}")
        click.echo("  (shown only this once: keep it safe, or change it after logging in)")
    else:
        click.echo(f"Admin user: {config['ADMIN_USERNAME']}")


DEMO_STAFF = [
    ("agent", "Agent", "Agnès", "Accueil"),
    ("regisseur", "Régisseur", "Rémi", "Régie"),
    ("animateur", "Animateur", "Anouk", "Centre"),
]


@marelle_cli.command("demo")
@click.option("--children", default=300, show_default=True, help="How many children to create.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--append", is_flag=True, help="Add families even if the register has some.")
@with_appcontext
def demo_command(children, seed, append):
    """Load a believable demo town and demo staff logins (password = login)."""
    import sqlalchemy as sa

    from app.models import Person
    from app.services.demo import load_demo_town

    for username, role, first, last in DEMO_STAFF:
        ensure_user(username, username, role, first, last, f"{username}@marelle.invalid",
                    check_password=False)
    if db.session.scalar(sa.select(sa.func.count(Person.id))) and not append:
        click.echo("The register already has people: demo families not loaded (use --append).")
        return
    started = time.perf_counter()
    counts = load_demo_town(children=children, seed=seed)
    from app.services.demo import DEMO_PARENT_EMAIL, open_demo_parent

    parent = open_demo_parent("famille")
    db.session.commit()
    click.echo(f"Demo town loaded in {time.perf_counter() - started:.1f} s: "
               f"{counts['households']} households, {counts['adults']} adults, "
               f"{counts['children']} children, {counts.get('schools', 0)} schools, "
               f"{counts.get('bookings', 0)} bookings this month, "
               f"{counts.get('history_invoices', 0)} invoices of past months "
               f"({counts.get('history_payments', 0)} paid).")
    if parent is not None:
        click.echo(f"Parents' portal: {DEMO_PARENT_EMAIL} / famille ({parent.display_name}).")


@marelle_cli.command("send-mail")
@with_appcontext
def send_mail_command():
    """One attempt for every e-mail still queued (run from cron when there is no Redis: a
    restart of the web process ends the thread that was retrying them)."""
    from app.services.mail import send_queued

    counts = send_queued()
    click.echo(f"{counts['sent']} sent, {counts['queued']} still queued (temporary failure), "
               f"{counts['failed']} failed.")


@marelle_cli.command("purge")
@click.option("--years", type=click.IntRange(1, 100), default=None,
              help="Archived more than this many years ago, 1 to 100 (default: RETENTION_YEARS).")
@click.option("--apply", is_flag=True, help="Really forget them; without it, a dry run.")
@with_appcontext
def purge_command(years, apply):
    """Forget the people archived long ago: identity replaced by a pseudonym, contact details,
    documents and portal login removed; invoices and payments kept. A dry run by default."""
    from app.services import privacy

    years = years if years is not None else current_app.config["RETENTION_YEARS"]
    result = privacy.purge(years, apply=apply)
    for person_id, name, archived_on in result["people"]:
        click.echo(f"  #{person_id} {name} (archived {archived_on})")
    if apply:
        db.session.commit()
        click.echo(f"{len(result['people'])} people pseudonymised (archived more than "
                   f"{years} years ago).")
    else:
        click.echo(f"Dry run: {len(result['people'])} people archived more than {years} years "
                   "ago would be pseudonymised. Nothing changed; add --apply to do it.")


@marelle_cli.group("audit")
def audit_cli():
    """The money journal: verify its chain, print the database grants that protect it."""


@audit_cli.command("verify")
@with_appcontext
def audit_verify_command():
    """Walk the money journal's chain; exit 1 at the first broken row."""
    from app.services import journal

    verdict = journal.verify()
    click.echo(verdict.text())
    if not verdict.ok:
        raise SystemExit(1)


@audit_cli.command("grants")
@click.option("--role", default="marelle_app", show_default=True,
              help="The PostgreSQL role the application connects as.")
def audit_grants_command(role):
    """Print the GRANT/REVOKE statements that keep the app's role from changing the journal
    (run them as the tables' owner; docs/security.md)."""
    from app.services.journal import grant_statements

    click.echo(grant_statements(role))
