"""Uniformity audit: simulated draws through the real selection code.

What `beacon audit uniformity --simulate` and notebook 02 spend their time on,
measured in one run so the parts add up: making the R values (SHA-512 of a
counter, AUDIT.md §8), the selection code on given R values
(beacon.core.selection.draw_selection, as a real draw runs it), and the whole
simulation with its tally. No target is set by an issue; the numbers back the
timings quoted in docs/AUDIT.md §8 and §10.
"""

from __future__ import annotations

from beacon.audit import counter_outputs, simulate, simulated_selection
from beacon.core.definition import Kind
from beacon.core.selection import draw_selection
from bench.harness import Context, median, timed

TITLE = "Uniformity audit: simulated draws"

DRAWS = 100_000
REPEAT = 3
SEED = b"bench"


def run(ctx: Context) -> None:
    ctx.line(f"{DRAWS:,} draws per measurement, median of {REPEAT} runs.")
    ctx.line()
    outputs = list(counter_outputs(SEED, DRAWS))
    make_r = median(timed(lambda: list(counter_outputs(SEED, DRAWS)), repeat=REPEAT))
    rows = [["R values only (SHA-512 of a counter)", f"{make_r / DRAWS * 1e6:.2f}", "-"]]
    ctx.metric("r_values_us_per_draw", make_r / DRAWS * 1e6)
    for label, selection in (
        ("pick 1 of 7 (K1)", simulated_selection(7, Kind.PICK_ONE)),
        ("pick 1 of 33 (largest discard rate below 64)", simulated_selection(33, Kind.PICK_ONE)),
        ("pick 3 of 12 (BID_SAMPLE)", simulated_selection(12, Kind.PICK_K, 3)),
    ):
        candidates = selection.candidates

        def select(selection=selection, candidates=candidates) -> None:
            for r in outputs:
                draw_selection(r, 0, selection, candidates)

        alone = median(timed(select, repeat=REPEAT))
        whole = median(
            timed(lambda s=selection: simulate(counter_outputs(SEED, DRAWS), s), repeat=REPEAT)
        )
        rows.append([label, f"{alone / DRAWS * 1e6:.2f}", f"{whole / DRAWS * 1e6:.2f}"])
        ctx.metric(f"{label.split(' (')[0]} selection_us_per_draw", alone / DRAWS * 1e6)
        ctx.metric(f"{label.split(' (')[0]} simulate_us_per_draw", whole / DRAWS * 1e6)
    ctx.table(["part", "selection code (µs/draw)", "simulate, R to tally (µs/draw)"], rows)
    per_draw = float(rows[1][2])
    ctx.line(
        f"- so 10^6 simulated K1 draws take about {per_draw:.0f} s; notebook 02 at full size "
        "simulates nine selections (eight of one candidate, one of 3 of 12) 10^6 times each, "
        f"plus 10^6 K1 draws for its calibration: about {10 * per_draw:.0f} s of simulation."
    )
