from . import (
    test_fulfillment_portal,
    test_fulfillment_sla,
    test_fulfillment_stages,
    test_stage_rules,
)
