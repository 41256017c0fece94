"""Every user-facing sentence of the storage app, once."""

NAME_TAKEN = "A storage driver with this name already exists in this organization."
REGISTRY_REFUSED = "Container Registry integrations cannot be used to create storage drivers."
NOT_IN_ORG = "No storage integration with this id in this organization."
INTEGRATION_MISSING = "This integration does not exist."
UNREACHABLE = "Could not reach AWS S3."
DELETE_MESSAGE = (
    "The driver is removed from this organization. The bucket and its objects are not changed."
)


def created(name: str) -> str:
    return f"Storage driver “{name}” created."


def deleted(name: str) -> str:
    return f"Storage driver “{name}” deleted."
