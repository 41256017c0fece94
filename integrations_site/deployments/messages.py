"""Every user-facing sentence of the deployments app that more than one module says, once."""

SERVICE_NAME_TAKEN = "A service with this name already exists."
PIPELINE_NAME_TAKEN = "A pipeline with this name already exists."
NODE_NAMES_NOT_UNIQUE = "Node names must be unique."


def revoked_reason(integration_name: str) -> str:
    return f"Registry access revoked: integration '{integration_name}' was deleted"
