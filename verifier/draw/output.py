"""PROTOCOL.md §14.11 Result (second part), §11: the VDF input ``x = hash_to_group(combined
seed)``, the proof that ``y`` is its delayed image, and the output ``R``.
"""

from __future__ import annotations

import hmac

from verifier import vdf
from verifier.draw.results import Output, Result
from verifier.steps import check, need, short


# PROTOCOL.md §14.11: vdf_t is the definition's (checked with the result); the VDF proof
# verifies for x = hash_to_group(combined_seed) (§11.7); output = R (§11.8).
def check_vdf(result: Result | None) -> tuple[str, Output | None]:
    """``R`` recomputed from the verified ``y``; ``None`` without a result."""
    statement = need(result, "result").statement
    if statement is None:
        return "no result", None
    b = statement.s.body
    y, pi = vdf.element(b["y"], "y"), vdf.element(b["pi"], "pi", identity=True)
    vdf.verify(vdf.hash_to_group(b["combined_seed"]), y, pi, b["vdf_t"])
    r = vdf.output(y)
    check(hmac.compare_digest(r, b["output"]), "output is not R = SHA-512(… Enc(y)) (§11.8)")
    return f"T = {b['vdf_t']}, verified with {vdf.backend()}; R = {short(r)}", Output(r)
