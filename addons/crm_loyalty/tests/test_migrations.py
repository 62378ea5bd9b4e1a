"""The ledger's schema, on a fresh install and after an update from an
older version."""

import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
REVERSE_ONCE_DEFINITION = (
    "CREATE UNIQUE INDEX loyalty_ledger_reverse_once_index ON public.loyalty_ledger"
    " USING btree (source_id, move_id) WHERE (source_id IS NOT NULL)"
)
CARD_DATE_DEFINITION = (
    "CREATE INDEX loyalty_ledger_card_date_index ON public.loyalty_ledger"
    " USING btree (card_id, date, id)"
)


def load_migration(version="18.0.1.0.5", script="pre-migrate.py"):
    spec = importlib.util.spec_from_file_location(
        f"crm_loyalty_migrate_{version.replace('.', '_')}", MIGRATIONS / version / script
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestLedgerSchema(TransactionCase):
    def _index_definition(self, name):
        self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,))
        return [row[0] for row in self.env.cr.fetchall()]

    def _constraint_count(self, name):
        self.env.cr.execute("SELECT count(*) FROM pg_constraint WHERE conname = %s", (name,))
        return self.env.cr.fetchone()[0]

    def test_only_reversals_are_in_the_reverse_once_index(self):
        """The unique (source, return move) rule is a partial index: the
        entries that reverse nothing, nearly all of the ledger, are not in
        it, and the constraint of 18.0.1.0.1 that held them all is gone."""
        self.assertEqual(
            self._index_definition("loyalty_ledger_reverse_once_index"), [REVERSE_ONCE_DEFINITION]
        )
        self.assertEqual(self._constraint_count("loyalty_ledger_reverse_once_per_move"), 0)

    def test_update_from_the_schema_of_18_0_1_0_1(self):
        """A database of 18.0.1.0.1 has the unique constraint and the lot
        index by expiry date, and not the partial index: the migration drops
        what is old, the module's init() makes what is new, and a second run
        of both changes nothing."""
        cr = self.env.cr
        cr.execute(
            "DROP INDEX loyalty_ledger_reverse_once_index;"
            " ALTER TABLE loyalty_ledger ADD CONSTRAINT loyalty_ledger_reverse_once_per_move"
            " UNIQUE (source_id, move_id);"
            " CREATE INDEX loyalty_ledger_lot_expiry_index ON loyalty_ledger (expiry_date)"
            " WHERE state = 'available' AND remaining > 0"
        )
        self.assertEqual(self._constraint_count("loyalty_ledger_reverse_once_per_move"), 1)
        migration = load_migration()
        for _run in range(2):
            migration.migrate(cr, "18.0.1.0.1")
            self.env["loyalty.ledger"].init()
            self.assertEqual(self._constraint_count("loyalty_ledger_reverse_once_per_move"), 0)
            self.assertEqual(self._index_definition("loyalty_ledger_lot_expiry_index"), [])
            self.assertEqual(
                self._index_definition("loyalty_ledger_reverse_once_index"),
                [REVERSE_ONCE_DEFINITION],
            )

    def test_update_from_the_schema_of_18_0_1_0_6(self):
        """A database of 18.0.1.0.6 has an index of card_id of its own and
        not the indexes by card: the module's init() makes them, then the
        migration drops the index the index by card and date replaces;
        a second run of both changes nothing."""
        cr = self.env.cr
        cr.execute(
            "DROP INDEX loyalty_ledger_card_date_index, loyalty_ledger_card_pending_index,"
            " loyalty_ledger_card_lot_index;"
            " CREATE INDEX loyalty_ledger__card_id_index ON loyalty_ledger (card_id)"
        )
        migration = load_migration("18.0.1.0.7", "post-migrate.py")
        for _run in range(2):
            self.env["loyalty.ledger"].init()
            migration.migrate(cr, "18.0.1.0.6")
            self.assertEqual(self._index_definition("loyalty_ledger__card_id_index"), [])
            self.assertEqual(
                self._index_definition("loyalty_ledger_card_date_index"), [CARD_DATE_DEFINITION]
            )
            self.assertEqual(len(self._index_definition("loyalty_ledger_card_pending_index")), 1)
            self.assertEqual(len(self._index_definition("loyalty_ledger_card_lot_index")), 1)

    def test_a_fresh_install_has_no_index_of_card_id_alone(self):
        """The field does not make one (the index by card and date serves
        its lookups); its foreign key still finds a card's entries."""
        self.assertEqual(self._index_definition("loyalty_ledger__card_id_index"), [])
        self.assertFalse(self.env["loyalty.ledger"]._fields["card_id"].index)

    def test_init_makes_the_indexes_of_a_fresh_install(self):
        cr = self.env.cr
        names = (
            "loyalty_ledger_pending_index",
            "loyalty_ledger_lot_index",
            "loyalty_ledger_card_pending_index",
            "loyalty_ledger_card_lot_index",
            "loyalty_ledger_card_date_index",
            "loyalty_ledger_reverse_once_index",
        )
        for name in names:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        self.env["loyalty.ledger"].init()
        for name in names:
            with self.subTest(index=name):
                self.assertEqual(len(self._index_definition(name)), 1)
