from odoo import fields, models

from ..tools import scoring


class CrmRfmSegment(models.Model):
    """The RFM segments as records, so that a campaign's audience can name
    several of them as tags. One per code of scoring.SEGMENTS, shipped as
    data; the code is what partners store."""

    _name = "crm.rfm.segment"
    _description = "Customer Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(scoring.SEGMENTS, required=True, readonly=True)
    sequence = fields.Integer()

    _sql_constraints = [("code_unique", "unique(code)", "Each segment exists once.")]
