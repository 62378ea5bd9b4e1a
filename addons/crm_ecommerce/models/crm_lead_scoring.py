from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import scoring

PRIORITY_BY_BAND = {"hot": "3", "warm": "2", "cold": "1"}
GROUP = "crm_ecommerce.group_crm_ecommerce_user"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    lead_score = fields.Integer(
        readonly=True,
        copy=False,
        aggregator="avg",
        groups=GROUP,
        help="0..100, from the scoring rules.",
    )
    lead_score_band = fields.Selection(
        [("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold")],
        string="Score Band",
        readonly=True,
        copy=False,
        groups=GROUP,
    )
    score_factor_ids = fields.One2many(
        "crm.score.factor", "lead_id", string="Why This Score", readonly=True, groups=GROUP
    )
    pls_explanation = fields.Html(
        string="Why This Probability",
        compute="_compute_pls_explanation",
        groups=GROUP,
        help="How each field of the lead moves Odoo's predictive probability, from the won and lost "
        "counts Odoo keeps per field value.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads._crm_compute_lead_scores()
        return leads

    def action_crm_rescore(self):
        # The scores and stars are written by SQL: the caller must be
        # allowed to edit these leads.
        self.check_access("write")
        self._crm_compute_lead_scores()
        return True

    @api.model
    def _cron_crm_lead_scores(self, batch_size=2000):
        """Rescore the open leads. Open leads never scored (those of a
        database with history, after the install) come first: one batch
        per call, which the cron runner commits before calling again while
        some remain."""
        domain = [("active", "=", True), ("probability", "not in", (0, 100))]
        unscored = [*domain, ("lead_score_band", "=", False)]
        first = self.search(unscored, order="id", limit=batch_size)
        if first:
            first._crm_compute_lead_scores()
            self.env["ir.cron"]._notify_progress(
                done=len(first), remaining=self.search_count(unscored)
            )
            return
        leads = self.search(domain)
        for start in range(0, len(leads), batch_size):
            leads[start : start + batch_size]._crm_compute_lead_scores()
            self.env["ir.cron"]._notify_progress(
                done=start + batch_size, remaining=max(len(leads) - start - batch_size, 0)
            )

    def _crm_compute_lead_scores(self):
        """Score the leads with the rules and thresholds of each lead's
        company (the cron runs in one company, a list may mix them)."""
        by_company = defaultdict(self.browse)
        for lead in self:
            by_company[lead.company_id or self.env.company] |= lead
        for company, leads in by_company.items():
            leads.with_company(company)._crm_compute_company_lead_scores()

    def _crm_compute_company_lead_scores(self):
        """Score the batch in the current company: one search per rule over
        all the leads, then one statement to write the scores and two for
        the breakdown."""
        if not self:
            return
        matches = defaultdict(list)
        for rule, matched in self.env["crm.scoring.rule"]._matches("lead", self):
            for lead_id in matched.ids:
                matches[lead_id].append(
                    (rule.name, rule.points, rule.group_id.name, rule.group_id.cap)
                )
        company = self.env.company
        ids, scores, bands, priorities, factors = [], [], [], [], []
        for lead in self:
            score, lines = scoring.finish(scoring.apply_caps(matches.get(lead.id, [])))
            band = scoring.band(
                score, company.crm_score_hot_threshold, company.crm_score_warm_threshold
            )
            ids.append(lead.id)
            scores.append(score)
            bands.append(band)
            priorities.append(
                PRIORITY_BY_BAND[band] if company.crm_score_mirror_priority else lead.priority
            )
            factors.extend(
                (lead.id, seq, label, points) for seq, (label, points) in enumerate(lines)
            )
        # Only what the UPDATE below overwrites: flushing everything here
        # would recompute other pending fields of the leads (probability)
        # in the middle of the caller's operation.
        self.flush_recordset(["lead_score", "lead_score_band", "priority"])
        # Each lead's score, band and stars, the whole batch in one statement.
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead l SET lead_score = v.score, lead_score_band = v.band, priority = v.priority
                  FROM unnest(%s::int[], %s::int[], %s::varchar[], %s::varchar[]) AS v(id, score, band, priority)
                 WHERE l.id = v.id
                """,
                ids,
                scores,
                bands,
                priorities,
            )
        )
        self.env["crm.score.factor"]._replace("lead_id", ids, company, factors)
        self.invalidate_recordset(["lead_score", "lead_score_band", "priority", "score_factor_ids"])
        self.env["crm.score.factor"].invalidate_model()

    @api.model
    def _crm_pls_sentence(self, ratio):
        """A field value's effect on Odoo's probability in plain words,
        from how often its leads were won compared with all the leads."""
        if ratio >= 1.1:
            return self.env._(
                "Leads with this value were won %(ratio)s times more often than average.",
                ratio=f"{ratio:.1f}".removesuffix(".0"),
            )
        if ratio <= 1 / 1.1:
            return self.env._(
                "Leads with this value were won %(ratio)s times less often than average.",
                ratio=f"{1 / ratio:.1f}".removesuffix(".0"),
            )
        return self.env._("Leads with this value were won about as often as average.")

    @api.depends("probability")
    def _compute_pls_explanation(self):
        # sudo: Odoo's won/lost counts per field value of the lead's own team
        # (or of no team, as Odoo's probability uses them): aggregates, no
        # record of another team or company.
        Frequency = self.env["crm.lead.scoring.frequency"].sudo()
        for lead in self:
            values = lead._pls_get_lead_pls_values().get(lead.id, {}).get("values", [])
            team = lead.team_id.id or False
            variables = {field for field, _value in values}
            frequencies = Frequency.search(
                [("variable", "in", list(variables)), ("team_id", "=", team)]
            )
            totals = defaultdict(lambda: [0.0, 0.0])
            by_key = {}
            for freq in frequencies:
                totals[freq.variable][0] += freq.won_count
                totals[freq.variable][1] += freq.lost_count
                by_key[(freq.variable, freq.value)] = freq
            rows = []
            for field, value in values:
                freq = by_key.get((field, str(value)))
                if not freq or field == "probability":
                    continue
                won_total, lost_total = totals[field]
                contribution = scoring.log_odds(freq.won_count, freq.lost_count) - scoring.log_odds(
                    won_total, lost_total
                )
                shown = (
                    lead[field].display_name
                    if field in lead._fields and lead._fields[field].relational
                    else value
                )
                rows.append(
                    {
                        "label": lead._fields[field].string if field in lead._fields else field,
                        "value": str(shown),
                        "won": int(freq.won_count),
                        "lost": int(freq.lost_count),
                        "contribution": contribution,
                        "sentence": self._crm_pls_sentence(
                            scoring.win_ratio(
                                freq.won_count, freq.lost_count, won_total, lost_total
                            )
                        ),
                    }
                )
            rows.sort(
                key=lambda row: (abs(row["contribution"]), row["label"], row["value"]), reverse=True
            )
            lead.pls_explanation = self.env["ir.qweb"]._render(
                "crm_ecommerce.crm_lead_pls_explanation", {"rows": rows}
            )
