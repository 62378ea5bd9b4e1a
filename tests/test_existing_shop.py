"""Installed on a shop that already has two years of orders, the addons
respect its history and say only what is true; uninstalled, they leave the
shop's own data as it was.

The shop is made with Odoo's own flows on a database without our addons
(tests/helpers/existing_shop.py), then the three addons are installed with
real Odoo, checked, and uninstalled."""

import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers.cli import drop_db, run_json, run_odoo

ROOT = Path(__file__).resolve().parent.parent
SHOP = Path(__file__).resolve().parent / "helpers" / "existing_shop.py"
DEPENDENCIES = "sale_management,sale_crm,sale_stock,sale_loyalty,portal"
ADDONS = "crm_ecommerce,crm_fulfillment,crm_loyalty"

pytestmark = pytest.mark.slow


def shop(conf, db, command, stdin=None):
    return run_json("SHOP", str(SHOP), conf, db, command, stdin=stdin)


def uninstall(conf, db):
    script = (
        "import sys\n"
        "from odoo import SUPERUSER_ID, api\n"
        "from odoo.modules.registry import Registry\n"
        "from odoo.tools import config\n"
        "config.parse_config(['-c', sys.argv[1], '-d', sys.argv[2], '--no-http'])\n"
        "with Registry(sys.argv[2]).cursor() as cr:\n"
        "    env = api.Environment(cr, SUPERUSER_ID, {})\n"
        "    mods = env['ir.module.module'].search([('name', 'in', sys.argv[3].split(','))])\n"
        "    mods.button_immediate_uninstall()\n"
        "with Registry(sys.argv[2]).cursor() as cr:\n"
        "    cr.execute(\"SELECT name, state FROM ir_module_module WHERE name LIKE 'crm_%%'\")\n"
        "    print('STATES', dict(cr.fetchall()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, conf, db, ADDONS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


def test_install_on_a_shop_with_history_then_uninstall(conf):
    db = f"crm_ecom_existing_{uuid.uuid4().hex[:8]}"
    try:
        # A real shop: no demo data, neither Odoo's nor ours.
        run_odoo(
            conf,
            "server",
            "-d",
            db,
            "-i",
            DEPENDENCIES,
            "--without-demo=all",
            "--stop-after-init",
            "--no-http",
        )
        built = shop(conf, db, "build")
        run_odoo(conf, "server", "-d", db, "-i", ADDONS, "--stop-after-init", "--no-http")
        seen = shop(conf, db, "check", stdin=json.dumps(built))
        states = uninstall(conf, db)
        after = shop(conf, db, "snapshot")
    finally:
        drop_db(conf, db)
    orders = seen["orders"]

    # 1. Dates come from the documents, never from the install.
    old = orders["delivered_2y"]
    assert old["stage"] == "shipped"
    assert old["shipped"] == old["first_done"]
    shipped_on = datetime.fromisoformat(old["shipped"])
    assert shipped_on < datetime.now() - timedelta(days=700)
    assert not old["delivered"]
    assert [code for code, _source, _label in old["events"]] == ["quotation", "paid", "shipped"]
    assert {source for _code, source, _label in old["events"]} == {"history"}
    partial = orders["partial"]
    assert partial["stage"] == "ready"
    assert partial["shipped"] == partial["first_done"]
    assert orders["quotation"]["stage"] == "quotation"
    assert orders["cancelled"]["stage"] == "cancelled"
    # No mail, activity or late flag for the past.
    assert seen["counts"] == built["counts"], seen["new_messages"]
    assert not any(order["late"] for order in orders.values())

    # 2. A delivery older than the window can't be returned; a recent one can.
    assert "return window" in seen["old_return"], seen["old_return"]
    assert old["returnable"] == {}
    assert orders["paid"]["returnable"]

    # 3. No payment is claimed that was not checked.
    unpaid_labels = [label for _code, _source, label in orders["unpaid"]["events"]]
    assert orders["unpaid"]["stage"] == "ready"  # goods reserved, waiting to be picked
    assert unpaid_labels == ["Quotation", "Confirmed"], unpaid_labels
    assert not any(order["paid_badge"] for order in orders.values())

    # 6. Existing cards keep their balance, with one opening entry each.
    assert seen["cards"]
    for card in seen["cards"]:
        assert card["points"] > 0
        assert card["ledger"] == pytest.approx(card["points"])
        assert len(card["entries"]) == 1
        kind, points, reason, has_order = card["entries"][0]
        assert (kind, has_order) == ("adjust", False)
        assert points == pytest.approx(card["points"])
        assert "Opening balance" in reason

    # 5. The first scoring run is queued, not run in the install, and
    # gives customers their segment and leads their score.
    assert seen["queued_crons"], "no first scoring run queued at install"
    assert seen["scoring_rules"] > 0
    assert not any(seen["segments_before"])
    assert all(seen["segments_after"]), seen["segments_after"]
    assert any(seen["scores_after"])

    # 7. Uninstalled, the shop's own data is as it was before the install.
    assert "'crm_loyalty': 'uninstalled'" in states, states
    for table, rows in built["snapshot"].items():
        assert after[table] == rows, table
