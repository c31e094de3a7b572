"""Domain-separation labels and record tags (PROTOCOL.md §2.3).

Every hash input and every signed message starts with one of these labels, encoded
as the first canonical field, so that no byte string is ever valid for two
purposes. Record tags double as version markers: a decoder that meets any other tag
rejects the record as an unknown version.
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "tender-beacon/v1/"

# -- hash labels ------------------------------------------------------------------
COMMITMENT: Final = PREFIX + "commitment"
DEFINITION_HASH: Final = PREFIX + "definition-hash"
SNAPSHOT_HASH: Final = PREFIX + "snapshot-hash"
STATEMENT_HASH: Final = PREFIX + "statement-hash"
STATEMENT_SIGNATURE: Final = PREFIX + "statement-signature"
DRAW_SEED: Final = PREFIX + "draw-seed"
VDF_HASH_TO_GROUP: Final = PREFIX + "vdf-hash-to-group"
VDF_CHALLENGE: Final = PREFIX + "vdf-challenge"
VDF_OUTPUT: Final = PREFIX + "vdf-output"
SELECTION_STREAM: Final = PREFIX + "selection-stream"
TREE_HEAD_COMMITMENT: Final = PREFIX + "tree-head"
DEMO_SEED: Final = PREFIX + "demo-seed"
EXTERNAL_SOURCE: Final = PREFIX + "external-source"
ENVELOPE_SHARE: Final = PREFIX + "envelope-share"  # HPKE info of a share stanza (§9.3)
ENVELOPE_KEY_ID: Final = PREFIX + "envelope-key-id"  # opening-key id (§9.3)
ENVELOPE_HASH: Final = PREFIX + "envelope-hash"  # what the bidder signs (§9.6)
OPENING_KEY_POSSESSION: Final = PREFIX + "opening-key-possession"  # signed by the key (§9.3)
ENVELOPE_HEADER: Final = PREFIX + "envelope-header"  # a bid's header and MAC in the opening (§9.9)
OPENING_KEY_FILE: Final = PREFIX + "opening-key-file"  # scrypt salt prefix of a key file

# -- age v1 KDF info strings (fixed by the age spec, reused unchanged, §9.4-§9.5) ----
AGE_HEADER_MAC_INFO: Final = "header"
AGE_PAYLOAD_KEY_INFO: Final = "payload"

# -- record tags (type and version of a canonical record) --------------------------
TAG_SELECTION: Final = PREFIX + "selection"
TAG_DERIVED: Final = PREFIX + "derived"
TAG_STATEMENT: Final = PREFIX + "statement"
TAG_SIGNED_STATEMENT: Final = PREFIX + "signed-statement"
TAG_SNAPSHOT: Final = PREFIX + "snapshot"
TAG_TREE_HEAD: Final = PREFIX + "tree-head"
TAG_ENVELOPE: Final = PREFIX + "envelope"
TAG_OPENING_KEY_FILE: Final = PREFIX + "opening-key-file"
# Records whose layout changed in PROTOCOL.md version 2 carry a v2 tag, so that a
# version-1 decoder rejects them by name instead of misreading them.
PREFIX_V2: Final = "tender-beacon/v2/"
TAG_DEFINITION: Final = PREFIX_V2 + "definition"  # §5.1: result deadline, s, A_max
TAG_LOG_ENTRY: Final = PREFIX_V2 + "log-entry"  # a statement in its scope chain (§7.6)

# -- audit ---------------------------------------------------------------------------
AUDIT_SIMULATION: Final = PREFIX + "audit-simulation"  # simulated R values (docs/AUDIT.md §8)
