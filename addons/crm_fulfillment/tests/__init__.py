from . import (
    test_existing_orders,
    test_fulfillment_payment,
    test_fulfillment_portal,
    test_fulfillment_sla,
    test_fulfillment_stages,
    test_i18n_id,
    test_returns,
    test_returns_concurrency,
    test_returns_portal,
    test_stage_rules,
    test_tours,
    test_trust,
)
