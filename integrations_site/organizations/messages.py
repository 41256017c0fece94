"""Texts of the members and activity pages (and their API answers)."""

NO_SUCH_USER = "No user with this username or e-mail. They must sign up (or be created) first."
SEVERAL_USERS = "Several users have this e-mail address; give the username instead."
ALREADY_MEMBER = "This user is already a member of the organization."
LAST_ADMIN = (
    "An organization needs at least one admin: make someone else admin first, "
    "then change or remove this one."
)
NOT_A_MEMBER = "This user is not a member of the organization."
BAD_ROLE = "The role is 'admin' or 'member'."


def added(username: str, role: str) -> str:
    return f"Added {username} as {role}."


def role_changed(username: str, role: str) -> str:
    return f"{username} is now {role}."


def removed(username: str) -> str:
    return f"Removed {username} from the organization."
