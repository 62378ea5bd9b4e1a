"""The traffic of bench/load.py: simulated portal customers (plain
``requests`` sessions), salespeople redeeming points through JSON-RPC, and
the administrator's writes that make the server's cron worker run our
crons, all recorded in a Load: timed requests, errors, the shop's refusals,
the returns it accepted and the redemptions it confirmed."""

import random
import re
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

PASSWORD = "crm-load-test"
SALES_LOGIN = "load.salesperson"
PAGES = (("/my/orders", 3), ("/my/loyalty", 3), ("/my/returns", 2), ("return", 2))
BUSINESS_ERRORS = ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError")
TRACEBACK = "Traceback (most recent call last)"
CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
QTY_INPUT = re.compile(r'<input[^>]*\bname="qty_(\d+)"[^>]*>')
MAX_ATTR = re.compile(r'\bmax="([\d.]+)"')
REASON = re.compile(r'<option value="(\d+)"')
RETURN_URL = re.compile(r"/my/returns/(\d+)")
RETURN_ERROR = re.compile(r'o_return_error"[^>]*>\s*([^<]*)')


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------
class RpcError(Exception):
    def __init__(self, error):
        data = error.get("data") or {}
        self.name = data.get("name", "")
        self.message = data.get("message") or error.get("message", "")
        super().__init__(f"{self.name}: {self.message}")

    @property
    def business(self):
        return self.name in BUSINESS_ERRORS


class Rpc:
    """Odoo's JSON-RPC as one user."""

    def __init__(self, url, db, login):
        self.url, self.db = url, db
        self.session = requests.Session()
        self.uid = self.call("common", "login", db, login, PASSWORD)
        if not self.uid:
            raise RuntimeError(f"{login} can't log in")

    def call(self, service, method, *args):
        payload = {"service": service, "method": method, "args": list(args)}
        response = self.session.post(
            self.url + "/jsonrpc",
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": payload},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RpcError(body["error"])
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            "object", "execute_kw", self.db, self.uid, PASSWORD, model, method, list(args), kwargs
        )


