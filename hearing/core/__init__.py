"""Shared things every area may import, and which import no area: errors a person can act on
(:mod:`.errors`), text helpers (:mod:`.text`) and web helpers (:mod:`.web`)."""
