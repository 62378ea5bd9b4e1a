from odoo import Command, api, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_crm_add_to_order(self):
        """The Add button of a suggestion on the order form."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("suggest_order_id"))
        if not order or order.state not in ("draft", "sent"):
            raise UserError(self.env._("Suggestions can be added to quotations only."))
        order.order_line = [Command.create({"product_id": self.id, "product_uom_qty": 1})]
        return True

    def _crm_sellable_in(self, company):
        """Whether the product may be suggested in ``company``: active, for
        sale, and shared or of that company."""
        self.ensure_one()
        return (
            self.active and self.sale_ok and self.company_id in (company, self.company_id.browse())
        )

    @api.model
    def _crm_sellable_domain(self, company):
        """_crm_sellable_in as a domain, for the statements that rank
        suggestions in SQL (with active_test off: the domain says it)."""
        return [
            ("active", "=", True),
            ("sale_ok", "=", True),
            ("company_id", "in", [company.id, False]),
        ]

    @api.model
    def _crm_sellable_query(self, company):
        """The products that may be suggested in ``company``, as a subquery
        for those statements."""
        # sudo: which products may be sold in the company, whoever asks.
        return (
            self.sudo().with_context(active_test=False)._search(self._crm_sellable_domain(company))
        )
