"""Uninstall one addon from a database and report what it left behind.

Run as ``python3 uninstall_probe.py CONFIG DATABASE ADDON``; prints one JSON
object.  Used by test_lifecycle.py, which starts it in its own process so that
the registry of the database under test is not the one pytest-odoo holds.
"""

import json
import sys

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

OWNED_MODELS = ("ir.ui.view", "ir.ui.menu", "ir.model.fields", "ir.model", "ir.actions.act_window")


def owned_records(env, addon):
    data = env["ir.model.data"].search([("module", "=", addon), ("model", "in", OWNED_MODELS)])
    found = {model: [] for model in OWNED_MODELS}
    for row in data:
        found[row.model].append(row.res_id)
    # An addon holds an ir.model xmlid for every model it extends too; only
    # the models it alone defines must disappear.
    models = env["ir.model"].browse(found["ir.model"])
    found["ir.model"] = models.filtered(lambda m: m.modules.strip() == addon).ids
    # Likewise a field it extends (selection_add) stays with the addon that
    # defines it.
    fields = env["ir.model.fields"].browse(found["ir.model.fields"])
    found["ir.model.fields"] = fields.filtered(lambda f: f.modules.strip() == addon).ids
    return found


def stored_columns(env, field_ids):
    columns = []
    for field in env["ir.model.fields"].browse(field_ids):
        model = env.get(field.model)
        if model is not None and field.store and field.ttype not in ("one2many", "many2many"):
            columns.append((model._table, field.name))
    return columns


def existing_columns(cr, columns):
    present = []
    for table, column in columns:
        cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
        if cr.fetchone():
            present.append([table, column])
    return present


def addon_indexes(cr, addon):
    """The indexes named after the addon, on any table (those it makes on
    Odoo's tables; its own tables' indexes are named after the tables)."""
    cr.execute(
        "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s ORDER BY indexname",
        (addon.replace("_", "\\_") + "\\_%",),
    )
    return [name for (name,) in cr.fetchall()]


def sale_flow(env):
    """Odoo's core flow: quote, confirm, deliver. Returns the delivered qty."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    product = env["product.product"].create(
        {
            "name": "Lifecycle probe product",
            "type": "consu",
            "is_storable": True,
            "list_price": 10,
        }
    )
    env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
    order = env["sale.order"].create(
        {
            "partner_id": env["res.partner"].create({"name": "Lifecycle probe customer"}).id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
        }
    )
    order.action_confirm()
    for move in order.picking_ids.move_ids:
        move.quantity = move.product_uom_qty
    order.picking_ids.button_validate()
    return order.order_line.qty_delivered


def main():
    conf, db, addon = sys.argv[1:4]
    config.parse_config(["-c", conf, "-d", db, "--no-http", "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        before = owned_records(env, addon)
        columns = stored_columns(env, before["ir.model.fields"])
        indexes = addon_indexes(cr, addon)
        env["ir.module.module"].search([("name", "=", addon)]).button_immediate_uninstall()
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = {
            "state": env["ir.module.module"].search([("name", "=", addon)]).state,
            "owned_before": {model: len(ids) for model, ids in before.items()},
            "columns_before": len(columns),
            "left": {model: env[model].browse(ids).exists().ids for model, ids in before.items()},
            "left_data": [
                f"{row.model}:{row.name}"
                for row in env["ir.model.data"].search([("module", "=", addon)])
            ],
            "left_columns": existing_columns(cr, columns),
            "indexes_before": indexes,
            "left_indexes": addon_indexes(cr, addon),
            "delivered_after": sale_flow(env),
        }
        cr.rollback()
    print("PROBE " + json.dumps(result))


if __name__ == "__main__":
    main()
