from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _crm_store_credit_program(self):
        """The loyalty program that gives store credit for returns in this
        company (its own, or one shared by companies): one with a
        store-credit rate. None: the company gives no store credit, and
        returns don't offer it."""
        self.ensure_one()
        # sudo: which program gives store credit, and at what rate, is the
        # shop's policy, read for whoever requests or resolves a return
        # (portal customers included); nothing of a customer's is read.
        return (
            self.env["loyalty.program"]
            .sudo()
            .search(
                [
                    ("program_type", "=", "loyalty"),
                    ("crm_store_credit_rate", ">", 0),
                    ("company_id", "in", (self.id, False)),
                ],
                limit=1,
            )
        )
