"""Crons killed in the middle of a batch (part 3 of bench/load.py): our
batched crons run the way Odoo's cron worker runs them, in a process forked
from one that loaded Odoo (run as ``bench/load.py --child crons``), killed
with SIGKILL in their second batch and run again, against the same crons
run uninterrupted on a copy of the shop. Also what the crons have left to
do and the customers' RFM figures, read through the ORM (_inspect)."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, odoo_env
from load_checks import check_rfm_after_load, header, query, value

# The entry point, whose hidden --child crons option runs child_crons.
LOAD_SCRIPT = str(Path(__file__).resolve().with_name("load.py"))
# Our crons that work in batches, in the order the kill scenario runs them.
CRONS = {
    "release": "crm_loyalty.ir_cron_loyalty_release",
    "expire": "crm_loyalty.ir_cron_loyalty_expire",
    "rfm": "crm_ecommerce.ir_cron_compute_rfm",
}
# What the loyalty crons have left to do (the RFM cron's: _inspect).
TODO_SQL = {
    "release": "SELECT count(*) FROM loyalty_ledger"
    " WHERE state = 'pending' AND release_date <= %(at)s",
    "expire": "SELECT count(*) FROM loyalty_ledger WHERE state = 'available' AND remaining > 0"
    " AND expiry_date < %(at)s::date",
}
# What the loyalty crons write, compared between the killed and the
# uninterrupted run (the RFM cron's: _inspect).
RESULTS_SQL = {
    "ledger entries (state, points left, dates)": "SELECT id, state, remaining, release_date,"
    " expiry_date FROM loyalty_ledger WHERE id <= %(last)s ORDER BY id",
    "entries written by the crons": "SELECT card_id, kind, points, state, remaining"
    " FROM loyalty_ledger WHERE id > %(last)s ORDER BY 1, 2, 3",
    "card balances": "SELECT id, points FROM loyalty_card ORDER BY id",
}


# ---------------------------------------------------------------------------
# A cron run, in an Odoo environment (a child process)
# ---------------------------------------------------------------------------
def _inspect(env, full=False):
    """What the crons have left to do: pending entries due, lots past
    expiry with points left, customers with orders and no figures. With
    ``full``: the customers' figures, breakdowns and score trends as
    res.partner reads them (whatever their storage), and how many of them
    disagree with their signature or lack their breakdown or this month's
    point of the trend."""
    # The figures in the order of the signature the RFM run keeps.
    from odoo.addons.crm_ecommerce.models.res_partner_rfm import RFM_COLUMNS

    now = env.cr.now()
    state = {}
    for name, statement in TODO_SQL.items():
        env.cr.execute(statement, {"at": now})
        state[name] = env.cr.fetchone()[0]
    partners = env["res.partner"].with_company(env.company)
    orders = env["sale.order"].search([("state", "=", "sale")])
    customers = orders.partner_id.commercial_partner_id
    scored = partners.search([("rfm_segment", "!=", False)])
    state.update(rfm=len(customers - scored), customers=len(customers), scored=len(scored))
    if full:
        month = now.date().replace(day=1)
        figures, torn = {}, 0
        for partner in scored:
            values = [partner[name] for name, _type in RFM_COLUMNS[:-1]]
            lines = [[ln.sequence, ln.name, ln.points] for ln in partner.score_factor_ids]
            trend = [[str(t.month), t.score, t.segment] for t in partner.score_snapshot_ids]
            signature = (partner.rfm_signature or "").split("|")
            torn += (
                not _same_figures(signature, values)
                or len(lines) < 3
                or str(month) not in (point[0] for point in trend)
            )
            figures[partner.id] = [str(v) for v in values] + sorted(lines) + sorted(trend)
        state.update(torn=torn, figures=figures)
    return state


def _same_figures(signature, figures):
    if len(signature) != len(figures):
        return False
    for sig, fig in zip(signature, figures, strict=True):
        try:
            if abs(float(sig) - float(fig)) > 0.006:
                return False
        except (TypeError, ValueError):
            if str(sig).lower() != str(fig).lower():
                return False
    return True


def child_crons(db, plan, inspect_db=None):
    """Runs of our crons on ``db``, each in a process forked from this one
    once Odoo is loaded, as Odoo's prefork server forks its cron worker.
    ``plan``: [(steps, stop_at)], steps [(cron, batch size)] run one after
    the other to completion, the batch size written in the cron's code; a
    run that reaches ``stop_at`` (cron, n-th progress notification: a batch
    done, not committed) is killed (SIGKILL), and what the killed cron had
    committed is said. ``inspect_db``: a database to _inspect first. Says
    what happened on its standard output, a line each."""
    import odoo

    if inspect_db:
        with odoo_env(inspect_db) as env:
            print(f"inspect {json.dumps(_inspect(env, full=True))}", flush=True)
    with odoo_env(db) as env:
        ids = {name: env.ref(xmlid).id for name, xmlid in CRONS.items()}
        for name, batch in dict(step for steps, _stop in plan for step in steps).items():
            action = env["ir.cron"].browse(ids[name]).ir_actions_server_id
            action.code = re.sub(r"\(\s*\)\s*$", f"(batch_size={batch})", action.code.strip())
        env.cr.execute(
            "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') - interval '1 minute'"
            " WHERE id = ANY(%s)",
            [list(ids.values())],
        )
        env.cr.commit()
    for steps, stop_at in plan:
        odoo.sql_db.close_all()  # no connection shared with the forked process
        killed = _fork_run(db, ids, steps, stop_at)
        if killed:
            with odoo_env(db) as env:
                env.cr.execute(
                    "SELECT COALESCE(sum(done), 0) FROM ir_cron_progress WHERE cron_id = %s",
                    [ids[stop_at[0]]],
                )
                print(f"committed {stop_at[0]} {env.cr.fetchone()[0]}", flush=True)
        print(f"exit {'killed' if killed else 'done'}", flush=True)


def _fork_run(db, ids, steps, stop_at):
    """Run ``steps`` in a forked process, relaying what it says; kill it
    (SIGKILL) when it stops. Returns whether it was killed."""
    driver = os.getpid()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if not pid:
        os.close(read_fd)
        code = 1
        try:
            with os.fdopen(write_fd, "w", buffering=1) as out:
                _run_steps(db, steps, stop_at, out, ids=ids, driver=driver)
            code = 0
        except BaseException:
            traceback.print_exc()
        os._exit(code)
    os.close(write_fd)
    killed = False
    with os.fdopen(read_fd) as lines:
        for line in lines:
            print(line, end="", flush=True)
            if line.startswith("stopped "):
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
    _pid, status = os.waitpid(pid, 0)
    if status and not killed:
        raise RuntimeError(f"the run of {steps} failed")
    return killed


def _run_steps(db, steps, stop_at, out, *, ids, driver):
    """Each cron of ``steps`` run to completion the way Odoo's cron worker
    runs it (acquire the job, _process_job), its progress said on ``out``;
    at ``stop_at``, say so and wait to be killed (by ``driver``, or gone
    with it)."""
    import odoo
    from odoo.modules.registry import Registry

    cron_class = Registry(db)["ir.cron"]
    notify = cron_class._notify_progress
    current = {"name": None, "count": 0}

    def notify_and_tell(self, *, done, remaining, deactivate=False):
        notify(self, done=done, remaining=remaining, deactivate=deactivate)
        current["count"] += 1
        out.write(f"progress {current['name']} {current['count']} {done} {remaining}\n")
        if (current["name"], current["count"]) == stop_at:
            out.write(f"stopped {current['name']}\n")
            while os.getppid() == driver:
                time.sleep(0.5)  # killed here, the batch not committed
            os._exit(1)

    cron_class._notify_progress = notify_and_tell
    connection = odoo.sql_db.db_connect(db)
    threading.current_thread().dbname = db
    for name, _batch in steps:
        with odoo_env(db) as env:
            out.write(f"state {name} {json.dumps(_inspect(env))}\n")
        current.update(name=name, count=0)
        deadline = time.monotonic() + 120
        while True:
            with connection.cursor() as cron_cr:
                try:
                    job = cron_class._acquire_one_job(cron_cr, ids[name])
                except Exception:  # another worker took it: look again
                    cron_cr.rollback()
                    job = None
                if job:
                    cron_class._process_job(connection, cron_cr, job)
                    continue
                # Not ready: done (put off), or still locked by a killed run.
                cron_cr.execute(
                    "SELECT nextcall > now() AT TIME ZONE 'UTC', failure_count FROM ir_cron"
                    " WHERE id = %s",
                    [ids[name]],
                )
                later, failures = cron_cr.fetchone()
            if later:
                out.write(f"done {name} {failures}\n")
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {name} cron could not be acquired")
            time.sleep(0.2)
    with odoo_env(db) as env:
        out.write(f"state end {json.dumps(_inspect(env, full=True))}\n")


# ---------------------------------------------------------------------------
# 3. Crons killed in the middle of a batch
# ---------------------------------------------------------------------------
class CronRun:
    """What a run of child_crons said: the state before each step and at
    the end (_inspect), its progress notifications, the crons it finished
    (and their failure counts), what the killed cron had committed."""

    def __init__(self, lines, killed):
        self.killed = killed
        self.states, self.progress, self.done, self.committed = {}, [], {}, None
        for line in lines:
            kind, _sp, rest = line.partition(" ")
            if kind == "state":
                name, _sp, data = rest.partition(" ")
                self.states[name] = json.loads(data)
            elif kind == "progress":
                name, *numbers = rest.split()
                self.progress.append((name, *map(int, numbers)))
            elif kind == "done":
                name, failures = rest.split()
                self.done[name] = int(failures)
            elif kind == "committed":
                self.committed = int(rest.split()[1])


def start_crons(db, plan, inspect_db=None):
    cmd = [sys.executable, LOAD_SCRIPT, "--child", "crons", "--db", db, "--plan", json.dumps(plan)]
    if inspect_db:
        cmd += ["--inspect", inspect_db]
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_crons(proc, timeout=300):
    """([CronRun], what it inspected) of a child_crons process."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"the crons' child failed ({proc.returncode}):\n{err[-3000:]}")
    runs, lines, inspected = [], [], None
    for line in out.splitlines():
        kind, _sp, rest = line.partition(" ")
        if kind == "inspect":
            inspected = json.loads(rest)
        elif kind == "exit":
            runs.append(CronRun(lines, rest == "killed"))
            lines = []
        else:
            lines.append(line)
    return runs, inspected


