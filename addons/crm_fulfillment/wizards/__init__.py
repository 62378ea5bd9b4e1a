from . import sale_fulfillment_deliver
