from collections import defaultdict

from odoo import Command, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_next_product_ids = fields.Many2many(
        "product.product",
        compute="_compute_crm_next_product_ids",
        string="Likely to Buy Next",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )
    crm_next_product_note = fields.Char(
        compute="_compute_crm_next_product_ids",
        string="Why Nothing Is Likely Yet",
        groups="crm_ecommerce.group_crm_ecommerce_user",
    )

    def _compute_crm_next_product_ids(self):
        company = self.env.company
        # sudo: which products the customers bought, from the current
        # company's confirmed orders only (the field is for the
        # customer-intelligence group, whatever the salesperson's own orders).
        Line = self.env["sale.order.line"].sudo()
        groups = Line._read_group(
            [
                ("order_id.partner_id", "child_of", self.commercial_partner_id.ids),
                ("order_id.state", "=", "sale"),
                ("company_id", "=", company.id),
                ("product_id", "!=", False),
            ],
            ["order_partner_id", "product_id"],
        )
        bought = defaultdict(lambda: self.env["product.product"])
        for partner, product in groups:
            bought[partner.commercial_partner_id.id] |= product
        all_bought = (
            self.env["product.product"].union(*bought.values())
            if bought
            else self.env["product.product"]
        )
        # sudo: product pairs of the current company only, no customer data.
        Affinity = self.env["crm.product.affinity"].sudo()
        rows = Affinity.search(
            [("product_id", "in", all_bought.ids), ("company_id", "=", company.id)]
        )
        reason = None
        for partner in self:
            own = bought.get(partner.commercial_partner_id.id, self.env["product.product"])
            lift = defaultdict(float)
            for row in rows:
                if row.product_id in own and row.related_product_id not in own:
                    lift[row.related_product_id] += row.lift
            ranked = self.env["product.product"]._crm_best_sellable(lift, company)
            partner.crm_next_product_ids = [Command.set(ranked.ids)]
            if ranked:
                partner.crm_next_product_note = False
            elif not own:
                partner.crm_next_product_note = self.env._(
                    "Not enough orders yet: 0 of 1 needed (this customer has no confirmed order)."
                )
            else:
                reason = reason or Affinity._crm_empty_reason(company)
                partner.crm_next_product_note = reason
