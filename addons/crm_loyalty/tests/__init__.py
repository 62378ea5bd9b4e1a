from . import (
    test_existing_cards,
    test_indexes,
    test_ledger_flows,
    test_ledger_returns,
    test_ledger_security,
    test_ledger_tiers_expiry,
    test_points_rules,
    test_trust,
)
