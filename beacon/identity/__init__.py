"""Identities: X.509 certificates and keys of the parties (docs/ARCHITECTURE.md §3).

:mod:`beacon.identity.ca` creates a local demo CA and party certificates.
"""
