"""tender-beacon's independent verifier.

A second implementation of docs/PROTOCOL.md that imports nothing from ``beacon``
and depends only on ``cryptography`` (``gmpy2`` is used when installed).
"""

__version__ = "0.1.0"
