from . import (
    loyalty_card,
    loyalty_card_transfer,
    loyalty_ledger,
    loyalty_program,
    loyalty_tier,
    res_partner,
    sale_order_line,
    sale_order_loyalty,
    sale_order_return,
    sale_return,
    stock_picking,
)
