"""Demo data only: leads of the coffee shop that the starter scoring rules
put in each band (hot, warm, cold). Called once by
demo/shop_history_demo.xml."""

from odoo import api, models

# (name, customer key or None, contact name, email, phone, expected revenue):
# the starter rules give 20 for an email, 20 for a phone (30 at most
# together), 20 for a customer who already bought and 40 over 1,000 of
# expected revenue; hot from 70, warm from 40.
LEADS = [
    ("Office coffee subscription", "bruno", None, True, True, 2400),  # 90: hot
    ("Espresso machines for a new café", None, "Marta Kowalska", True, True, 1350),  # 70: hot
    ("Gift boxes for the team", "alba", None, True, False, 600),  # 40: warm
    ("Wedding favours: 120 mugs", None, "Paul Girard", False, False, 1440),  # 40: warm
    ("Grinder question from the newsletter", None, "Ines Duarte", True, False, 0),  # 20: cold
    ("Met at the coffee fair", None, "Rui Mendes", False, False, 300),  # 0: cold
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model
    def _crm_demo_leads(self):
        """The leads, scored as they are created (crm_lead_scoring.py)."""
        env = self.with_context(tracking_disable=True, mail_create_nolog=True).env
        vals_list = []
        for name, customer, contact, email, phone, revenue in LEADS:
            partner = env.ref(f"crm_ecommerce.partner_{customer}_demo") if customer else None
            name_of_contact = contact or partner.name
            login = name_of_contact.lower().replace(" ", ".")
            vals_list.append(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id if partner else False,
                    "contact_name": name_of_contact,
                    "email_from": f"{login}@example.com" if email else False,
                    "phone": "+32 470 12 34 56" if phone else False,
                    "expected_revenue": revenue,
                    "user_id": env.ref("base.user_admin").id,
                }
            )
        return env["crm.lead"].create(vals_list)
