"""The simulated customer systems of the demo, started on free ports of 127.0.0.1 and stopped with it.

Each is known in examples/demo.toml by a nominal port (``NOMINAL``); ``SimulatedSystems.ports`` maps it
to the port the system really listens on."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from commands.domain.clock import Clock
from integrations.simulators.callrec import FakeCallRec, status_app
from integrations.simulators.cisco import FakeCucm, serve
from integrations.simulators.dynamics import FakeCrm, ntlm_user_file
from integrations.simulators.ios_ssh import FakeDevice, serve_device
from integrations.simulators.sip import StrictSipResponder

# The nominal ports of examples/demo.toml.
CUCM, UCCX, CALLREC, CRM, INTEGRATION, GW1_SIP, GW2_SIP, GW1_SSH, GW2_SSH = (
    8443, 8445, 8080, 5555, 8081, 5060, 5062, 2201, 2202)
# The simulated systems' accounts: the demo's process gets them as the variables the config names.
SECRETS = {"NOI_AXL_PASSWORD": "demo-axl-pass", "NOI_UCCX_PASSWORD": "demo-uccx-pass",
           "NOI_CRM_PASSWORD": "demo-crm-pass", "NOI_GW_BACKUP_PASSWORD": "demo-gw-pass"}


@dataclass
class SimulatedSystems:
    clock: Clock
    directory: Path
    cucm: FakeCucm = field(default_factory=lambda: FakeCucm(username="dutydesk-axl", password=SECRETS["NOI_AXL_PASSWORD"]))
    uccx: FakeCucm = field(default_factory=lambda: FakeCucm(username="dutydesk-uccx",
                                                           password=SECRETS["NOI_UCCX_PASSWORD"]))
    crm: FakeCrm = field(default_factory=lambda: FakeCrm(windows=("Negotiate", "NTLM")))
    gw1_sip: StrictSipResponder = field(default_factory=StrictSipResponder)
    gw2_sip: StrictSipResponder = field(default_factory=StrictSipResponder)
    gw1: FakeDevice = field(default_factory=lambda: FakeDevice(hostname="noi-vgw1", username="dutydesk-backup",
                                                               password=SECRETS["NOI_GW_BACKUP_PASSWORD"]))
    gw2: FakeDevice = field(default_factory=lambda: FakeDevice(hostname="noi-vgw2", username="dutydesk-backup",
                                                               password=SECRETS["NOI_GW_BACKUP_PASSWORD"]))
    ports: dict[int, int] = field(default_factory=dict)
    callrec: FakeCallRec | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SimulatedSystems]:
        """Start every system; the process environment gets the accounts (and NTLM_USER_FILE, the simulated
        CRM's Windows accounts for pyspnego's acceptor); all is stopped on exit."""
        self.callrec = FakeCallRec(self.clock)
        os.environ.update(SECRETS)
        os.environ["NTLM_USER_FILE"] = str(ntlm_user_file(self.directory, {
            "NOI\\dutydesk-crm": SECRETS["NOI_CRM_PASSWORD"]}))
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            for nominal, app in ((CUCM, self.cucm.app()), (UCCX, self.uccx.app()), (CALLREC, self.callrec.app()),
                                 (CRM, self.crm.app()), (INTEGRATION, status_app())):
                url = await stack.enter_async_context(serve(app))
                self.ports[nominal] = int(url.rsplit(":", 1)[1])
            for nominal, responder in ((GW1_SIP, self.gw1_sip), (GW2_SIP, self.gw2_sip)):
                transport, _ = await loop.create_datagram_endpoint(lambda r=responder: r,  # type: ignore[misc]
                                                                   local_addr=("127.0.0.1", 0))
                stack.callback(transport.close)
                self.ports[nominal] = transport.get_extra_info("sockname")[1]
            known_hosts = []
            for nominal, device in ((GW1_SSH, self.gw1), (GW2_SSH, self.gw2)):
                running = await stack.enter_async_context(serve_device(device))
                self.ports[nominal] = running.port
                known_hosts.append(running.known_hosts_line())
            (self.directory / "known_hosts").write_text("".join(known_hosts), encoding="utf-8")
            yield self
