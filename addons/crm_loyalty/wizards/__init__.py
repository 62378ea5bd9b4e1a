from . import loyalty_card_transfer, loyalty_card_update_balance, loyalty_ledger_adjust
