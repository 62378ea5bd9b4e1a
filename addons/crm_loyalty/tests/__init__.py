from . import (
    test_existing_cards,
    test_i18n_id,
    test_ledger_flows,
    test_ledger_returns,
    test_ledger_security,
    test_ledger_tiers_expiry,
    test_migrations,
    test_points_rules,
    test_screens,
    test_store_credit,
    test_tours,
    test_trust,
)
