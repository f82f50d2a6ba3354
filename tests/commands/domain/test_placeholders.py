"""Documentation addresses and names (RFC 5737, RFC 3849, RFC 2606) are seen as placeholders, with the key
that holds them; real-looking addresses are not."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from commands.domain.config import Config
from commands.domain.placeholders import placeholder_reason, placeholders
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("host", ["192.0.2.3", "198.51.100.5", "203.0.113.254", "2001:db8::1", "[2001:db8::5]",
                                  "crm.noi.example", "CRM.NOI.EXAMPLE.", "gw.invalid", "pbx.test", "example.com",
                                  "crm.example.org", "example"])
def test_documentation_hosts_are_placeholders(host: str) -> None:
    assert placeholder_reason(host) is not None


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.0.3.1", "198.51.101.1", "::1", "2001:db9::1",
                                  "crm.noi.bg", "example.com.bg", "notexample.com", "testing.local", "localhost"])
def test_real_looking_hosts_are_not(host: str) -> None:
    assert placeholder_reason(host) is None


def _noi(**changes: Any) -> Config:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    for path, value in changes.items():
        table = raw
        *parents, last = path.split("__")
        for p in parents:
            table = table[p]
        table[last] = value
    return Config.model_validate(raw)


def test_every_host_of_the_examples_is_a_placeholder_named_by_its_key() -> None:
    config = _noi()
    found = {p.key: p for p in placeholders(config)}
    for check_id, check in config.customers["noi"].checks.items():
        if "host" in type(check).model_fields or ("url" in type(check).model_fields and getattr(check, "url", None)):
            assert any(k.startswith(f"customers.noi.checks.{check_id}.") for k in found), check_id
    assert found["customers.noi.checks.cucm_axl.url"].host == "192.0.2.3"
    assert found["customers.noi.checks.cucm_services.nodes[1]"].host == "192.0.2.4"
    assert found["customers.noi.checks.crm_whoami.url"].host == "crm.noi.example"
    assert found["customers.noi.backups.gw1.host"].switch == "--no-backups"
    assert "--no-health" in found["customers.noi.checks.gw1_sip.host"].sentence()
    hgp = tomllib.loads((EXAMPLES / "hgp.toml").read_text(encoding="utf-8"))
    hgp_found = {p.key for p in placeholders(Config.model_validate(hgp))}
    assert {"customers.hgp.checks.sql.host", "customers.hgp.checks.crm_whoami.url"} <= hgp_found
    assert any(k.startswith("customers.hgp.backups.crm-db.argv[") for k in hgp_found)  # sqlcmd -S sql.hgp.example


def test_switched_off_parts_and_disabled_entries_are_not_asked_about() -> None:
    config = _noi()
    assert {p.switch for p in placeholders(config, health=False)} == {"--no-backups"}
    assert {p.switch for p in placeholders(config, backups=False)} == {"--no-health"}
    assert placeholders(config, health=False, backups=False) == []
    off = _noi(customers__noi__checks__gw1_sip__enabled=False)
    assert not any(".gw1_sip." in p.key for p in placeholders(off))


def test_real_addresses_pass() -> None:
    raw = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    raw["customers"]["noi"]["checks"] = {"gw1_sip": {"component": "gw1", "type": "sip", "host": "10.1.2.11"}}
    raw["customers"]["noi"].pop("preventive", None)  # its tasks name the example's backup targets
    raw["customers"]["noi"]["backups"] = {}
    assert placeholders(Config.model_validate(raw)) == []
