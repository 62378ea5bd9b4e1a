#!/usr/bin/env python3
"""Take the README's screenshots from the demo shop, so that they can be
refreshed after a change of the screens:

    python3 docs/screenshots.py --db demo_shop          # creates it if missing
    python3 docs/screenshots.py --db demo_shop --keep   # and leaves it

It needs what ./run-tests needs (Odoo 18 importable, PostgreSQL reachable),
plus Debian's chromium and the playwright package (`pip install
playwright`; its own browser download is not used). The database is made
with the three addons and their demo data, as `docker compose up` makes it;
Odoo is served on 127.0.0.1 only, for the time of the run. Each page is
taken at 1280 px wide and saved as an 8-bit PNG in docs/screenshots/.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ADDONS = "crm_ecommerce,crm_fulfillment,crm_loyalty"
WIDTH, HEIGHT = 1280, 800
# Each addon's own screenshots, copied to its static/description/ where its
# readme/USAGE.md and README.rst show them (and the Odoo Apps store finds them).
ADDON_SHOTS = {
    "crm_ecommerce": ("customer-score", "lead-score"),
    "crm_fulfillment": (
        "fulfilment-kanban",
        "fulfilment-times",
        "return-credit-note",
        "portal-order-timeline",
        "portal-return-form",
    ),
    "crm_loyalty": ("portal-loyalty",),
}


def addons_path():
    import odoo

    odoo_dir = Path(odoo.__file__).resolve().parent
    paths = [ROOT / "addons", odoo_dir / "addons"]
    if (odoo_dir.parent / "addons" / "sale_loyalty").is_dir():
        paths.append(odoo_dir.parent / "addons")
    return ",".join(str(p) for p in paths)


def odoo_cmd(db, *args):
    return [
        sys.executable,
        "-m",
        "odoo",
        "server",
        "-c",
        str(ROOT / "odoo.conf"),
        "--addons-path",
        addons_path(),
        "--data-dir",
        os.environ.get("ODOO_DATA_DIR", str(Path.home() / ".local/share/Odoo")),
        "-d",
        db,
        *args,
    ]


def ensure_db(db):
    """The demo shop: the addons with demo data, as docker compose installs
    them (a no-op when the database already has them)."""
    subprocess.run(
        odoo_cmd(db, "-i", ADDONS, "--stop-after-init", "--no-http", "--log-level=warn"),
        cwd=ROOT,
        check=True,
    )


def records(db):
    """The ids of the records each screenshot shows, read from the shop."""
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["--addons-path", addons_path(), "-d", db])
    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        joel = env.ref("base.partner_demo_portal")
        returns = env["sale.return"]
        refunded = returns.search(
            [("state", "=", "done"), ("credit_note_ids", "!=", False)], limit=1
        )
        joel_order = env["sale.order"].search(
            [
                ("partner_id", "=", joel.id),
                ("state", "=", "sale"),
                ("fulfillment_event_ids", "!=", False),
            ],
            order="date_order desc",
            limit=1,
        )
        returnable = env["sale.order"].search(
            [("partner_id", "=", joel.id), ("state", "=", "sale")], order="date_order desc"
        )
        returnable = returnable.filtered(lambda o: o._returnable_quantities())[:1]
        customer = env["res.partner"].search(
            [("rfm_segment", "=", "champions")], order="customer_score desc", limit=1
        )
        lead = env["crm.lead"].search([("lead_score_band", "=", "hot")], limit=1)
        return {
            "return": refunded.id,
            "joel_order": joel_order.id,
            "returnable": returnable.id,
            "customer": customer.id,
            "lead": lead.id,
        }


def wait_for(url, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"Odoo did not answer on {url}")


def optimise(path):
    """An 8-bit palette PNG: a screenshot's few colours fit in 256, and the
    file is a third of the size."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)


def login(page, base, user, password):
    page.goto(f"{base}/web/login")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/web/login" not in url)


