import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..tools import pg

_logger = logging.getLogger(__name__)

TARGETS = {"lead": "crm.lead", "partner": "res.partner"}
# From this many records, a batch that is also a large part of its table is
# matched by scanning each rule's records rather than by probing its ids.
SCAN_FROM = 5000


class CrmScoringRule(models.Model):
    """A reason to score a lead or a customer up or down, explained by its
    name in every breakdown.

    A rule's domain reads what its author may read, never more: it is
    checked when saved as the user saving it, and evaluated at scoring
    time with that user's rights in the company being scored, whoever
    triggers the scoring (a salesperson creating a lead, the cron). A
    domain can't probe records its author can't see, and a batch scores
    the same whoever scores it."""

    _name = "crm.scoring.rule"
    _description = "Scoring Rule"
    _order = "target, sequence, id"

    name = fields.Char(required=True, translate=True, help="Shown in the score's breakdown.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    target = fields.Selection(
        [("lead", "Leads"), ("partner", "Customers")], required=True, default="lead"
    )
    domain = fields.Char(default="[]", required=True, help="The records this rule applies to.")
    points = fields.Integer(required=True, help="Positive or negative.")
    group_id = fields.Many2one("crm.scoring.group", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use the rule in every company."
    )
    domain_user_id = fields.Many2one(
        "res.users",
        string="Domain Read As",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Who last saved the domain: it matches only what this user may read.",
    )
    model_name = fields.Char(compute="_compute_model_name")

    @api.depends("target")
    def _compute_model_name(self):
        for rule in self:
            rule.model_name = TARGETS[rule.target or "lead"]

    @api.constrains("domain", "target")
    def _check_domain(self):
        for rule in self:
            env = rule._domain_env(rule.company_id or self.env.company)
            try:
                if env is None:
                    raise AccessError(
                        self.env._("%s does not work in this company.", rule.domain_user_id.name)
                    )
                env[TARGETS[rule.target]]._search(rule._domain(env))
            except Exception as exc:
                raise ValidationError(
                    self.env._(
                        "The domain of rule '%(rule)s' is not valid: %(problem)s",
                        rule=rule.name,
                        problem=exc,
                    )
                ) from exc

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not (self.env.su and vals.get("domain_user_id")):
                vals["domain_user_id"] = self._domain_author()
        return super().create(vals_list)

    def write(self, vals):
        vals = dict(vals)
        if not self.env.su:
            vals.pop("domain_user_id", None)
        if "domain" in vals or "target" in vals:
            vals["domain_user_id"] = self._domain_author()
        return super().write(vals)

    @api.model
    def _domain_author(self):
        """Whose rights a domain saved now is read with: the user saving
        it, or the superuser for data files and code running in sudo."""
        return SUPERUSER_ID if self.env.su else self.env.uid

    def _domain_env(self, company):
        """The environment the domain is read in for ``company``: its
        author's, without sudo unless the author is the superuser; None when
        the author does not work in that company. A rule whose author is
        gone is read with the current user's rights, without sudo."""
        self.ensure_one()
        author = self.domain_user_id
        env = self.env(user=author.id, su=False) if author else self.env(su=False)
        if not env.su and company.id not in env.user._get_company_ids():
            return None
        return env(context=dict(env.context, allowed_company_ids=[company.id], active_test=False))

    def _domain(self, env=None):
        self.ensure_one()
        return safe_eval(self.domain or "[]", {"uid": (env or self.env).uid})

    @api.model
    def _matches(self, target, records):
        """[(rule, matching records)] for active rules of ``target``: one
        search per rule over the whole batch, each with its author's
        rights in the current company. A rule its author can no longer
        read (rights or company removed since) matches nothing.

        A large batch that is also a large part of its table (every
        customer, for the RFM computation) is matched by one plain search
        per rule, kept to the batch here: cheaper than having PostgreSQL
        probe each of tens of thousands of ids. Others are looked up by
        their ids, sent as one array literal."""
        company = self.env.company
        rules = self.search([("target", "=", target), ("company_id", "in", (False, company.id))])
        large = False
        if rules and len(records) >= SCAN_FROM:
            # PostgreSQL's estimate of the table's rows: no count of a large table.
            self.env.cr.execute(
                SQL(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                    self.env[TARGETS[target]]._table,
                )
            )
            large = 0 < self.env.cr.fetchone()[0] <= 4 * len(records)
        batch = set(records.ids) if large else pg.int_array(records.ids)
        result = []
        for rule in rules:
            env = rule._domain_env(company)
            matched = []
            if env is not None:
                try:
                    query = env[TARGETS[target]]._search(rule._domain(env))
                    if large:
                        matched = [record_id for record_id in query if record_id in batch]
                    else:
                        query.add_where(
                            SQL("%s = ANY(%s::int[])", SQL.identifier(query.table, "id"), batch)
                        )
                        matched = list(query)
                except AccessError as exc:
                    _logger.warning(
                        "Scoring rule %s skipped: its domain reads what user %s may not (%s)",
                        rule.id,
                        env.uid,
                        exc,
                    )
            else:
                _logger.info(
                    "Scoring rule %s skipped in company %s: user %s does not work there",
                    rule.id,
                    company.id,
                    rule.domain_user_id.id,
                )
            result.append((rule, records.browse(matched)))
        return result
