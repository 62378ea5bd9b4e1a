from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        res = super()._post_process()
        self.sale_order_ids._fulfillment_sync()
        return res
