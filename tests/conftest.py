"""Shared by the tests that run real Odoo commands on fresh databases."""

import os

import pytest


@pytest.fixture(scope="module")
def conf():
    path = os.environ.get("CRM_ECOMMERCE_ODOO_CONF")
    if not path:
        pytest.fail("CRM_ECOMMERCE_ODOO_CONF is not set: run this test through ./run-tests")
    return path
