"""Every action the trail records, with the label the activity page shows. Callers write the
action strings themselves (audit imports nothing of theirs); this list names them for filters."""

ACTIONS = {
    "integration.create": "Integration created",
    "integration.update": "Integration updated",
    "integration.delete": "Integration deleted",
    "integration.check": "Integration checked",
    "integration.pull_credentials": "Pull credentials read",
    "service.deploy": "Service deployed",
    "service.update": "Service updated",
    "service.restart": "Service restarted",
    "pipelinenode.install": "Pipeline node installed",
    "pipelinenode.restart": "Pipeline node restarted",
    "storagedriver.create": "Storage driver created",
    "storagedriver.delete": "Storage driver deleted",
    "token.create": "API token created",
    "token.revoke": "API token revoked",
    "token.use": "API token refused",
    "member.add": "Member added",
    "member.role_change": "Member role changed",
    "member.remove": "Member removed",
    "login": "Sign-in",
    "login.lockout": "Sign-in locked out",
    "key.rotate": "Encryption keys rotated",
    "audit.prune": "Audit events pruned",
}


def label(action: str) -> str:
    return ACTIONS.get(action, action)
