"""Each test plays an attack found by the security review, as the role that
tried it, and checks that it is refused and that nothing was written."""

import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common_returns import ReturnCase

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestReturnTrust(ReturnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesman = new_test_user(
            cls.env, login="ful_salesman_2", groups="sales_team.group_sale_salesman"
        )

    def _own_order(self, salesman=None, qty=3):
        return self._delivered_order(qty=qty, user_id=(salesman or self.salesman).id)

    def _credit_notes(self):
        return self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("partner_id", "=", self.customer.id)]
        )

    def test_salesperson_cannot_write_a_credit_note_into_existence(self):
        order = self._own_order()
        ret = self._return(order, 1, user=self.salesman)
        line = ret.line_ids
        self.assertEqual(ret.state, "requested")
        with self.assertRaisesMessage(UserError, "change through its buttons only"):
            ret.write({"state": "received"})
        with self.assertRaisesMessage(UserError, "change through the return's buttons"):
            line.write({"qty_received": 50})
        with self.assertRaisesMessage(UserError, "already requested"):
            line.write({"quantity": 50})
        with self.assertRaisesMessage(UserError, "already requested"):
            line.write({"order_line_id": order.order_line.id})
        with self.assertRaisesMessage(UserError, "change through its buttons only"):
            ret.write({"partner_id": self.env["res.partner"].create({"name": "Mallory"}).id})
        with self.assertRaises(AccessError):
            ret.action_done()
        ret.invalidate_recordset()
        line.invalidate_recordset()
        self.assertEqual(ret.state, "requested")
        self.assertEqual(ret.partner_id, self.customer)
        self.assertEqual((line.quantity, line.qty_received), (1, 0))
        self.assertFalse(self._credit_notes())

    def test_salesperson_cannot_create_a_return_already_received(self):
        order = self._own_order()
        Return = self.env["sale.return"].with_user(self.salesman)
        line_vals = {
            "order_line_id": order.order_line.id,
            "quantity": 1,
            "reason_id": self.reason_fee.id,
        }
        with self.assertRaisesMessage(UserError, "change through its buttons only"):
            Return.create({"order_id": order.id, "state": "received"})
        with self.assertRaisesMessage(UserError, "change through the return's buttons"):
            Return.create(
                {
                    "order_id": order.id,
                    "line_ids": [Command.create({**line_vals, "qty_received": 5})],
                }
            )
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", order.id)]))

    def test_only_a_manager_resolves_and_only_received_goods(self):
        order = self._own_order()
        ret = self._return(order, 2, user=self.salesman)
        self._receive(ret)
        self.assertEqual(ret.state, "received")
        for user in (self.salesman, self.returns_user):
            with self.assertRaisesMessage(AccessError, "Only a returns manager can resolve"):
                ret.with_user(user).action_done()
        self.assertFalse(self._credit_notes())
        ret.with_user(self.returns_manager).action_done()
        self.assertEqual(ret.state, "done")
        self.assertEqual(self._credit_notes().invoice_line_ids.filtered("product_id").quantity, 2)
        with self.assertRaisesMessage(UserError, "is closed"):
            ret.line_ids.with_user(self.returns_user).write({"resolution": "exchange"})

    def test_own_documents_only_sees_returns_and_history_of_own_orders(self):
        mine = self._own_order()
        theirs = self._own_order(salesman=self.other_salesman)
        my_return = self._return(mine, 1, user=self.salesman)
        their_return = self._return(theirs, 1, user=self.other_salesman)
        env = self.env(user=self.salesman)
        self.assertEqual(env["sale.return"].search([]), my_return)
        self.assertEqual(env["sale.return.line"].search([]), my_return.line_ids)
        self.assertEqual(env["sale.fulfillment.event"].search([]).order_id, mine)
        with self.assertRaises(AccessError):
            their_return.with_user(self.salesman).read(["state"])
        # "All documents" and the warehouse see both.
        self.assertEqual(
            self.env(user=self.returns_user)["sale.return"].search(
                [("id", "in", (my_return | their_return).ids)]
            ),
            my_return | their_return,
        )

    def test_a_draft_return_stays_on_an_order_of_its_user(self):
        mine, mine_too = self._own_order(), self._own_order()
        theirs = self._own_order(salesman=self.other_salesman)
        ret = self._return(mine, 1, user=self.salesman, request=False)
        with self.assertRaises(AccessError):
            ret.write({"order_id": theirs.id})
        with self.assertRaisesMessage(ValidationError, "come from its order"):
            ret.write({"order_id": mine_too.id})
        self.assertEqual(ret.order_id, mine)

    def test_the_request_asks_someone_who_may_approve(self):
        ret = self._return(self._own_order(), 1, user=self.salesman)
        activity = ret.activity_ids
        self.assertEqual(activity.summary, "Approve or reject the return")
        self.assertTrue(activity.user_id.has_group("crm_fulfillment.group_fulfillment_manager"))
        self.assertNotEqual(activity.user_id, self.salesman)

    def test_own_documents_only_cannot_act_on_others_orders(self):
        theirs = self._own_order(salesman=self.other_salesman)
        with self.assertRaises(AccessError):
            self.env["sale.return"].with_user(self.salesman).create(
                {
                    "order_id": theirs.id,
                    "line_ids": [
                        Command.create(
                            {
                                "order_line_id": theirs.order_line.id,
                                "quantity": 1,
                                "reason_id": self.reason_fee.id,
                            }
                        )
                    ],
                }
            )
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman).action_create_return()
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", theirs.id)]))
        self.assertStage(theirs, "shipped")
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman).action_fulfillment_mark_delivered()
        wizard = (
            self.env["sale.fulfillment.deliver"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=theirs.ids)
            .create({})
        )
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        theirs.invalidate_recordset()
        self.assertStage(theirs, "shipped")
        self.assertFalse(theirs.fulfillment_delivered_date)

    def test_fulfillment_fields_follow_the_documents_only(self):
        order = self._own_order()
        old_date = "2020-01-01 10:00:00"
        for vals in (
            {"fulfillment_delivered_date": old_date},
            {"fulfillment_stage_id": self.stages["delivered"].id},
            {"fulfillment_late": True},
        ):
            with self.assertRaisesMessage(UserError, "can't be set by hand"):
                order.with_user(self.salesman).write(vals)
        order.invalidate_recordset()
        self.assertStage(order, "shipped")
        self.assertFalse(order.fulfillment_delivered_date)
        self.assertFalse(order.fulfillment_late)

    def test_portal_user_cannot_recompute_an_order(self):
        portal = new_test_user(self.env, login="ful_trust_portal", groups="base.group_portal")
        order = self._delivered_order(qty=1, partner_id=portal.partner_id.id)
        with self.assertRaises(AccessError):
            order.with_user(portal).action_fulfillment_recompute()

    def test_client_context_does_not_silence_history(self):
        order = self._order(confirm=False, user_id=self.salesman.id)
        order.with_user(self.salesman).with_context(fulfillment_no_event=True).action_confirm()
        self.assertEqual(
            order.fulfillment_event_ids.to_stage_id.mapped("code"), ["quotation", "ready"]
        )

    def test_transfers_are_linked_to_returns_by_the_return_only(self):
        order = self._own_order()
        ret = self._return(order, 1, user=self.salesman)
        with self.assertRaisesMessage(UserError, "not by hand"):
            order.picking_ids.with_user(self.returns_user).write({"sale_return_id": ret.id})
        self.assertFalse(order.picking_ids.sale_return_id)


