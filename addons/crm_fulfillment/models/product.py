from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    sale_returnable = fields.Boolean(
        string="Returnable",
        default=True,
        help="Customers may request a return of this product.",
    )


class ProductCategory(models.Model):
    _inherit = "product.category"

    return_window_days = fields.Integer(
        string="Return Window (days)",
        help="Days after delivery to request a return of products of this category. "
        "0 = the company's default.",
    )

    @api.constrains("return_window_days")
    def _check_return_window_days(self):
        if any(categ.return_window_days < 0 for categ in self):
            raise ValidationError(self.env._("A return window can't be negative."))
