from odoo.tools import SQL

from .models.res_partner_suggestion import LINE_PRODUCTS_INDEX

FIRST_RUN_CRONS = (
    "crm_ecommerce.ir_cron_compute_rfm",
    "crm_ecommerce.ir_cron_lead_scores",
    "crm_ecommerce.ir_cron_clv",
)


def post_init_hook(env):
    """Queue the first scores of a database with history: its existing
    customers get their RFM segment and score (and their predictions, with
    scipy), and its open leads their score, from the crons triggered here,
    which run right after the install in batches committed one by one, with
    their progress. Nothing is computed inside the install, which stays
    fast, sends no mail and creates no activity."""
    for xmlid in FIRST_RUN_CRONS:
        env.ref(xmlid)._trigger()


def uninstall_hook(env):
    """The index the addon made on Odoo's sale_order_line goes with it (its
    own tables go with their indexes)."""
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(LINE_PRODUCTS_INDEX)))
