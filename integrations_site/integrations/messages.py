"""Every user-facing sentence of the integrations app, once. Views, forms, services and the
API import them from here; texts quoted from the product document are marked so. (The Edit
tooltip is composed in integration_list.html from the type and PLATFORM_NAME.)"""

NAME_TAKEN = "An integration with this name already exists in this organization."
# Product document: the delete confirmation dialog.
DELETE_MESSAGE = (
    "Removing the integration will result in the loss of access to any connected private registry."
)
NO_SUCH_KIND = "There is no such kind of integration."
NOTHING_TO_CHANGE = "Nothing to change: send 'name' and/or 'credentials'."
CREDENTIALS_TYPE_MISMATCH = "Credentials must be of the integration's type."
PULL_NEEDS_ADMIN_OR_RUNTIME = "Pull credentials need an admin or a runtime token."
DOCKER_CONFIG_INVALID = (
    "options.spec.password must be a base64 docker config JSON with one 'auths' entry."
)


def created(name: str) -> str:
    return f"Integration “{name}” created."


def deleted(name: str) -> str:
    return f"Integration “{name}” deleted."


def in_use(name: str, dependants: list[str]) -> str:
    return (
        f"“{name}” is used by storage drivers: {', '.join(dependants)}. Delete those drivers first."
    )


def credentials_rejected(name: str, reason: object) -> str:
    return f"Integration '{name}' credentials rejected: {reason}."


def no_integration_for(registry: str) -> str:
    return f"No registry integration for {registry}."


# Registry URLs and outbound connections (providers/outbound.py). One message for every refused
# address, whatever the port, so that the form does not tell what answers where.
ADDRESS_NOT_ALLOWED = "This address is not allowed for registries."
REGISTRY_URL_FORM = "Enter the registry's base URL, e.g. https://registry.example.com."
REGISTRY_URL_PARTS = (
    "Enter only the scheme, host and port: no user name or password, path, query or fragment."
)
REGISTRY_URL_PORT = "Enter a port between 1 and 65535."
REGISTRY_URL_HTTP = "Use https; plain http is allowed only for a loopback registry."
TOO_MANY_REDIRECTS = "The registry redirected too many times."


def could_not_resolve(host: str) -> str:
    return f"Could not resolve {host}."


def redirect_not_allowed(host: str) -> str:
    return f"{host} redirects to a URL that is neither https nor http on loopback; not followed."
