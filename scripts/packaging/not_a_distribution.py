"""The build backend of the repository root (pyproject.toml): the site is not a distribution.

It runs from a checkout (manage.py, templates/, static/ beside the package) or the container
image, so `pip install .` here stops with this message instead of setuptools' "Multiple
top-level packages discovered". The SDK is a distribution of its own: `pip install ./sdk`."""

MESSAGE = (
    "This repository is the Integrations site, not a Python distribution: it runs from its "
    "checkout (`make run`, `make serve`) or the container image, with `pip install -r "
    "requirements.txt`. To install the Python SDK, run `pip install ./sdk`."
)


def _refuse(*_args, **_kwargs):
    raise SystemExit(MESSAGE)


get_requires_for_build_wheel = _refuse
get_requires_for_build_sdist = _refuse
get_requires_for_build_editable = _refuse
build_wheel = _refuse
build_sdist = _refuse
build_editable = _refuse
