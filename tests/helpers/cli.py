"""Odoo's command line, for the tests that install, upgrade and uninstall
on fresh databases."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run_odoo(conf, command, *args):
    """``odoo COMMAND -c CONF ARGS``; fails on a non-zero exit or any ERROR
    or CRITICAL log line, and returns the output."""
    proc = subprocess.run(
        [sys.executable, "-m", "odoo", command, "-c", conf, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if " ERROR " in line or " CRITICAL " in line]
    assert proc.returncode == 0 and not errors, f"odoo {command} {args} failed:\n{output[-6000:]}"
    return output


def drop_db(conf, name):
    subprocess.run(
        [sys.executable, "-m", "odoo", "db", "-c", conf, "drop", name],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )


def run_json(tag, *args, stdin=None):
    """Run ``python3 ARGS`` (a helper script that prints one line
    ``TAG {json}``) and return the decoded JSON; fails with the script's
    output when it fails or prints no such line."""
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    prefix = f"{tag} "
    lines = [line for line in proc.stdout.splitlines() if line.startswith(prefix)]
    assert proc.returncode == 0 and lines, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(lines[-1][len(prefix) :])
