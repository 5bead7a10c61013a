"""Classical (non-learned) stylisers used as distillation teachers."""
