from . import (
    test_day_one,
    test_i18n_id,
    test_lead_scoring,
    test_rfm,
    test_scoring_tools,
    test_screens,
    test_suggestions,
    test_tours,
    test_trust,
)