def shoot(page, base, name, url, ready, *, click=None, scroll=None, prepare=None):
    page.goto(f"{base}{url}")
    page.wait_for_selector(ready, timeout=30000)
    if click:
        page.click(click)
    if prepare:
        prepare(page)
    if scroll:
        page.wait_for_selector(scroll)
        page.evaluate(
            "(selector) => document.querySelector(selector).scrollIntoView({block: 'center'})",
            scroll,
        )
    # Odoo's bus keeps a connection open: wait for the page to settle
    # rather than for the network to go idle.
    page.wait_for_timeout(1500)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    optimise(path)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")


def fill_return_form(page):
    """One unit of the first product, for a reason with a restocking fee
    where there is one: the estimated refund shows."""
    page.fill("input.o_return_qty >> nth=0", "1")
    options = page.locator("#reason_id option[data-fee-percent]")
    fees = [options.nth(i).get_attribute("data-fee-percent") for i in range(options.count())]
    with_fee = [i for i, fee in enumerate(fees) if float(fee or 0) > 0]
    option = options.nth(with_fee[0] if with_fee else 0)
    page.select_option("#reason_id", value=option.get_attribute("value"))
    page.wait_for_selector(".o_return_estimate:not(.d-none)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="crm_demo_shop")
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    opts = parser.parse_args()

    from playwright.sync_api import sync_playwright

    ensure_db(opts.db)
    ids = records(opts.db)
    OUT.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{opts.port}"
    server = subprocess.Popen(
        odoo_cmd(
            opts.db,
            "--http-interface=127.0.0.1",
            f"--http-port={opts.port}",
            "--db-filter",
            f"^{opts.db}$",
            "--log-level=warn",
            "--max-cron-threads=0",
        ),
        cwd=ROOT,
    )
    try:
        wait_for(f"{base}/web/login")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=opts.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            staff = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            login(staff, base, "admin", "admin")
            shoot(
                staff,
                base,
                "fulfilment-kanban",
                "/odoo/action-crm_fulfillment.action_fulfillment_orders",
                ".o_kanban_renderer .o_kanban_record",
            )
            shoot(
                staff,
                base,
                "fulfilment-times",
                "/odoo/action-crm_fulfillment.action_fulfillment_report",
                ".o_pivot thead .o_pivot_header_cell_opened",
                # Stages by their total over the year, not month by month.
                click=".o_pivot thead .o_pivot_header_cell_opened",
            )
            shoot(
                staff,
                base,
                "return-credit-note",
                f"/odoo/action-crm_fulfillment.action_sale_returns/{ids['return']}",
                ".o_form_view .o_field_widget[name=state]",
            )
            shoot(
                staff,
                base,
                "customer-score",
                f"/odoo/contacts/{ids['customer']}",
                ".o_form_view",
                click="a[name=customer_intelligence]",
                scroll=".o_field_widget[name=score_factor_ids]",
            )
            shoot(
                staff,
                base,
                "lead-score",
                f"/odoo/crm/{ids['lead']}",
                ".o_form_view .o_field_widget[name=lead_score]",
            )
            customer = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            login(customer, base, "portal", "portal")
            shoot(
                customer,
                base,
                "portal-order-timeline",
                f"/my/orders/{ids['joel_order']}",
                "#portal_sale_content",
            )
            if ids["returnable"]:
                shoot(
                    customer,
                    base,
                    "portal-return-form",
                    f"/my/orders/{ids['returnable']}/return",
                    "form.o_return_form",
                    prepare=fill_return_form,
                )
            shoot(customer, base, "portal-loyalty", "/my/loyalty", "main")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
    for addon, names in ADDON_SHOTS.items():
        for name in names:
            shutil.copyfile(
                OUT / f"{name}.png",
                ROOT / "addons" / addon / "static" / "description" / f"{name}.png",
            )


if __name__ == "__main__":
    main()
