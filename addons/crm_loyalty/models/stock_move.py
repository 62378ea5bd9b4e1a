from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _crm_customer_returns(self):
        """The done moves that brought sold goods back from the customer."""
        return self.filtered(
            lambda m: (
                m.state == "done"
                and m.origin_returned_move_id
                and m.sale_line_id
                and m.location_id.usage == "customer"
            )
        )