@tagged("post_install", "-at_install")
class TestReturnCompanies(ReturnCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A second company and a salesperson of it alone.
        cls.company_b = cls.env["res.company"].create({"name": "Shop B (test)"})
        cls.user_b = new_test_user(
            cls.env,
            login="ful_user_b",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def test_return_count_is_the_companys_as_the_reader_may_see_it(self):
        """The customer form's Returns: those of the customer's company
        and its contacts, counted for each of them, and none of another
        company's for its users."""
        firm = self.env["res.partner"].create({"name": "Ada Ltd (test)", "is_company": True})
        self.customer.parent_id = firm
        colleague = self.env["res.partner"].create({"name": "Bea", "parent_id": firm.id})
        stranger = self.env["res.partner"].create({"name": "Cy Stranger"})
        self._return(self._delivered_order(qty=2), 1)
        self._return(self._delivered_order(qty=2, partner_id=colleague.id), 1)
        self._return(self._delivered_order(qty=2, partner_id=stranger.id), 2)
        partners = firm | self.customer | colleague | stranger
        self.assertEqual(partners.mapped("sale_return_count"), [2, 2, 2, 1])
        seen = partners.with_user(self.user_b).with_company(self.company_b)
        self.assertEqual(seen.mapped("sale_return_count"), [0, 0, 0, 0])
        # A contact moved to a company the reader can't see: their return,
        # of the reader's company, is counted as the button lists it.
        colleague.company_id = self.company_b
        mine = (firm | self.customer).with_user(self.returns_user)
        self.assertEqual(mine.mapped("sale_return_count"), [2, 2])
        action = mine[0].action_view_sale_returns()
        listed = self.env["sale.return"].with_user(self.returns_user)
        self.assertEqual(len(listed.search(action.get("domain") or [])), 2)

    def test_a_second_company_cannot_return_the_first_ones_order(self):
        company_b, user_b = self.company_b, self.user_b
        order_a = self._delivered_order(qty=2)
        reason_b = self.env["sale.return.reason"].create(
            {"name": "B reason", "company_id": company_b.id}
        )
        vals = {
            "order_id": order_a.id,
            "line_ids": [
                Command.create(
                    {
                        "order_line_id": order_a.order_line.id,
                        "quantity": 1,
                        "reason_id": reason_b.id,
                    }
                )
            ],
        }
        Return = self.env["sale.return"].with_user(user_b).with_company(company_b)
        with self.assertRaises(AccessError):
            Return.create(vals)
        with self.assertRaises(AccessError):
            Return.create({**vals, "company_id": company_b.id})
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", order_a.id)]))
        # As superuser too, a return can't mix the companies' records.
        with self.assertRaisesMessage(UserError, "Incompatible companies"):
            self.env["sale.return"].create({"order_id": order_a.id, "company_id": company_b.id})
        self.assertFalse(self.env["sale.return"].search([("order_id", "=", order_a.id)]))


@tagged("post_install", "-at_install")
class TestReturnPortalInput(ReturnCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, login="ret_trust_portal", groups="base.group_portal"
        )

    def setUp(self):
        super().setUp()
        self.order = self._delivered_order(qty=3, partner_id=self.portal_user.partner_id.id)

    def _post(self, qty="1", files=None, **extra):
        url = f"/my/orders/{self.order.id}/return"
        form = self.url_open(url)
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {
            "csrf_token": token,
            f"qty_{self.order.order_line.id}": qty,
            "reason_id": str(self.reason_fee.id),
            **extra,
        }
        return self.url_open(url, data=data, files=files)

    def _returns(self):
        return self.env["sale.return"].search([("order_id", "=", self.order.id)])

    def test_bad_quantities_give_the_form_back(self):
        self.authenticate("ret_trust_portal", "ret_trust_portal")
        for qty, message in (
            ("inf", "as a number"),
            ("-inf", "as a number"),
            ("nan", "as a number"),
            ("1e400", "as a number"),
            ("-1", "as a number"),
            ("two", "as a number"),
            ("4", "Only 3.0 Units"),
            ("0", "Enter the quantity of at least one product"),
        ):
            with self.subTest(qty=qty):
                response = self._post(qty)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_return_error", response.text)
                self.assertIn(message, response.text)
                self.assertFalse(self._returns())
        done = self._post("1.0000001")
        self.assertIn("/my/returns/", done.url)
        self.assertEqual(self._returns().line_ids.quantity, 1.0)

    def test_the_form_says_fees_and_deadlines(self):
        self.authenticate("ret_trust_portal", "ret_trust_portal")
        page = self.url_open(f"/my/orders/{self.order.id}/return").text
        deadline = self.order.order_line._return_window_end()
        self.assertIn("restocking fee: 10% of a refund", page)
        self.assertIn("Refund per unit", page)
        unit = self.order.order_line.price_total / self.order.order_line.product_uom_qty
        cell = page.split('o_refund_per_unit">')[1].split("</td>")[0]
        self.assertIn(f'oe_currency_value">{unit:,.2f}<', cell)
        self.assertIn("Return by", page)
        self.assertIn(deadline.strftime("%m/%d/%Y"), page)

    def test_uploads_are_few_small_images(self):
        self.authenticate("ret_trust_portal", "ret_trust_portal")
        self.env.company.return_portal_max_photo_mb = 1
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        cases = (
            ([("photos", ("a.png", b"just text", "image/png"))], "is not a photo"),
            ([("photos", ("b.png", svg, "image/png"))], "is not a photo"),
            (
                [("photos", ("big.png", PNG + b"\0" * (1024 * 1024), "image/png"))],
                "larger than 1 MB",
            ),
            (
                [("photos", (f"p{i}.png", PNG, "image/png")) for i in range(6)],
                "at most 5 photos",
            ),
        )
        for files, message in cases:
            with self.subTest(message=message):
                response = self._post("1", files=files)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
                self.assertFalse(self._returns())
        self.assertFalse(
            self.env["ir.attachment"]
            .search([("res_model", "=", "sale.return")])
            .filtered(lambda a: a.name in ("a.png", "b.png", "big.png", "p0.png"))
        )
        done = self._post("1", files=[("photos", ("ok.png", PNG, "image/png"))])
        self.assertIn("/my/returns/", done.url)
        ret = self._returns()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "sale.return"), ("res_id", "=", ret.id)]
        )
        self.assertEqual(attachment.mapped("name"), ["ok.png"])
        self.assertEqual(attachment.mimetype, "image/png")
        message = ret.message_ids.filtered(lambda m: attachment in m.attachment_ids)
        # The customer's own message, which they see on their return's page.
        self.assertEqual(message.message_type, "comment")
        self.assertEqual(message.author_id, self.portal_user.partner_id)
        self.assertFalse(message.subtype_id.internal)
