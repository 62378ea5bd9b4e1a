from odoo import api, fields, models


class SaleFulfillmentEvent(models.Model):
    """One stage change of an order: the history behind the timeline and the
    bottleneck analysis. Written by the stage sync only."""

    _name = "sale.fulfillment.event"
    _description = "Fulfilment Stage Change"
    _order = "date desc, id desc"
    _rec_name = "to_stage_id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", required=True, index=True, ondelete="cascade", check_company=True
    )
    from_stage_id = fields.Many2one("sale.fulfillment.stage", string="From", ondelete="restrict")
    to_stage_id = fields.Many2one(
        "sale.fulfillment.stage", string="To", required=True, ondelete="restrict"
    )
    from_stage_code = fields.Selection(related="from_stage_id.code", string="From Code")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration_hours = fields.Float(
        string="Hours in Previous Stage",
        aggregator="avg",
        help="How long the order stayed in the stage it left.",
    )
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    source = fields.Selection(
        [("live", "Recorded"), ("history", "Rebuilt from documents")],
        default="live",
        required=True,
        help="Rebuilt: the change happened before the addon was installed; its date comes "
        "from the order's documents (creation, confirmation, validated transfers).",
    )
    payment_received = fields.Boolean(
        readonly=True,
        help="The order left 'Awaiting Payment' because it was paid in full.",
    )
    label = fields.Char(
        string="Stage",
        compute="_compute_label",
        help="What the customer and staff read: 'Paid' where the order left "
        "'Awaiting Payment' because it was paid.",
    )
    # Copied from the order when the event is written (not related fields:
    # they would cost one more UPDATE per batch of events).
    company_id = fields.Many2one("res.company", required=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True)
    # Indexed so that deleting or merging a contact does not scan the
    # whole history to unlink it.
    partner_id = fields.Many2one("res.partner", string="Customer", index="btree_not_null")

    @api.depends("to_stage_id", "payment_received")
    def _compute_label(self):
        for event in self:
            stage = event.to_stage_id
            if not event.payment_received:
                event.label = stage.name
            elif stage.code == "paid":
                event.label = self.env._("Paid")
            else:
                event.label = self.env._("Paid, %s", stage.name)
