"""Every user-facing sentence of the deployments app that more than one module says, once."""

SERVICE_NAME_TAKEN = "A service with this name already exists."
PIPELINE_NAME_TAKEN = "A pipeline with this name already exists."
NODE_NAMES_NOT_UNIQUE = "Node names must be unique."
# A rollout whose registry had not answered when the request's deadline came.
NOT_CHECKED_YET = "Not checked yet: the registry did not answer in time"


def revoked_reason(integration_name: str) -> str:
    return f"Registry access revoked: integration '{integration_name}' was deleted"


def too_many_nodes(limit: int, given: int) -> str:
    return f"A pipeline has at most {limit} nodes (this one has {given})."
