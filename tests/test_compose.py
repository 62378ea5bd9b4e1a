"""`docker compose up -d` serves the demo shop: Docker can't run on the
machines that run our tests, so docker-compose.yml is checked against the
Compose Specification's schema, and against what the official odoo:18.0
image's entrypoint does with it (github.com/odoo/docker, 18.0/entrypoint.sh):

* it reads the database address and credentials from HOST, PORT, USER and
  PASSWORD, and passes them on the command line only where the config file
  ($ODOO_RC=/etc/odoo/odoo.conf) doesn't set db_host, db_port, db_user or
  db_password;
* a command starting with ``--`` or ``-`` runs ``odoo`` with its arguments;
* the image's volumes are /var/lib/odoo (data_dir) and /mnt/extra-addons.

Our odoo service runs that image plus scipy (docker/odoo.Dockerfile), which
keeps its entrypoint, command, volumes and user.
"""

import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SCHEMA = json.loads((Path(__file__).with_name("data") / "compose-spec.json").read_text())
ODOO = COMPOSE["services"]["odoo"]
DB = COMPOSE["services"]["db"]


def interpolate(value):
    """Compose's own escape: ``$$`` is a literal ``$``."""
    return value.replace("$$", "$")


def odoo_arguments():
    command = ODOO["command"]
    words = command.split() if isinstance(command, str) else list(command)
    return [interpolate(word) for word in words]


def test_compose_file_follows_the_specification():
    jsonschema.validate(COMPOSE, SCHEMA, cls=jsonschema.Draft7Validator)


def test_schema_catches_a_broken_file():
    """The schema check can fail: a misspelt key is refused."""
    broken = {"services": {"odoo": {"image": "odoo:18.0", "volume": ["./addons:/mnt"]}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA, cls=jsonschema.Draft7Validator)


def dockerfile(build):
    """The instructions of a service's Dockerfile: [(INSTRUCTION, arguments)],
    continued lines joined."""
    path = ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_odoo_service_is_the_official_image_with_scipy():
    """The shop runs odoo:18.0 itself, plus scipy for crm_ecommerce's
    predictions: the image is built from docker/odoo.Dockerfile, which
    starts from odoo:18.0 and changes neither its entrypoint, its command
    nor its user, so that what the tests below check of the official image
    holds for ours. The tag is our own: building must not replace the
    official image on the machine."""
    steps = dockerfile(ODOO["build"])
    assert [args for op, args in steps if op == "FROM"] == ["odoo:18.0"]
    assert not {op for op, _args in steps} & {"ENTRYPOINT", "CMD", "VOLUME", "WORKDIR"}
    assert steps[-1] == ("USER", "odoo")
    installs = " ".join(args for op, args in steps if op == "RUN")
    assert "python3-scipy" in installs
    assert ODOO["image"] != "odoo:18.0" and ODOO["image"].endswith(":18.0")
    # The tests image starts from the same official image, and gets scipy
    # from the test requirements.
    tests = COMPOSE["services"]["tests"]
    assert [args for op, args in dockerfile(tests["build"]) if op == "FROM"] == ["odoo:18.0"]
    requirements = (ROOT / "tests" / "requirements.txt").read_text().splitlines()
    assert any(re.match(r"scipy\b", line) for line in requirements)


def test_entrypoint_runs_odoo_with_our_arguments():
    args = odoo_arguments()
    # "--" is the entrypoint's own marker: it is shifted away and the rest
    # goes to odoo, followed by the database arguments it adds.
    assert args[0] == "--"
    options = dict(arg[2:].split("=", 1) for arg in args[1:])
    assert options["database"] == "shop"
    assert re.fullmatch(options["db-filter"], "shop")
    assert not re.fullmatch(options["db-filter"], "shop2")
    assert options["init"].split(",") == ["crm_ecommerce", "crm_fulfillment", "crm_loyalty"]
    # Odoo's own parser takes them (an unknown option or a bad value exits 2).
    probe = (
        "import sys, odoo; odoo.tools.config._parse_config(sys.argv[1:]); "
        "print(odoo.tools.config['db_name'], odoo.tools.config['dbfilter'], "
        "','.join(sorted(odoo.tools.config['init'])))"
    )
    parsed = subprocess.run(
        [sys.executable, "-c", probe, *args[1:], "--addons-path", str(ROOT / "addons")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.split() == [
        "shop",
        "^shop$",
        "crm_ecommerce,crm_fulfillment,crm_loyalty",
    ]


def test_database_settings_reach_odoo():
    env = ODOO["environment"]
    # The entrypoint's names, pointing at the db service and its account.
    assert env["HOST"] == "db"
    assert env["USER"] == DB["environment"]["POSTGRES_USER"]
    assert env["PASSWORD"] == DB["environment"]["POSTGRES_PASSWORD"]
    assert ODOO["depends_on"]["db"]["condition"] == "service_healthy"
    assert DB["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(DB["healthcheck"]["test"])
    # The mounted config must leave the database to the entrypoint: a
    # db_host in it would stop the entrypoint from passing HOST.
    conf = configparser.ConfigParser()
    conf.read(ROOT / "odoo.conf")
    for key in ("db_host", "db_port", "db_user", "db_password"):
        assert not conf.has_option("options", key), key


def test_mounts_match_the_image():
    volumes = ODOO["volumes"]
    conf = configparser.ConfigParser()
    conf.read(ROOT / "odoo.conf")
    # Our addons where the image and the config look for them.
    assert "./addons:/mnt/extra-addons" in volumes
    assert "/mnt/extra-addons" in conf.get("options", "addons_path").split(",")
    # The config where $ODOO_RC points, read-only.
    assert "./odoo.conf:/etc/odoo/odoo.conf:ro" in volumes
    # Filestore and sessions on the image's data volume, kept across restarts.
    assert conf.get("options", "data_dir") == "/var/lib/odoo"
    assert any(v.endswith(":/var/lib/odoo") and not v.startswith(".") for v in volumes)
    named = {v.split(":")[0] for v in volumes if not v.startswith(".")}
    assert named <= set(COMPOSE["volumes"])
    assert not conf.getboolean("options", "without_demo", fallback=False)
    assert "8069:8069" in ODOO["ports"]
