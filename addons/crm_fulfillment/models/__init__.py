from . import (
    account_move,
    account_payment_term,
    payment_transaction,
    res_company,
    res_config_settings,
    sale_fulfillment_event,
    sale_fulfillment_report,
    sale_fulfillment_stage,
    sale_order_sla,
    sale_order_stage,
    stock_move,
    stock_picking,
)
