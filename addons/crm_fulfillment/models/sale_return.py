from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare

from ..tools.locks import lock_rows

OPEN_STATES = ("requested", "approved")
# Changed only by the return's own methods, which write them as superuser
# after checking the caller's group and access; a direct write (RPC, an
# import) by anyone else is refused.
WORKFLOW_FIELDS = frozenset(
    {"state", "request_date", "reject_reason", "credit_note_ids", "picking_ids", "partner_id"}
)
# What the return claims: fixed once it is requested.
DRAFT_FIELDS = frozenset({"order_id", "company_id"})


class SaleReturn(models.Model):
    _name = "sale.return"
    _description = "Return (RMA)"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("received", "Received"),
            ("done", "Done"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        group_expand="_read_group_state",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        required=True,
        index=True,
        domain="[('state', '=', 'sale'), ('company_id', '=', company_id)]",
        tracking=True,
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="order_id.partner_id", store=True, index=True, string="Customer"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user, tracking=True
    )
    request_date = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many("sale.return.line", "return_id", string="Lines", copy=True)
    preferred_resolution = fields.Selection(
        [("refund", "Refund"), ("exchange", "Exchange")],
        default="refund",
        help="What the customer asked for; each line can be resolved differently.",
    )
    customer_note = fields.Text(string="Customer Comment")
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    picking_ids = fields.One2many(
        "stock.picking", "sale_return_id", string="Transfers", readonly=True
    )
    credit_note_ids = fields.Many2many(
        "account.move",
        "sale_return_account_move_rel",
        "return_id",
        "move_id",
        string="Credit Notes",
        readonly=True,
        copy=False,
    )
    amount_total = fields.Monetary(
        compute="_compute_amount_total", store=True, currency_field="currency_id"
    )
    picking_count = fields.Integer(compute="_compute_counts")
    credit_note_count = fields.Integer(compute="_compute_counts")

    @api.model
    def _read_group_state(self, states, domain):
        return [key for key, _label in self._fields["state"].selection]

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for ret in self:
            ret.amount_total = sum(ret.line_ids.mapped("amount"))

    @api.depends("picking_ids", "credit_note_ids")
    def _compute_counts(self):
        for ret in self:
            ret.picking_count = len(ret.picking_ids)
            ret.credit_note_count = len(ret.credit_note_ids)

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for ret in self:
            ret.access_url = f"/my/returns/{ret.id}"
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su and WORKFLOW_FIELDS & set(vals):
                self._raise_workflow_fields()
            if vals.get("order_id") and not vals.get("company_id"):
                vals["company_id"] = self.env["sale.order"].browse(vals["order_id"]).company_id.id
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_protected_write(vals)
        return super().write(vals)

    def _check_protected_write(self, vals):
        """Workflow fields move through the return's methods only, and what
        a return claims is fixed once it is requested."""
        if WORKFLOW_FIELDS & set(vals):
            self._raise_workflow_fields()
        if DRAFT_FIELDS & set(vals) and any(ret.state != "draft" for ret in self):
            raise UserError(
                self.env._("The order and company of a return can't change once it is requested.")
            )
        if vals.get("order_id"):
            # Only onto an order the user may see (own orders, company).
            self.env["sale.order"].browse(vals["order_id"]).check_access("read")

    def _raise_workflow_fields(self):
        raise UserError(
            self.env._(
                "The status, dates, customer, transfers and credit notes of a return "
                "change through its buttons only."
            )
        )

    def _check_access_for_action(self, group="crm_fulfillment.group_fulfillment_user"):
        """Before a button writes as superuser: the caller has the group and
        may change these returns (record rules: own orders, company)."""
        if self.env.su:
            return
        if not self.env.user.has_group(group):
            raise AccessError(self.env._("You are not allowed to handle returns."))
        self.check_access("write")

    @api.constrains("order_id", "line_ids")
    def _check_lines_of_order(self):
        for ret in self:
            foreign = ret.line_ids.filtered(
                lambda ln, r=ret: ln.order_line_id.order_id != r.order_id
            )
            if foreign:
                raise ValidationError(
                    self.env._(
                        "The products of %(ret)s come from its order: remove %(products)s "
                        "before choosing another order.",
                        ret=ret.name,
                        products=", ".join(foreign.product_id.mapped("display_name")),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(ret.state not in ("draft", "cancelled") for ret in self):
            raise UserError(self.env._("Only draft or cancelled returns can be deleted."))

    # ------------------------------------------------------------------
    # Request
    # ------------------------------------------------------------------
    def action_request(self):
        self._check_access_for_action()
        self._check_request()
        for ret in self:
            # sudo: the state is a workflow field; the caller's rights and the
            # request itself were checked just above.
            ret.sudo().write(ret._prepare_request_vals())
        self._auto_approve_or_ask()
        return True

    def _prepare_request_vals(self):
        self.ensure_one()
        seq_date = fields.Datetime.now()
        name = self.name
        if name == self.env._("New") or not name:
            name = self._next_return_number(seq_date)
        return {"state": "requested", "request_date": seq_date, "name": name}

    def _next_return_number(self, when):
        """The next RET/<year>/ number. The first request of a year creates
        the year's range of the sequence; two first requests at once would
        both create it, and one would fail on Odoo's unique index with an
        error nobody retries. So the first one takes the sequence's row
        first: the other waits, then fails with a serialization error,
        which Odoo retries (HTTP) on a transaction that sees the range."""
        self.ensure_one()
        Sequence = self.env["ir.sequence"].with_company(self.company_id)
        # sudo: which sequence numbers the company's returns and whether its
        # year's range exists; the number itself is taken as the caller.
        sequence = Sequence.sudo().search(
            [("code", "=", "sale.return"), ("company_id", "in", [self.company_id.id, False])],
            order="company_id",
            limit=1,
        )
        if sequence.use_date_range:
            day = fields.Date.to_date(when)
            # sudo: whether the year's range exists (see above).
            ranges = self.env["ir.sequence.date_range"].sudo()
            if not ranges.search_count(
                [
                    ("sequence_id", "=", sequence.id),
                    ("date_from", "<=", day),
                    ("date_to", ">=", day),
                ],
                limit=1,
            ):
                self.env.cr.execute(
                    "UPDATE ir_sequence SET write_date = write_date WHERE id = %s", [sequence.id]
                )
        return Sequence.next_by_code("sale.return", sequence_date=when)

    def _lock_order_lines(self, order_lines):
        """Serialize requests on the same order lines (see tools/locks.py)."""
        lock_rows(self.env.cr, "sale_order_line", order_lines.ids)

    def _check_request(self):
        for ret in self:
            if ret.state != "draft":
                raise UserError(self.env._("Return %s was already requested.", ret.name))
            if ret.order_id.state != "sale":
                raise UserError(
                    self.env._(
                        "Order %s is not a confirmed order; it can't be returned.",
                        ret.order_id.name,
                    )
                )
            if not ret.line_ids:
                raise UserError(self.env._("Add at least one product to return."))
        self._lock_order_lines(self.line_ids.order_line_id)
        self.line_ids._check_returnable()

    def _auto_approve_or_ask(self):
        for ret in self:
            limit = ret.company_id.return_auto_approve_amount
            auto = (
                limit
                and all(line.reason_id.auto_approve for line in ret.line_ids)
                and float_compare(
                    ret.amount_total, limit, precision_rounding=ret.currency_id.rounding
                )
                < 0
            )
            if auto:
                # sudo: approval below the company's limit needs no manager;
                # the request was checked in action_request.
                ret.sudo()._approve()
                ret.message_post(body=self.env._("Approved automatically."))
            else:
                ret.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Approve or reject the return"),
                    user_id=ret._approver().id,
                )

    def _approver(self):
        """Who is asked to approve: the order's salesperson or the return's
        responsible when they may approve, else the company's first returns
        manager (a salesperson can't act on the to-do)."""
        self.ensure_one()
        group = "crm_fulfillment.group_fulfillment_manager"
        for user in (self.order_id.user_id, self.user_id):
            if user and not user.share and user.has_group(group):
                return user
        manager = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref(group).id),
                ("share", "=", False),
                ("company_ids", "in", self.company_id.id),
                ("id", "!=", self.env.ref("base.user_root").id),
            ],
            order="id",
            limit=1,
        )
        return manager or self.order_id.user_id or self.user_id or self.env.user

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    def _check_manager(self, message=None):
        if self.env.su:
            return
        if not self.env.user.has_group("crm_fulfillment.group_fulfillment_manager"):
            raise AccessError(
                message or self.env._("Only a returns manager can approve or reject returns.")
            )
        self.check_access("write")

    def action_approve(self):
        self._check_manager()
        not_requested = self.filtered(lambda r: r.state != "requested")
        if not_requested:
            raise UserError(
                self.env._(
                    "Only requested returns can be approved: %s.",
                    ", ".join(not_requested.mapped("name")),
                )
            )
        # sudo: a workflow change, by a manager checked above.
        self.sudo()._approve()
        return True

    def _approve(self):
        """As superuser (see the callers): creates the return transfers and
        moves the state."""
        for ret in self:
            ret._create_return_pickings()
            ret.state = "approved"
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def _create_return_pickings(self):
        """Return pickings through Odoo's own return wizard, one per
        delivery the goods left with, linked to the original moves so that
        Odoo's delivered quantities stay right."""
        self.ensure_one()
        per_picking = self.line_ids._allocate_to_delivery_moves()
        for picking, quantities in per_picking.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for wizard_line in wizard.product_return_moves:
                wizard_line.quantity = quantities.get(wizard_line.move_id.id, 0.0)
            new_picking = wizard._create_return()
            new_picking.write(
                {"sale_return_id": self.id, "origin": f"{self.name} ({picking.name})"}
            )

    def action_reject(self, reason):
        self._check_manager()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the return is rejected: the customer reads it."))
        if any(ret.state not in ("requested",) for ret in self):
            raise UserError(self.env._("Only requested returns can be rejected."))
        # sudo: workflow fields, by a manager checked above.
        self.sudo().write({"state": "rejected", "reject_reason": reason.strip()})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        template = self.env.ref("crm_fulfillment.mail_template_return_rejected")
        for ret in self:
            ret.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        return True

    def action_open_reject_wizard(self):
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Return"),
            "res_model": "sale.return.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "sale.return", "active_ids": self.ids},
        }

    def action_cancel(self):
        self._check_access_for_action()
        if any(ret.state in ("received", "done") for ret in self):
            raise UserError(self.env._("Received returns can't be cancelled; resolve them."))
        for ret in self:
            if any(ret.line_ids.mapped("qty_received")):
                raise UserError(
                    self.env._(
                        "Goods of %s were already received: cancel its remaining transfer "
                        "instead, then resolve what came back.",
                        ret.name,
                    )
                )
        self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).action_cancel()
        # sudo: workflow field; group and access checked above.
        self.sudo().write({"state": "cancelled"})
        return True

    def action_draft(self):
        self._check_access_for_action()
        if any(ret.state not in ("cancelled", "rejected") for ret in self):
            raise UserError(self.env._("Only cancelled or rejected returns can be reset to draft."))
        # sudo: workflow fields; group and access checked above.
        self.sudo().write({"state": "draft", "reject_reason": False})
        return True

    # ------------------------------------------------------------------
    # Receipt
    # ------------------------------------------------------------------
    def _receive_from_pickings(self, pickings):
        """Called when return pickings are validated, by whoever validated
        them (a warehouse user): the received quantities and the state
        follow from the done moves, as superuser."""
        # sudo: workflow fields that follow from transfers the caller validated.
        for ret in self.sudo().filtered(lambda r: r.state == "approved"):
            lines = ret.line_ids._register_received(pickings.move_ids)
            ret._update_receipt_state()
            ret._on_return_received(lines)

    def _update_receipt_state(self):
        """An approved return is received once none of its transfers waits
        any more and some goods came back (the rest may have been cancelled:
        the customer kept them). With nothing received, it stays approved,
        to be cancelled."""
        # sudo: the state follows from the transfers, whoever moved them.
        for ret in self.sudo().filtered(lambda r: r.state == "approved"):
            waiting = ret.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
            if not waiting and any(ret.line_ids.mapped("qty_received")):
                ret.state = "received"

    def _on_return_received(self, lines):
        """Hook: goods of ``lines`` came back; other addons override it.
        Scraps what the receiver marked as not resellable."""
        lines._scrap_unsellable()
        return True

    def _on_return_done(self):
        """Hook: every line of the return is resolved; other addons override it."""
        return True

    # ------------------------------------------------------------------
    # Smart buttons
    # ------------------------------------------------------------------
    def action_receive(self):
        """The next step of an approved return: its transfer still to receive."""
        self.ensure_one()
        waiting = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "incoming" and p.state not in ("done", "cancel")
        )
        return self._action_view(waiting or self.picking_ids, "stock.action_picking_tree_all")

    def action_view_pickings(self):
        return self._action_view(self.picking_ids, "stock.action_picking_tree_all")

    def action_view_credit_notes(self):
        return self._action_view(self.credit_note_ids, "account.action_move_out_refund_type")

    def _action_view(self, records, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("id", "in", records.ids)]
        action["context"] = {"create": False}
        if len(records) == 1:
            action.update(views=[(False, "form")], res_id=records.id)
        return action

    def _portal_state_class(self):
        """The colour of the state's badge on the portal."""
        self.ensure_one()
        return {
            "requested": "text-bg-warning",
            "approved": "text-bg-info",
            "received": "text-bg-primary",
            "done": "text-bg-success",
            "rejected": "text-bg-danger",
        }.get(self.state, "text-bg-secondary")

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"Return Authorization {self.name}"
