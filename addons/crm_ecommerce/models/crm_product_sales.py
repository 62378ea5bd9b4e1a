from odoo import fields, models


class CrmProductSales(models.Model):
    """The products a company sold in its suggestion period, with their
    number of orders: the products an up-sell may propose (a pricier one of
    the same category that sells). Written with the products bought
    together by the nightly refresh (crm.product.affinity._refresh), in SQL
    only, so that a quotation's Suggestions tab reads a few rows instead of
    the period's order lines."""

    _name = "crm.product.sales"
    _description = "Products Sold"
    _order = "orders desc, id"
    _log_access = False
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", check_company=True
    )
    orders = fields.Integer(help="Confirmed orders of the suggestion period with the product.")
