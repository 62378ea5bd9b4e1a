from . import ledger_guard, points