class Load:
    """What the simulated users did: timed requests, what went wrong, the
    returns the shop accepted, the redemptions it confirmed, its refusals."""

    def __init__(self, url, duration, max_requests, think):
        self.url, self.duration, self.think = url, duration, think
        self.started = time.monotonic()
        self.started_at = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.max_requests = max_requests
        self.samples = []  # (label, seconds, answered well)
        self.errors = []
        self.refusals = Counter()
        self.returns = []  # (return, order, order line, quantity)
        self.redemptions = []  # confirmed orders
        self.lock = threading.Lock()

    def running(self):
        return (
            time.monotonic() < self.started + self.duration
            and len(self.samples) < self.max_requests
        )

    def record(self, label, seconds, problem=None):
        with self.lock:
            self.samples.append((label, seconds, problem is None))
            if problem:
                self.errors.append(f"{label}: {problem}")

    def refuse(self, reason):
        with self.lock:
            self.refusals[reason] += 1

    def fetch(self, session, label, method, path, expect=(200,), **kwargs):
        """A timed request; None when it did not answer as expected (then an
        error: an unexpected status, a redirect to the login page, a
        traceback shown to the customer)."""
        start = time.perf_counter()
        try:
            response = session.request(
                method, self.url + path, timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            self.record(label, time.perf_counter() - start, f"{path}: {type(exc).__name__}")
            return None
        seconds = time.perf_counter() - start
        problem = None
        if response.status_code not in expect:
            where = response.headers.get("Location", "")
            problem = f"{path}: HTTP {response.status_code} {where}".strip()
        elif TRACEBACK in response.text:
            problem = f"{path}: a traceback in the page"
        self.record(label, seconds, problem)
        return None if problem else response


def login(load, session, user):
    page = load.fetch(session, "login", "GET", "/web/login")
    if page is None:
        return False
    data = {"login": user, "password": PASSWORD, "csrf_token": CSRF.search(page.text).group(1)}
    done = load.fetch(session, "login", "POST", "/web/login", expect=(303,), data=data)
    if done is not None and "/web/login" in done.headers.get("Location", ""):
        load.record("login", 0.0, f"{user} was sent back to the login page")
        return False
    return done is not None


def request_return(load, session, user, rnd):
    """Open an order's return form and ask to return one unit of one of
    its lines, as the customer would."""
    order_id = rnd.choice(user["orders"])
    path = f"/my/orders/{order_id}/return"
    form = load.fetch(session, "return form", "GET", path)
    if form is None:
        return
    lines = []
    for tag in QTY_INPUT.finditer(form.text):
        most = MAX_ATTR.search(tag.group(0))
        if most and float(most.group(1)) >= 1:
            lines.append(int(tag.group(1)))
    reasons = REASON.findall(form.text)
    if not lines or not reasons:
        load.refuse("return: nothing left to return on the order")
        return
    line_id = rnd.choice(lines)
    data = {
        "csrf_token": CSRF.search(form.text).group(1),
        "reason_id": reasons[0],
        "resolution": "refund",
        f"qty_{line_id}": "1",
        "note": "Load test",
    }
    posted = load.fetch(session, "return request", "POST", path, expect=(200, 303), data=data)
    if posted is None:
        return
    if posted.status_code == 200:
        message = RETURN_ERROR.search(posted.text)
        if message:
            load.refuse("return: " + " ".join(message.group(1).split()[:4]) + " ...")
        else:
            load.record("return request", 0.0, f"{path}: no return and no reason given")
        return
    location = urlsplit(posted.headers.get("Location", ""))
    found = RETURN_URL.match(location.path)
    if not found:
        load.record("return request", 0.0, f"{path}: redirected to {location.path}")
        return
    with load.lock:
        load.returns.append((int(found.group(1)), order_id, line_id, 1.0))
    load.fetch(session, "return page", "GET", f"{location.path}?{location.query}")


def customer(load, user, seed, delay):
    """A customer arriving after ``delay`` seconds: logs in, then opens a
    page or asks for a return, a think time between two."""
    rnd = random.Random(seed)
    time.sleep(delay)
    session = requests.Session()
    if not login(load, session, user["login"]):
        return
    pages, weights = zip(*PAGES, strict=True)
    while load.running():
        page = rnd.choices(pages, weights)[0]
        if page == "return":
            request_return(load, session, user, rnd)
        else:
            load.fetch(session, page, "GET", page)
        time.sleep(rnd.uniform(*load.think))


def redeemer(load, rpc, users, products, seed):
    """A salesperson's order for a customer, points redeemed through
    sale_loyalty's reward flow, confirmed. A few customers only, so that
    two redemptions on one card meet."""
    rnd = random.Random(seed)
    while load.running():
        user = rnd.choice(users[:3])
        start = time.perf_counter()
        try:
            order_id = rpc.execute(
                "sale.order",
                "create",
                [
                    {
                        "partner_id": user["partner_id"],
                        "order_line": [[0, 0, {"product_id": rnd.choice(products)}]],
                    }
                ],
            )[0]
            rpc.execute("sale.order", "action_open_reward_wizard", [order_id])
            domain = [("order_id", "=", order_id), ("reward_id", "!=", False)]
            rewarded = rpc.execute("sale.order.line", "search_count", domain)
            if rewarded:
                rpc.execute("sale.order", "action_confirm", [order_id])
        except RpcError as exc:
            problem = None if exc.business else str(exc)
            load.record("redeem (RPC)", time.perf_counter() - start, problem)
            if exc.business:
                load.refuse("redemption: " + " ".join(exc.message.split()[:6]) + " ...")
            continue
        except requests.RequestException as exc:
            load.record("redeem (RPC)", time.perf_counter() - start, type(exc).__name__)
            continue
        load.record("redeem (RPC)", time.perf_counter() - start)
        if rewarded:
            with load.lock:
                load.redemptions.append(order_id)
        else:
            load.refuse("redemption: no reward to claim")
        time.sleep(rnd.uniform(*load.think) / 2)


def trigger_crons(load, rpc, crons, triggers, deadline=60.0):
    """Make the cron worker run ``crons`` ({name: id}) during the load: their
    next call written as admin at its start, and again at half of it if the
    load still runs then. The administrator's calls wait for one of the HTTP
    workers the customers keep busy: each round runs to its end, or for
    ``deadline`` seconds, even after the load stopped. ``triggers``: {name:
    [when, UTC]}."""
    for fraction in (0.0, 0.5):
        while load.running() and time.monotonic() < load.started + fraction * load.duration:
            time.sleep(0.2)
        if fraction and not load.running():
            return
        _trigger_round(load, rpc, crons, triggers, time.monotonic() + deadline)


def _trigger_round(load, rpc, crons, triggers, deadline):
    """The crons' next call written in one call; Odoo refuses it while one
    of them runs (``ir.cron._try_lock``), then each is written on its own,
    and the refused ones tried again until ``deadline`` (monotonic)."""
    pending = dict(crons)
    while True:
        alone = [{name: cron_id} for name, cron_id in pending.items()] if len(pending) > 1 else []
        for group in [dict(pending), *alone]:
            if not group.keys() <= pending.keys():
                continue
            now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
            try:
                rpc.execute("ir.cron", "write", list(group.values()), {"nextcall": str(now)})
            except RpcError as exc:
                if not exc.business:
                    _trigger_error(load, str(exc))
                continue
            except requests.RequestException as exc:
                _trigger_error(load, type(exc).__name__)
                continue
            for name in group:
                triggers[name].append(now)
                del pending[name]
        if not pending:
            return
        if time.monotonic() > deadline:
            _trigger_error(load, f"{', '.join(pending)} not written in time")
            return
        time.sleep(0.5)


def _trigger_error(load, problem):
    with load.lock:
        load.errors.append(f"cron trigger: {problem}")
