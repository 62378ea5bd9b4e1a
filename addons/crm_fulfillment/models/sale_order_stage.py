from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from ..tools import stages as rules

DEFER = "fulfillment_defer_sync"
# Follow from the order's documents; written by the sync, the SLA cron and
# the delivery confirmation only (as superuser, after their checks).
FULFILLMENT_FIELDS = frozenset(
    {
        "fulfillment_stage_id",
        "fulfillment_stage_date",
        "fulfillment_shipped_date",
        "fulfillment_delivered_date",
        "fulfillment_late",
        "fulfillment_late_stage_id",
        "fulfillment_payment_override",
    }
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    fulfillment_stage_id = fields.Many2one(
        "sale.fulfillment.stage",
        string="Fulfilment Stage",
        readonly=True,
        copy=False,
        index=True,
        group_expand="_read_group_fulfillment_stage_ids",
        help="Where the order stands, computed from its state, payment and pickings.",
    )
    fulfillment_stage_code = fields.Selection(related="fulfillment_stage_id.code")
    fulfillment_stage_date = fields.Datetime(string="In Stage Since", readonly=True, copy=False)
    fulfillment_event_ids = fields.One2many(
        "sale.fulfillment.event", "order_id", string="Fulfilment History", readonly=True
    )
    fulfillment_shipped_date = fields.Datetime(string="Shipped On", readonly=True, copy=False)
    fulfillment_delivered_date = fields.Datetime(string="Delivered On", readonly=True, copy=False)
    fulfillment_payment_override = fields.Boolean(
        string="Ships Before Payment",
        readonly=True,
        copy=False,
        help="A manager allowed the goods to leave before the order is paid.",
    )
    fulfillment_paid = fields.Boolean(
        string="Paid",
        compute="_compute_fulfillment_paid",
        help="Payment before shipping applies to the order and it is paid in full.",
    )
    fulfillment_delivered_percent = fields.Float(
        string="Delivered %",
        compute="_compute_fulfillment_delivered_percent",
        store=True,
        aggregator="avg",
    )

    @api.model
    def _read_group_fulfillment_stage_ids(self, stages, domain):
        return stages.search([], limit=len(rules.CODES))

    @api.depends("order_line.qty_delivered", "order_line.product_uom_qty")
    def _compute_fulfillment_delivered_percent(self):
        for order in self:
            lines = order.order_line.filtered(lambda ln: ln.product_id.type == "consu")
            ordered = sum(lines.mapped("product_uom_qty"))
            delivered = sum(min(ln.qty_delivered, ln.product_uom_qty) for ln in lines)
            order.fulfillment_delivered_percent = 100.0 * delivered / ordered if ordered else 0.0

    def _compute_fulfillment_paid(self):
        """Paid is said only where payment is checked: a confirmed order
        that must be paid before shipping, and is."""
        for order in self:
            order.fulfillment_paid = (
                order.state == "sale"
                and order._fulfillment_requires_payment()
                and float_compare(
                    order._fulfillment_paid_amount(),
                    order.amount_total,
                    precision_rounding=order.currency_id.rounding,
                )
                >= 0
            )

    # ------------------------------------------------------------------
    # Facts -> stage
    # ------------------------------------------------------------------
    def _fulfillment_requires_payment(self):
        self.ensure_one()
        return (
            self.company_id.fulfillment_require_payment
            or self.payment_term_id.fulfillment_require_payment
        )

    def _fulfillment_paid_amount(self):
        """What the customer paid for the order: paid (or in payment) posted
        invoices, or done payment transactions, whichever is more, so that a
        transaction reconciled with its invoice is not counted twice."""
        self.ensure_one()
        invoices = self.invoice_ids.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m.payment_state in ("paid", "in_payment")
            )
        )
        transactions = self.transaction_ids.filtered(lambda tx: tx.state == "done")
        return max(sum(invoices.mapped("amount_total")), sum(transactions.mapped("amount")))

    def _fulfillment_awaiting_payment(self):
        self.ensure_one()
        if (
            self.state != "sale"
            or self.fulfillment_payment_override
            or not self._fulfillment_requires_payment()
        ):
            return False
        paid = self._fulfillment_paid_amount()
        return (
            float_compare(paid, self.amount_total, precision_rounding=self.currency_id.rounding) < 0
        )

    @api.model
    def _fulfillment_picking_step(self, picking):
        warehouse = picking.picking_type_id.warehouse_id
        if (
            warehouse.delivery_steps != "ship_only"
            and picking.picking_type_id == warehouse.pick_type_id
        ):
            return "pick"
        if (
            warehouse.delivery_steps == "pick_pack_ship"
            and picking.picking_type_id == warehouse.pack_type_id
        ):
            return "pack"
        return "out"

    def _fulfillment_target_codes(self):
        """{order id: stage code} from the facts, for the whole recordset."""
        targets = {}
        for order in self:
            open_codes, shipped = [], False
            if order.state == "sale":
                for picking in order.picking_ids:
                    if picking.picking_type_code == "incoming" or picking.state == "cancel":
                        continue
                    step = self._fulfillment_picking_step(picking)
                    if picking.state == "done":
                        shipped = shipped or step == "out"
                    else:
                        steps = picking.picking_type_id.warehouse_id.delivery_steps or "ship_only"
                        open_codes.append(rules.picking_stage(step, picking.state, steps))
            targets[order.id] = rules.order_stage(
                order.state,
                order._fulfillment_awaiting_payment(),
                open_codes,
                shipped,
                bool(order.fulfillment_delivered_date),
            )
        return targets

    # ------------------------------------------------------------------
    # Sync: write the stage and exactly one event per change
    # ------------------------------------------------------------------
    def _fulfillment_sync(self, when=None):
        """Move the orders to the stage their facts say, in batch.

        Runs as superuser: the stage follows from pickings, invoices and
        payments that the user who changed one of them may not be allowed to
        read (a warehouse user validating a delivery, a portal payment).
        """
        if self.env.context.get(DEFER) or not self:
            return
        # Only the install hook (as superuser) may silence history and emails.
        quiet = (
            {} if self.env.su else {"fulfillment_no_event": False, "fulfillment_no_notify": False}
        )
        # sudo: see the docstring; the stage follows from the documents.
        orders = self.sudo().with_context(**quiet).exists()
        stage_by_code = self.env["sale.fulfillment.stage"]._by_code()
        when = when or fields.Datetime.now()
        targets = orders._fulfillment_target_codes()
        first_shipped = orders._fulfillment_first_shipped_dates()
        changes, events, by_stage = [], [], {}
        for order in orders:
            new = stage_by_code.get(targets[order.id])
            old = order.fulfillment_stage_id
            if not new or new == old:
                continue
            changes.append((order, old, new))
            by_stage.setdefault(new, []).append(order.id)
            events.append(order._prepare_fulfillment_event_vals(old, new, when))
        for stage, order_ids in by_stage.items():
            vals = {"fulfillment_stage_id": stage.id, "fulfillment_stage_date": when}
            vals.update(self._fulfillment_stage_entry_vals(stage, when))
            orders.browse(order_ids).write(vals)
        by_date = {}
        for order in orders.filtered(lambda o: not o.fulfillment_shipped_date):
            if first_shipped.get(order.id):
                by_date.setdefault(first_shipped[order.id], []).append(order.id)
        for date, order_ids in by_date.items():
            orders.browse(order_ids).write({"fulfillment_shipped_date": date})
        if events and not orders.env.context.get("fulfillment_no_event"):
            # sudo: the history is written by this sync only, never by users.
            self.env["sale.fulfillment.event"].sudo().create(events)
        for order, old, new in changes:
            order._fulfillment_stage_changed(old, new)

    def _prepare_fulfillment_event_vals(self, old, new, when):
        self.ensure_one()
        return {
            "order_id": self.id,
            "from_stage_id": old.id,
            "to_stage_id": new.id,
            "date": when,
            "duration_hours": rules.hours_between(self.fulfillment_stage_date, when)
            if old
            else 0.0,
            "user_id": self.env.uid,
            "payment_received": old.code == "awaiting_payment"
            and new.code not in ("quotation", "cancelled")
            and float_compare(
                self._fulfillment_paid_amount(),
                self.amount_total,
                precision_rounding=self.currency_id.rounding,
            )
            >= 0,
            "company_id": self.company_id.id,
            "warehouse_id": self.warehouse_id.id,
            "partner_id": self.partner_id.id,
        }

    def _fulfillment_first_shipped_dates(self):
        """{order id: when its first delivery to the customer was validated}:
        the shipped date, which return windows and automatic delivery count
        from. Exchanges of returns are not the order's own deliveries."""
        dates = {}
        for order in self:
            done = order.picking_ids.filtered(
                lambda p: (
                    p.state == "done" and p.picking_type_code == "outgoing" and not p.sale_return_id
                )
            )
            if done:
                dates[order.id] = min(done.mapped("date_done"))
        return dates

    def _fulfillment_stage_changed(self, old, new):
        """Hook called once per order and stage change, after the event is
        written; other addons override it. Sends the customer emails."""
        self.ensure_one()
        company = self.company_id
        template = False
        if new.code == "shipped" and company.fulfillment_notify_shipped:
            template = self.env.ref("crm_fulfillment.mail_template_order_shipped")
        elif new.code == "delivered" and company.fulfillment_notify_delivered:
            template = self.env.ref("crm_fulfillment.mail_template_order_delivered")
        if template and self.partner_id.email and not self.env.context.get("fulfillment_no_notify"):
            self.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    # ------------------------------------------------------------------
    # Flow hooks
    # ------------------------------------------------------------------
    def action_confirm(self):
        res = super(SaleOrder, self.with_context(**{DEFER: True})).action_confirm()
        self._fulfillment_sync()
        return res

    def _action_cancel(self):
        res = super(SaleOrder, self.with_context(**{DEFER: True}))._action_cancel()
        self._fulfillment_sync()
        return res

    def action_draft(self):
        res = super().action_draft()
        # sudo: workflow fields; sale's action_draft checked the caller.
        self.sudo().write({"fulfillment_delivered_date": False, "fulfillment_shipped_date": False})
        self._fulfillment_sync()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(FULFILLMENT_FIELDS & set(vals) for vals in vals_list):
            self._raise_fulfillment_fields()
        orders = super().create(vals_list)
        orders._fulfillment_sync()
        return orders

    def write(self, vals):
        if not self.env.su and FULFILLMENT_FIELDS & set(vals):
            self._raise_fulfillment_fields()
        return super().write(vals)

    def _raise_fulfillment_fields(self):
        raise UserError(
            self.env._(
                "The fulfilment stage, its dates and the late flag follow from the order's "
                "deliveries and payments; they can't be set by hand."
            )
        )

    def action_fulfillment_recompute(self):
        self._check_fulfillment_rights()
        self._fulfillment_sync()
        return True

    def _check_fulfillment_rights(self, group="crm_fulfillment.group_fulfillment_user"):
        """Buttons that move orders as superuser: the caller follows
        fulfilment and may change these orders (record rules: own orders,
        company)."""
        if self.env.su:
            return
        if not self.env.user.has_group(group):
            raise AccessError(self.env._("You are not allowed to change the fulfilment of orders."))
        self.check_access("write")

    def action_fulfillment_allow_shipping(self):
        """A manager lets unpaid goods leave: recorded on the order."""
        self._check_fulfillment_rights("crm_fulfillment.group_fulfillment_manager")
        todo = self.filtered(lambda o: o._fulfillment_awaiting_payment())
        if not todo:
            raise UserError(self.env._("These orders don't wait for payment."))
        # sudo: a workflow field, by a manager checked above.
        todo.sudo().fulfillment_payment_override = True
        for order in todo:
            order.message_post(
                body=self.env._(
                    "%(user)s allowed the goods to leave before payment "
                    "(%(paid)s paid of %(total)s).",
                    user=self.env.user.name,
                    paid=order.currency_id.format(order._fulfillment_paid_amount()),
                    total=order.currency_id.format(order.amount_total),
                ),
                subtype_xmlid="mail.mt_note",
            )
        todo._fulfillment_sync()
        return True

    # ------------------------------------------------------------------
    # Delivered
    # ------------------------------------------------------------------
    def action_fulfillment_mark_delivered(self):
        self._check_fulfillment_rights()
        self._check_fulfillment_deliverable(fields.Datetime.now())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark as Delivered"),
            "res_model": "sale.fulfillment.deliver",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "sale.order", "active_ids": self.ids},
        }

    def _check_fulfillment_deliverable(self, date):
        if date > fields.Datetime.now():
            raise UserError(self.env._("The delivery date can't be in the future."))
        not_shipped = self.filtered(lambda o: o.fulfillment_stage_code != "shipped")
        if not_shipped:
            raise UserError(
                self.env._(
                    "Only shipped orders can be marked as delivered; %(orders)s "
                    "has goods still to leave the warehouse.",
                    orders=", ".join(not_shipped.mapped("name")),
                )
            )
        too_early = self.filtered(
            lambda o: o.fulfillment_shipped_date and date < o.fulfillment_shipped_date
        )
        if too_early:
            raise UserError(
                self.env._(
                    "%(orders)s left the warehouse later; choose a delivery date after shipping.",
                    orders=", ".join(too_early.mapped("name")),
                )
            )

    def _fulfillment_mark_delivered(self, date=None):
        """Confirm delivery: the button, a carrier integration or the
        auto-delivery cron call this."""
        date = date or fields.Datetime.now()
        self._check_fulfillment_rights()
        self._check_fulfillment_deliverable(date)
        # sudo: the delivered date is read-only for users; rights checked above.
        self.sudo().write({"fulfillment_delivered_date": date})
        self._fulfillment_sync(when=date)
        return True
