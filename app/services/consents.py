"""Consents (placeholder until the staff screens land)."""


def missing_for_child(adult_id, child_id, today) -> list:
    return []


def pending_for(adult_id, today) -> list:
    return []
