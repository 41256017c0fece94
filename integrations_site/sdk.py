"""The SDK moved to its own distribution (sdk/, `pip install ./sdk`; `import integrations_sdk`).
This alias keeps `import integrations_site.sdk as dl` working for scripts in this repository;
submodules are reached through the new name (`integrations_sdk.utils`)."""

import sys

import integrations_sdk

sys.modules[__name__] = integrations_sdk
