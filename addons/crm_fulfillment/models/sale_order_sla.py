from datetime import timedelta

from odoo import api, fields, models

from ..tools import stages as rules


class SaleOrder(models.Model):
    _inherit = "sale.order"

    fulfillment_deadline = fields.Datetime(
        string="Stage Deadline",
        compute="_compute_fulfillment_deadline",
        store=True,
        help="When the order is late if it is still in its current stage.",
    )
    fulfillment_late = fields.Boolean(
        string="Late",
        readonly=True,
        copy=False,
        index=True,
        help="The order stayed in its stage past the stage's SLA target.",
    )
    fulfillment_late_stage_id = fields.Many2one(
        "sale.fulfillment.stage",
        string="Late In Stage",
        readonly=True,
        copy=False,
        help="The stage the order was late in; lateness is reported once per stage.",
    )

    @api.depends(
        "fulfillment_stage_date",
        "fulfillment_stage_id.sla_hours",
        "company_id.fulfillment_sla_use_calendar",
        "company_id.resource_calendar_id",
    )
    def _compute_fulfillment_deadline(self):
        for order in self:
            hours = order.fulfillment_stage_id.sla_hours
            start = order.fulfillment_stage_date
            calendar = order.company_id.resource_calendar_id
            if hours and start and order.company_id.fulfillment_sla_use_calendar and calendar:
                order.fulfillment_deadline = calendar.plan_hours(
                    hours, start.replace(tzinfo=None), compute_leaves=True
                )
                if order.fulfillment_deadline:
                    order.fulfillment_deadline = order.fulfillment_deadline.replace(tzinfo=None)
            else:
                order.fulfillment_deadline = rules.sla_deadline(start, hours)

    @api.model
    def _fulfillment_stage_entry_vals(self, stage, when):
        """Values written on orders entering ``stage`` (by the stage sync of
        sale_order_stage.py); an extension point. Lateness is per stage: an
        order entering a stage is not late in it yet.

        Declared here rather than next to the sync: this file is loaded
        first, and an override here of a method declared there would never
        be reached."""
        return {"fulfillment_late": False, "fulfillment_late_stage_id": False}

    @api.model
    def _cron_fulfillment_sla(self):
        """Flag the orders that became late since the last run: one activity
        for the salesperson and one hook call per order and stage."""
        late = self.search(
            [
                ("fulfillment_late", "=", False),
                ("fulfillment_deadline", "!=", False),
                ("fulfillment_deadline", "<", fields.Datetime.now()),
                ("fulfillment_stage_id.sla_hours", ">", 0),
            ]
        )
        if not late:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        for stage in late.fulfillment_stage_id:
            late.filtered(lambda o, s=stage: o.fulfillment_stage_id == s).write(
                {"fulfillment_late": True, "fulfillment_late_stage_id": stage.id}
            )
        self.env["mail.activity"].create(late._prepare_fulfillment_late_activity_vals())
        late._on_fulfillment_late()
        self.env["ir.cron"]._notify_progress(done=len(late), remaining=0)

    def _prepare_fulfillment_late_activity_vals(self):
        model_id = self.env["ir.model"]._get_id("sale.order")
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        return [
            {
                "res_model_id": model_id,
                "res_id": order.id,
                "activity_type_id": activity_type.id,
                "summary": self.env._("Late in %s", order.fulfillment_stage_id.name),
                "note": self.env._(
                    "%(order)s passed the %(hours)s hour target of stage %(stage)s.",
                    order=order.name,
                    hours=order.fulfillment_stage_id.sla_hours,
                    stage=order.fulfillment_stage_id.name,
                ),
                "user_id": (order.user_id or self.env.user).id,
                "date_deadline": fields.Date.context_today(self),
            }
            for order in self
        ]

    def _on_fulfillment_late(self):
        """Called once per order and stage when an order becomes late; other
        addons override it (to make amends to the customer, say)."""
        return True

    @api.model
    def _cron_fulfillment_auto_deliver(self):
        """Consider shipped orders delivered N days after shipping, for the
        companies that set N."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].search([("fulfillment_auto_deliver_days", ">", 0)])
        done = 0
        for company in companies:
            limit = now - timedelta(days=company.fulfillment_auto_deliver_days)
            orders = self.search(
                [
                    ("company_id", "=", company.id),
                    ("fulfillment_stage_id.code", "=", "shipped"),
                    ("fulfillment_shipped_date", "<=", limit),
                ]
            )
            # Shipped before the addon was installed (a rebuilt history): they
            # are delivered too, without telling the customer now.
            before = set(
                self.env["sale.fulfillment.event"]
                .search(
                    [
                        ("order_id", "in", orders.ids),
                        ("source", "=", "history"),
                        ("to_stage_id.code", "=", "shipped"),
                    ]
                )
                .order_id.ids
            )
            for order in orders:
                when = order.fulfillment_shipped_date + timedelta(
                    days=company.fulfillment_auto_deliver_days
                )
                quiet = order.id in before
                order.with_context(fulfillment_no_notify=quiet)._fulfillment_mark_delivered(
                    min(when, now)
                )
            done += len(orders)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
