from . import sale_fulfillment_deliver, sale_return_reject
