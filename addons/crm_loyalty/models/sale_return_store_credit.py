from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleReturn(models.Model):
    """Store credit, a resolution of returns that only the points ledger
    delivers: the goods' worth as loyalty points, at the store-credit rate
    of the company's loyalty program. Offered only where a program has one."""

    _inherit = "sale.return"

    preferred_resolution = fields.Selection(
        selection_add=[("credit", "Store Credit")], ondelete={"credit": "set refund"}
    )
    crm_store_credit_points = fields.Float(
        string="Store Credit Points", compute="_compute_crm_store_credit"
    )
    crm_store_credit_text = fields.Char(
        string="Store Credit",
        compute="_compute_crm_store_credit",
        help="The points the return credited and what they are worth at the program's best "
        "reward today.",
    )

    def _compute_crm_store_credit(self):
        # sudo: the return's own credit, for whoever may read the return
        # (returns staff, and its customer on the portal), who can't all
        # read the ledger.
        groups = (
            self.env["loyalty.ledger"]
            .sudo()
            ._read_group(
                [("sale_return_id", "in", self.ids)],
                ["sale_return_id", "program_id"],
                ["points:sum"],
            )
        )
        by_return = {ret: (program, points) for ret, program, points in groups}
        for ret in self:
            program, points = by_return.get(ret, (None, 0.0))
            ret.crm_store_credit_points = points
            ret.crm_store_credit_text = program._crm_points_with_value(points) if program else False

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        return _hide_credit_where_not_given(
            self, super().fields_get(allfields, attributes), "preferred_resolution"
        )

    def _check_request(self):
        res = super()._check_request()
        for ret in self.filtered(
            lambda r: (
                r.preferred_resolution == "credit" or "credit" in r.line_ids.mapped("resolution")
            )
        ):
            ret._crm_store_credit_program()
        return res

    def _check_done(self):
        res = super()._check_done()
        for ret in self.filtered(lambda r: "credit" in r.line_ids.mapped("resolution")):
            ret._crm_store_credit_program()
        return res

    def _resolve_lines(self, resolution, lines):
        if resolution == "credit":
            return self._crm_resolve_store_credit(lines)
        return super()._resolve_lines(resolution, lines)

    def _crm_store_credit_program(self):
        """The program that gives this return's store credit; a clear error
        when its company has none."""
        self.ensure_one()
        program = self.company_id._crm_store_credit_program()
        if not program:
            raise UserError(
                self.env._(
                    "%(name)s asks for store credit, which %(company)s does not give: set a "
                    "store-credit rate on a loyalty program (its Points Policy tab), or choose a "
                    "refund or an exchange.",
                    name=self.name,
                    company=self.company_id.name,
                )
            )
        return program

    def _crm_resolve_store_credit(self, lines):
        """What the received goods of ``lines`` are worth, credited as
        points at the program's rate. Called as superuser by action_done,
        which checked that a returns manager resolves."""
        self.ensure_one()
        program = self._crm_store_credit_program()
        amount = sum(line.refund_amount * line.qty_received / line.quantity for line in lines)
        points = round(amount * program.crm_store_credit_rate, 2)
        card = self.order_id.partner_id._crm_card_for(program)
        # sudo: the credit is the program's policy, written by the ledger's
        # own flow for the returns manager action_done checked.
        Ledger = self.env["loyalty.ledger"].sudo()
        Ledger.create(
            Ledger._prepare_entry_vals(
                card,
                "adjust",
                points,
                order=self.order_id,
                sale_return=self,
                reason=self.env._("Store credit for return %s", self.name),
            )
        )
        Ledger._sync_cards(card)
        self.message_post(
            body=self.env._(
                "Store credit: %(points)s, on loyalty card %(card)s.",
                points=program._crm_points_with_value(points),
                card=card.code,
            )
        )
        return points


def _hide_credit_where_not_given(model, fields_description, fname):
    """Store credit is not offered in the back office where the user's
    companies give none (no loyalty program with a store-credit rate)."""
    selection = fields_description.get(fname, {}).get("selection")
    if selection and not any(
        company._crm_store_credit_program() for company in model.env.companies
    ):
        fields_description[fname]["selection"] = [
            (value, label) for value, label in selection if value != "credit"
        ]
    return fields_description
