from odoo import fields, models


class CrmProductBuyers(models.Model):
    """Customers who bought two products of the same category in a
    company's suggestion period, per pair: the figure of an up-sell's
    sentence ("bought by 3 customers who bought ..."). Each pair once, the
    product with the lower id first; a pair without a row has no such
    customer. Written by the nightly refresh with the products bought
    together (crm.product.affinity._refresh), in SQL only."""

    _name = "crm.product.buyers"
    _description = "Customers Who Bought Both"
    _order = "buyers desc, id"
    _log_access = False
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", check_company=True
    )
    other_product_id = fields.Many2one(
        "product.product",
        string="Also Bought",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    buyers = fields.Integer(
        help="Customers who bought both products in the suggestion period (a company and its "
        "contacts count as one)."
    )
