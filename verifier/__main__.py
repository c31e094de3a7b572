"""``python -m verifier``: the same as ``beacon-verify``, from a checkout with only cryptography."""

import sys

from verifier.cli import main

sys.exit(main())
