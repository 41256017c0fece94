"""Texts of /readyz. Short reasons only: no host name, address, user name or secret, since
/readyz answers anyone who can reach the site."""

UNREACHABLE = "unreachable"
CACHE_READ_BACK = "value not read back"
KEY_RING_INVALID = "key ring not set or malformed"
WRONG_KEY = "primary key does not open its stored key check"
DATABASE_UNREADABLE = "database not readable"
MIGRATIONS_PENDING = "migrations not applied"
AWS_IDENTITY_CONFIGURED = "configured"
AWS_IDENTITY_MISSING = "not configured"
