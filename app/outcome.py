"""What a screen does with a service's answer: commit and say it was done, or roll back and say
why the rules refused — on the page the user is on. Staff screens and the portal alike."""
from flask import flash

from app.extensions import db
from app.services import RuleViolation


def commit_or_refuse(operation, success=None) -> bool:
    """Run `operation()`; commit and flash `success` (a text, or a function of the operation's
    result giving one) when it passes; roll back and flash the refusal when a rule refuses.
    Returns whether it passed."""
    try:
        result = operation()
    except RuleViolation as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return False
    db.session.commit()
    if success:
        flash(success(result) if callable(success) else success, "success")
    return True
