"""Helpers shared by the bench scripts: an Odoo environment on a database,
databases with or without our addons, and side-by-side timing."""

import os
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_ADDONS = "crm_ecommerce,crm_fulfillment,crm_loyalty"
ODOO_DEPENDENCIES = "sale_management,sale_crm,sale_stock,sale_loyalty,portal"
SERVER_SETTINGS = ("server_version", "shared_buffers", "max_wal_size", "work_mem", "autovacuum")


def addons_path():
    import odoo

    odoo_dir = Path(odoo.__file__).resolve().parent
    paths = [ROOT / "addons", odoo_dir / "addons"]
    if (odoo_dir.parent / "addons" / "sale_loyalty").is_dir():
        paths.append(odoo_dir.parent / "addons")
    return ",".join(str(p) for p in paths)


def data_dir():
    """Odoo's data directory (filestores, sessions) for the bench's databases."""
    return os.environ.get("ODOO_DATA_DIR", str(Path.home() / ".local/share/Odoo"))


def odoo_args(db):
    return [
        "-c",
        str(ROOT / "odoo.conf"),
        "--addons-path",
        addons_path(),
        "-d",
        db,
        "--data-dir",
        data_dir(),
    ]


_CONFIGURED = []


@contextmanager
def odoo_env(db):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    if not _CONFIGURED:
        odoo.tools.config.parse_config([*odoo_args(db), "--no-http", "--log-level=warn"])
        _CONFIGURED.append(db)
    with Registry(db).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})


def create_db(db, modules):
    """A fresh database with ``modules`` installed (no demo data)."""
    drop_db(db)
    install(db, modules, "--without-demo=all")


def install(db, modules, *extra):
    """Install ``modules`` on ``db`` (created if missing); returns the
    seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "server",
            *odoo_args(db),
            "-i",
            modules,
            *extra,
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - start


def copy_db(source, target):
    """``target``, a copy of ``source`` (which nobody may be connected to),
    made by PostgreSQL from it as a template; its filestore is not copied."""
    from psycopg2 import sql

    with raw_cursor("postgres", autocommit=True) as cr:
        cr.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )


def db_command():
    """``odoo db`` with the repository's config and the bench's data
    directory, so that the filestores of the bench's databases (not the
    config's data_dir) are dropped and copied with them."""
    conf = str(ROOT / "odoo.conf")
    return [sys.executable, "-m", "odoo", "db", "-c", conf, "--data-dir", data_dir()]


def drop_db(db):
    """Drop ``db`` and its filestore; nothing when there is none."""
    subprocess.run([*db_command(), "drop", db], cwd=ROOT, capture_output=True, check=False)


@contextmanager
def raw_cursor(db, autocommit=False):
    """A cursor on its own psycopg2 connection to ``db`` (outside Odoo's
    registry), closed on exit."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    _name, params = connection_info_for(db)
    cnx = psycopg2.connect(**params)
    try:
        cnx.autocommit = autocommit
        with cnx.cursor() as cr:
            yield cr
    finally:
        cnx.close()


def maintenance(db, *statements):
    """Run VACUUM, CHECKPOINT and the like, which need their own autocommit
    connection; a statement the user may not run (CHECKPOINT without
    superuser rights) is skipped."""
    import psycopg2

    with raw_cursor(db, autocommit=True) as cr:
        for statement in statements:
            try:
                cr.execute(statement)
            except psycopg2.errors.InsufficientPrivilege:
                continue


def server_settings(db):
    """The PostgreSQL version and the settings that bound a large run's
    caches and checkpoints, as ``name = value`` text for the report."""
    with raw_cursor(db) as cr:
        cr.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name",
            (list(SERVER_SETTINGS),),
        )
        return ", ".join(f"{name} = {value}" for name, value in cr.fetchall())


def side_by_side(ours, reference, repeat=5, between=None):
    """Median seconds of ``ours`` and ``reference``, run alternately so that
    both see the same machine load; ``between`` runs untimed before each
    run (to give both the same starting state). Returns (ours, reference,
    ratio)."""
    ours_times, ref_times = [], []
    for _i in range(repeat):
        for func, times in ((ours, ours_times), (reference, ref_times)):
            if between:
                between()
            start = time.perf_counter()
            func()
            times.append(time.perf_counter() - start)
    ours_s, ref_s = statistics.median(ours_times), statistics.median(ref_times)
    return ours_s, ref_s, ours_s / ref_s if ref_s else float("inf")


def peak_rss_mib():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
