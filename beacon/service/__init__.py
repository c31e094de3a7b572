"""The long-running parts: the pulser (and later the draw engine and VDF worker).

Clock and entropy are seams (:mod:`beacon.service.clock`,
:mod:`beacon.service.entropy`) so that tests run on a fake clock.
"""
