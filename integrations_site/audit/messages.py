"""Texts of the audit trail shown to people (commands, the admin)."""

CHAIN_INTACT = "Every audit chain verifies: {chains} chain(s), no broken link."
SEALED = "Linked {count} waiting audit event(s) into their chains."
CHAIN_BROKEN = "Audit chain broken at {link}"
PRUNED = "Pruned {count} audit event(s) older than {days} day(s); the chains still verify."
READ_ONLY = "Audit events are read-only."
