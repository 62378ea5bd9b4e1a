from odoo import api, models
from odoo.exceptions import UserError

# The Return Authorization tells the customer where to send the goods:
# only an approved return has one.
AUTHORIZED_STATES = ("approved", "received", "done")


class ReportSaleReturn(models.AbstractModel):
    _name = "report.crm_fulfillment.report_sale_return"
    _description = "Return Authorization"

    @api.model
    def _get_report_values(self, docids, data=None):
        returns = self.env["sale.return"].browse(docids)
        pending = returns.filtered(lambda r: r.state not in AUTHORIZED_STATES)
        if pending:
            raise UserError(
                self.env._(
                    "%s is not approved yet: its Return Authorization is printed once it is.",
                    ", ".join(pending.mapped("name")),
                )
            )
        return {"doc_ids": returns.ids, "doc_model": "sale.return", "docs": returns}
