"""Each addon installs on a fresh database (with its demo data), upgrades
and uninstalls cleanly, and Odoo's sale flow still works afterwards."""

import uuid
from pathlib import Path

import pytest
from helpers.cli import drop_db, run_json, run_odoo

PROBE = Path(__file__).resolve().parent / "helpers" / "uninstall_probe.py"
DEPENDENCIES = "sale_management,sale_crm,sale_stock,sale_loyalty,portal"
ADDONS = ("crm_ecommerce", "crm_fulfillment", "crm_loyalty")
ADDON_INDEXES = {
    "crm_ecommerce": ["crm_ecommerce_sale_line_partner_product_index"],
    "crm_fulfillment": [],
    "crm_loyalty": ["crm_loyalty_history_card_index", "crm_loyalty_history_order_index"],
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template_db(conf):
    """A fresh database with demo data and the Odoo modules we depend on."""
    name = f"crm_ecom_lifecycle_{uuid.uuid4().hex[:8]}"
    run_odoo(
        conf,
        "server",
        "-d",
        name,
        "-i",
        DEPENDENCIES,
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
    )
    yield name
    drop_db(conf, name)


@pytest.mark.parametrize("addon", ADDONS)
def test_install_upgrade_uninstall(conf, template_db, addon):
    db = f"{template_db}_{addon}"
    run_odoo(conf, "db", "duplicate", template_db, db)
    try:
        run_odoo(
            conf,
            "server",
            "-d",
            db,
            "-i",
            addon,
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        )
        run_odoo(
            conf,
            "server",
            "-d",
            db,
            "-u",
            addon,
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        )
        result = run_json("PROBE", str(PROBE), conf, db, addon)
    finally:
        drop_db(conf, db)

    # The probe saw the addon's views and menus before uninstalling it...
    assert result["owned_before"]["ir.ui.menu"] > 0
    assert result["owned_before"]["ir.actions.act_window"] > 0
    if addon == "crm_fulfillment":
        assert result["owned_before"]["ir.model"] > 0  # its own models, not the extended ones
    # ...and none of them, nor any of its data, fields or columns, after.
    assert result["state"] == "uninstalled"
    assert result["left"] == {model: [] for model in result["owned_before"]}
    # Odoo keeps demo records that can't be deleted (confirmed orders and
    # what they reference); nothing else of the addon may stay.
    assert [x for x in result["left_data"] if "_demo" not in x] == []
    assert result["left_columns"] == []
    # The indexes it made on Odoo's tables go with it: crm_ecommerce's on
    # the order lines (the products a customer bought), crm_loyalty's on
    # the loyalty history (a card's lines, an order's lines).
    assert result["indexes_before"] == ADDON_INDEXES[addon]
    assert result["left_indexes"] == []
    assert result["delivered_after"] == 2.0