def kill_phase(db, ref_db, kill_db, *, rfm, checks):
    """Each cron killed in its second batch on ``kill_db``, then run again
    (before the next cron is run and killed), against the same crons run
    uninterrupted on ``ref_db``, alongside; the RFM figures the load left
    on ``db`` are read through the ORM meanwhile (``rfm``: what became of
    the RFM cron in the load, load_checks.cron_outcome)."""
    names = list(CRONS)
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    todo = {name: value(kill_db, statement, {"at": at}) for name, statement in TODO_SQL.items()}
    todo["rfm"] = value(
        kill_db, "SELECT count(DISTINCT partner_id) FROM sale_order WHERE state = 'sale'"
    )
    # About five batches each: the kill lands in the second.
    batch = {name: max(math.ceil(todo[name] / 5), 1) for name in names}
    last = value(kill_db, "SELECT max(id) FROM loyalty_ledger")
    plan = []
    for i, name in enumerate(names):
        # The cron killed in the previous run runs again first.
        steps = ([[names[i - 1], batch[names[i - 1]]]] if i else []) + [[name, batch[name]]]
        plan.append([steps, [name, 2]])
    plan.append([[[names[-1], batch[names[-1]]]], None])
    killing = start_crons(kill_db, plan)
    uninterrupted = start_crons(ref_db, [[[[n, batch[n]] for n in names], None]], inspect_db=db)
    runs = finish_crons(killing)[0]
    reference, inspected = finish_crons(uninterrupted)
    check_rfm_after_load(inspected, rfm, checks)
    header("Crons killed (SIGKILL) in the middle of a batch, then run again")
    for i, name in enumerate(names):
        before = runs[i].states.get(name, {}).get(name)
        after = runs[i + 1].states.get(name, {}).get(name)
        stop = [p for p in runs[i].progress if p[0] == name][-1:] or [(name, 0, 0, 0)]
        committed = runs[i].committed
        checks.check(
            runs[i].killed
            and stop[0][3] > 0
            and None not in (before, after, committed)
            and before - after == committed,
            f"{name}: {before} to do in batches of {batch[name]}, killed in batch {stop[0][1]} "
            f"({stop[0][2]} done, {stop[0][3]} left); what the kill left is what was committed: "
            f"{(before or 0) - (after or 0)} applied, {committed} committed",
        )
    _compare_runs(ref_db, kill_db, reference[0], runs, last=last, checks=checks)


