from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

from ..tools import returns as rules
from .sale_return import OPEN_STATES

# Written by the return's own methods only (as superuser, after their checks).
WORKFLOW_FIELDS = frozenset(
    {
        "return_id",
        "state",
        "company_id",
        "product_id",
        "qty_received",
        "qty_scrapped",
        "resolved",
        "amount",
        "fee_amount",
        "refund_amount",
    }
)
# What the customer claims: fixed once the return is requested.
DRAFT_FIELDS = frozenset({"order_line_id", "quantity", "reason_id"})
# How staff handle the goods: open until the return is resolved.
HANDLING_STATES = ("draft", "requested", "approved", "received")


class SaleReturnLine(models.Model):
    _name = "sale.return.line"
    _description = "Return Line"
    _order = "return_id, sequence, id"
    _check_company_auto = True

    return_id = fields.Many2one("sale.return", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    state = fields.Selection(related="return_id.state", store=True)
    company_id = fields.Many2one(related="return_id.company_id", store=True, index=True)
    order_id = fields.Many2one(related="return_id.order_id")
    order_line_id = fields.Many2one(
        "sale.order.line",
        required=True,
        index=True,
        domain="[('order_id', '=', order_id), ('display_type', '=', False)]",
        check_company=True,
    )
    product_id = fields.Many2one(related="order_line_id.product_id", store=True, string="Product")
    product_uom_id = fields.Many2one(related="order_line_id.product_uom", string="Unit")
    currency_id = fields.Many2one(related="order_line_id.currency_id")
    quantity = fields.Float(digits="Product Unit of Measure", required=True, default=1.0)
    reason_id = fields.Many2one("sale.return.reason", required=True, check_company=True)
    condition = fields.Selection(
        [("stock", "Back to Stock"), ("scrap", "Scrap")],
        compute="_compute_condition",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Chosen when the goods are received: resellable goods go back to stock, "
        "the others are scrapped.",
    )
    resolution = fields.Selection(
        [("refund", "Refund"), ("exchange", "Exchange")],
        required=True,
        default="refund",
    )
    exchange_product_id = fields.Many2one(
        "product.product",
        string="Exchange For",
        check_company=True,
        help="The variant to send instead; empty = the same product.",
    )
    qty_received = fields.Float(digits="Product Unit of Measure", readonly=True, copy=False)
    qty_scrapped = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Received goods already scrapped; goods received in several parts "
        "are each scrapped once.",
    )
    resolved = fields.Boolean(readonly=True, copy=False)
    # Gross, fee and net are all on the basis of what the customer paid
    # (taxes included): the fee is the reason's percentage of the gross, and
    # the credit note deducts it untaxed, so that its total is the net.
    amount = fields.Monetary(
        string="Gross",
        compute="_compute_amounts",
        store=True,
        help="What the customer paid for the returned quantity, taxes included.",
    )
    fee_amount = fields.Monetary(
        string="Restocking Fee",
        compute="_compute_amounts",
        store=True,
        help="The reason's restocking fee, a percentage of the gross (taxes included).",
    )
    refund_amount = fields.Monetary(
        string="Net Refund",
        compute="_compute_amounts",
        store=True,
        help="Gross less the restocking fee: what a refund pays back.",
    )

    @api.depends(
        "quantity",
        "order_line_id.price_total",
        "order_line_id.product_uom_qty",
        "reason_id.restocking_fee_percent",
    )
    def _compute_amounts(self):
        for line in self:
            ordered = line.order_line_id.product_uom_qty
            unit_total = line.order_line_id.price_total / ordered if ordered else 0.0
            line.amount = unit_total * line.quantity
            line.fee_amount, line.refund_amount = rules.refund_split(
                line.amount, line.reason_id.restocking_fee_percent
            )

    @api.depends("reason_id")
    def _compute_condition(self):
        """The reason's usual condition ("Arrived damaged": scrap)."""
        for line in self:
            line.condition = line.reason_id.default_condition or "stock"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            (WORKFLOW_FIELDS - {"return_id"}) & set(vals) for vals in vals_list
        ):
            self._raise_workflow_fields()
        lines = super().create(vals_list)
        lines._check_return_is_draft()
        return lines

    def write(self, vals):
        if not self.env.su:
            self._check_protected_write(vals)
        return super().write(vals)

    def _check_protected_write(self, vals):
        if WORKFLOW_FIELDS & set(vals):
            self._raise_workflow_fields()
        if DRAFT_FIELDS & set(vals):
            self._check_return_is_draft()
        if set(vals) - DRAFT_FIELDS:
            closed = self.return_id.filtered(lambda r: r.state not in HANDLING_STATES)
            if closed:
                raise UserError(
                    self.env._(
                        "%s is closed: its lines can't be changed any more.",
                        ", ".join(closed.mapped("name")),
                    )
                )

    def _raise_workflow_fields(self):
        raise UserError(
            self.env._(
                "Received and scrapped quantities, amounts and the resolution status "
                "of a return line change through the return's buttons and transfers only."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_in_draft(self):
        self._check_return_is_draft()

    def _check_return_is_draft(self):
        """Products are added or removed while the return is a draft: once
        requested, its quantities are claimed on the order and its transfers
        made from them."""
        started = self.return_id.filtered(lambda r: r.state != "draft")
        if started:
            raise UserError(
                self.env._(
                    "Products can only be added to or removed from a draft return; "
                    "%s is already requested.",
                    ", ".join(started.mapped("name")),
                )
            )

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if (
                float_compare(
                    line.quantity, 0.0, precision_rounding=line.product_uom_id.rounding or 0.01
                )
                <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "The quantity to return of %s must be more than 0.",
                        line.product_id.display_name,
                    )
                )

    @api.constrains("order_line_id", "return_id")
    def _check_order_line(self):
        for line in self:
            if line.order_line_id.order_id != line.return_id.order_id:
                raise ValidationError(
                    self.env._("%s is not on the returned order.", line.order_line_id.display_name)
                )

    @api.constrains("exchange_product_id", "order_line_id")
    def _check_exchange_product(self):
        for line in self.filtered("exchange_product_id"):
            if line.exchange_product_id.product_tmpl_id != line.product_id.product_tmpl_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s can only be exchanged for another variant "
                        "of the same product.",
                        product=line.product_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Checks at request time, in batch
    # ------------------------------------------------------------------
    def _open_requested_quantities(self):
        """{order line id: quantity claimed by other open returns, not yet
        received}, in one query."""
        return self._claimed_quantities(self.order_line_id, exclude_ids=self.ids)

    @api.model
    def _claimed_quantities(self, order_lines, exclude_ids=()):
        """{order line id: quantity open returns claim and have not received
        yet}, in one query."""
        groups = (
            self.env["sale.return.line"]
            # sudo: other users' returns claim the same goods; only sums of
            # quantities per order line the caller already holds come back.
            .sudo()
            ._read_group(
                [
                    ("order_line_id", "in", order_lines.ids),
                    ("state", "in", OPEN_STATES),
                    ("id", "not in", list(exclude_ids)),
                ],
                ["order_line_id"],
                ["quantity:sum", "qty_received:sum"],
            )
        )
        return {line.id: qty - received for line, qty, received in groups}

    def _check_returnable(self):
        now = fields.Datetime.now()
        open_requested = self._open_requested_quantities()
        asked = defaultdict(float)
        for line in self:
            asked[line.order_line_id] += line.quantity
        for line in self:
            product = line.product_id
            if line.order_line_id.order_id != line.return_id.order_id:
                raise UserError(
                    self.env._("%s is not on the returned order.", product.display_name)
                )
            if not product.sale_returnable:
                raise UserError(self.env._("%s can't be returned.", product.display_name))
            end = line.order_line_id._return_window_end()
            days = line.order_line_id._return_window_days()
            if end and now > end:
                raise UserError(
                    self.env._(
                        "The return window of %(product)s closed on %(date)s "
                        "(%(days)s days after delivery).",
                        product=product.display_name,
                        date=fields.Date.to_string(end.date()),
                        days=days,
                    )
                )
        for order_line, quantity in asked.items():
            available = rules.returnable_quantity(
                order_line.qty_delivered, open_requested.get(order_line.id, 0.0)
            )
            order_line._check_return_quantity(quantity, available)

    # ------------------------------------------------------------------
    # Pickings
    # ------------------------------------------------------------------
    def _allocate_to_delivery_moves(self):
        """{delivery picking: {move id: quantity}}: each line's quantity
        spread over the done customer deliveries of its order line, newest
        first, less what was already returned from each."""
        result = defaultdict(lambda: defaultdict(float))
        for line in self:
            remaining = line.quantity
            moves = line.order_line_id.move_ids.filtered(
                lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
            ).sorted("date", reverse=True)
            for move in moves:
                already = (
                    sum(m.product_uom_qty for m in move.returned_move_ids if m.state != "cancel")
                    + result[move.picking_id][move.id]
                )
                take = min(remaining, move.quantity - already)
                if take > 0:
                    result[move.picking_id][move.id] += take
                    remaining -= take
                if float_is_zero(remaining, precision_rounding=line.product_uom_id.rounding):
                    break
            if not float_is_zero(remaining, precision_rounding=line.product_uom_id.rounding):
                raise UserError(
                    self.env._(
                        "%s was not delivered in that quantity.", line.product_id.display_name
                    )
                )
        return result

    def _register_received(self, moves):
        """Spread what the validated return moves brought back over the
        lines of each order line; returns the lines that received goods.
        Called on the return as superuser (see sale.return)."""
        received = defaultdict(float)
        for move in moves.filtered(
            lambda m: m.state == "done" and m.location_id.usage == "customer"
        ):
            received[move.sale_line_id.id] += move.product_uom._compute_quantity(
                move.quantity, move.sale_line_id.product_uom
            )
        touched = self.browse()
        for line in self:
            left = received.get(line.order_line_id.id, 0.0)
            take = min(left, line.quantity - line.qty_received)
            if take > 0:
                line.qty_received += take
                received[line.order_line_id.id] = left - take
                touched |= line
        return touched

    def _scrap_unsellable(self):
        """Scrap what was received and not scrapped yet, from the newest
        receipt of the product."""
        Scrap = self.env["stock.scrap"]
        for line in self.filtered(lambda ln: ln.condition == "scrap"):
            quantity = line.qty_received - line.qty_scrapped
            if float_compare(quantity, 0.0, precision_rounding=line.product_uom_id.rounding) <= 0:
                continue
            picking = line.return_id.picking_ids.filtered(
                lambda p, ln=line: (
                    p.state == "done"
                    and p.picking_type_code == "incoming"
                    and ln.product_id in p.move_ids.product_id
                )
            ).sorted("date_done", reverse=True)[:1]
            line.qty_scrapped += quantity
            scrap = Scrap.create(
                {
                    "product_id": line.product_id.id,
                    "scrap_qty": quantity,
                    "product_uom_id": line.product_uom_id.id,
                    "location_id": picking.location_dest_id.id,
                    "picking_id": picking.id,
                    "origin": line.return_id.name,
                    "company_id": line.company_id.id,
                }
            )
            scrap.action_validate()
