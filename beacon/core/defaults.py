"""The default durations of a deployment and of an authored draw, each named once.

Every default a person does not have to type lives here, so the service, the CLI, the
web app and the demo cannot disagree about it. The values are part of what a deployment
publishes (``GET /api/v1/deployment``), not of the signed formats: a draw definition and
a pulse always carry their own values.
"""

from __future__ import annotations

from typing import Final

SECOND_MS: Final = 1_000
MINUTE_MS: Final = 60 * SECOND_MS

# PROTOCOL.md §8.1: milliseconds between pulses when a deployment does not choose.
PULSE_PERIOD_MS: Final = MINUTE_MS

# PROTOCOL.md §6.5, §11.5: how far ahead of its commit deadline a draw must be published.
MIN_LEAD_MS: Final = MINUTE_MS

# PROTOCOL.md §5.1 field 15, §13.2: how long objections are accepted after the result,
# when an authored definition omits ``dispute_window_ms``.
DISPUTE_WINDOW_MS: Final = 10 * MINUTE_MS

# The demo's shortest dispute window, so a demo run with a 2-second period still leaves
# a visitor time to object (beacon serve --demo).
DEMO_MIN_DISPUTE_WINDOW_MS: Final = 30 * SECOND_MS
