"""tender-beacon: a publicly verifiable randomness beacon for e-tendering.

The protocol core (:mod:`beacon.core`) is pure: no I/O, no clock, no entropy
source. The service, store, web board and command line sit around it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
