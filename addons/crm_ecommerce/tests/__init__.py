from . import (
    test_day_one,
    test_lead_scoring,
    test_rfm,
    test_scoring_tools,
    test_screens,
    test_suggestions,
    test_trust,
)
from . import test_i18n_id