def _compare_runs(ref_db, kill_db, reference, runs, *, last, checks):
    finished = {name: failures for run in runs for name, failures in run.done.items()}
    end = runs[-1].states.get("end", {})
    ref_end = reference.states.get("end", {}) if reference else {}
    left = {name: end.get(name) for name in CRONS}
    checks.check(
        finished == dict.fromkeys(CRONS, 0)
        and reference is not None
        and reference.done == dict.fromkeys(CRONS, 0)
        and not any(left.values()),
        f"run again, each cron finished without failure and skipped nothing: {left} left "
        f"(uninterrupted: { {name: ref_end.get(name) for name in CRONS} })",
    )
    for label, statement in RESULTS_SQL.items():
        ours = query(kill_db, statement, {"last": last})
        theirs = query(ref_db, statement, {"last": last})
        differ = len(set(ours) ^ set(theirs))
        checks.check(
            ours == theirs,
            f"{label}: equal to the uninterrupted run ({len(ours)} rows, {differ} differ)",
        )
    ours, theirs = end.get("figures", {}), ref_end.get("figures", {})
    differ = sum(ours.get(key) != theirs.get(key) for key in set(ours) | set(theirs))
    checks.check(
        ours == theirs and end.get("torn") == 0,
        f"RFM figures, breakdowns and score trends: equal to the uninterrupted run "
        f"({len(ours)} customers, {differ} differ, {end.get('torn')} torn)",
    )
