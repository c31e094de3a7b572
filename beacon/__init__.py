"""tender-beacon: a publicly verifiable randomness beacon for e-tendering.

The protocol core (:mod:`beacon.core`) is pure: no I/O, no clock, no entropy
source. The service, store, web board and command line sit around it.
"""

from importlib import metadata

# Written once, in verifier/__init__.py (both distributions build from it; pyproject.toml
# reads it with setuptools' attr:), and read here from the installed distribution.
__version__ = metadata.version("tender-beacon")

__all__ = ["__version__"]
