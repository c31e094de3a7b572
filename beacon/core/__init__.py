"""The pure protocol core (PROTOCOL.md): encoding, hashing, commitments, VDF,
selection, draw computation, Merkle log, pulses, envelopes and statements.

Nothing in this package performs I/O, reads the clock or draws randomness: time
and entropy are parameters, supplied by thin wrappers at the edges.
"""
