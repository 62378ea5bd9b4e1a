"""Cross-addon schema check: the links from our models to rows Odoo deletes
often are indexed, in all three addons."""

from odoo.tests import TransactionCase, tagged

OUR_MODULES = {"crm_ecommerce", "crm_fulfillment", "crm_loyalty"}
# Tables whose rows Odoo deletes in its everyday flows: sale_loyalty rewrites
# reward lines, stock merges and cancels moves, contacts are merged and
# deleted. A foreign key pointing at them needs an index, or every such
# delete scans the whole referencing table to enforce its ON DELETE.
DELETED_OFTEN = {"res.partner", "sale.order", "sale.order.line", "stock.move", "stock.picking"}


@tagged("post_install", "-at_install")
class TestForeignKeyIndexes(TransactionCase):
    def _unindexed_links(self):
        self.env.cr.execute(
            """
            SELECT DISTINCT c.relname, a.attname
              FROM pg_index i
              JOIN pg_class c ON c.oid = i.indrelid
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            """
        )
        indexed = set(self.env.cr.fetchall())
        missing = []
        for model in self.env.values():
            if model._abstract or model._transient or not model._auto:
                continue
            for field in model._fields.values():
                if (
                    field.type == "many2one"
                    and field.store
                    and field._module in OUR_MODULES
                    and field.comodel_name in DELETED_OFTEN
                    and (model._table, field.name) not in indexed
                ):
                    missing.append(f"{model._name}.{field.name}")
        return sorted(missing)

    def test_links_to_often_deleted_rows_are_indexed(self):
        """On a 1,000,000-entry ledger, the unindexed links from entries to
        order lines and moves made a return spend 50 ms per returned line
        looking up what the line earned."""
        self.assertEqual(self._unindexed_links(), [])
