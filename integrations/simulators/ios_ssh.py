"""A fake Cisco device over real SSH (asyncssh's server API) on 127.0.0.1, for the SSH backup driver.

``platform="ios"`` behaves like a Cisco 2901 voice gateway's IOS CLI: the ``gw1#`` prompt, output paged
with `` --More-- `` until ``terminal length 0``, ``show version`` / ``show inventory`` /
``show running-config`` (with a "Current configuration" size and an ``ntp clock-period`` that change
every time, as on a real router). ``platform="cisco_uc"`` behaves like the CUCM/UCCX OS admin CLI
(``admin:``) with ``set cli pagination off`` and the Disaster Recovery System commands.

``hang_on`` names a command after which the device never answers; a wrong password is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import asyncssh

PAGE = 24

SHOW_VERSION = """Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.7(3)M8, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
Compiled Thu 30-Jan-20 01:56 by prod_rel_team

ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)

{hostname} uptime is {uptime} minutes
System returned to ROM by power-on
System image file is "flash0:c2900-universalk9-mz.SPA.157-3.M8.bin"
Cisco CISCO2901/K9 (revision 1.0) with 479232K/45056K bytes of memory.
Processor board ID FCZ1234A0BC
255K bytes of non-volatile configuration memory.
"""

SHOW_INVENTORY = """NAME: "CISCO2901/K9 chassis", DESCR: "CISCO2901/K9 chassis"
PID: CISCO2901/K9      , VID: V07  , SN: FCZ1234A0BC

NAME: "VWIC2-1MFT-T1/E1 - 1-Port RJ-48 Multiflex Trunk - T1/E1 on Slot 0 SubSlot 0", DESCR: "VWIC2-1MFT-T1/E1"
PID: VWIC2-1MFT-T1/E1  , VID: V01  , SN: FOC98765XYZ
"""

RUNNING_CONFIG = """!
! Last configuration change at 10:11:12 EET Mon Nov 23 2026 by admin
!
version 15.7
service timestamps debug datetime msec
service password-encryption
!
hostname {hostname}
!
boot-start-marker
boot-end-marker
!
enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
!
no aaa new-model
clock timezone EET 2 0
!
isdn switch-type primary-net5
!
voice service voip
 allow-connections h323 to sip
 allow-connections sip to h323
 sip
  bind control source-interface GigabitEthernet0/0
!
username backup privilege 15 secret 9 $9$4Kx2B7m2rXz3Qe$abcdefghij
!
controller E1 0/0/0
 pri-group timeslots 1-31
!
interface GigabitEthernet0/0
 ip address 10.10.1.1 255.255.255.0
 duplex auto
 speed auto
!
interface Serial0/0/0:15
 no ip address
 encapsulation hdlc
 isdn switch-type primary-net5
 isdn incoming-voice voice
!
snmp-server community n0iPublic RO
ntp clock-period {clock_period}
ntp server 10.10.1.254
!
voice-port 0/0/0:15
 description PSTN E1
!
dial-peer voice 100 pots
 incoming called-number .
 direct-inward-dial
 port 0/0/0:15
!
dial-peer voice 200 voip
 destination-pattern 2...
 session protocol sipv2
 session target ipv4:10.10.1.10
!
line vty 0 4
 password 7 0822455D0A16
 login local
 transport input ssh
!
end
"""


@dataclass
class FakeDevice:
    platform: str = "ios"  # "ios" | "cisco_uc"
    hostname: str = "gw1"
    username: str = "backup"
    password: str = "s3cret"
    running_config: str = RUNNING_CONFIG
    hang_on: str | None = None  # a command after which the device never answers ("" = right after login)
    drs_polls: int = 2  # status answers "in progress" this many times, then the outcome
    drs_outcome: str = "SUCCESS"  # or "ERROR"
    commands: list[str] = field(default_factory=list)  # every line received, in order
    logins: int = 0
    _calls: int = 0
    _drs_left: int = -1
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def prompt(self) -> str:
        return f"{self.hostname}#" if self.platform == "ios" else "admin:"

    # -- asyncssh server side -------------------------------------------------------------------
    def server_factory(self) -> asyncssh.SSHServer:
        device = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                ok = username == device.username and password == device.password
                device.logins += int(ok)
                return ok

        return Server()

    async def handle(self, process: asyncssh.SSHServerProcess[str]) -> None:
        paging = True
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if self.hang_on == "":
                await asyncio.Event().wait()
            process.stdout.write(f"\r\n{self.prompt}")
            while True:
                line = await process.stdin.readline()
                if not line:
                    break
                cmd = line.strip()
                self.commands.append(cmd)
                if self.hang_on is not None and cmd == self.hang_on:
                    await asyncio.Event().wait()
                if cmd in ("exit", "quit"):
                    break
                if cmd in ("terminal length 0", "set cli pagination off"):
                    paging = False
                    out = ""
                elif cmd == "terminal width 0" or not cmd:
                    out = ""
                else:
                    out = self.answer(cmd)
                lines = out.splitlines()
                if paging and len(lines) > PAGE:
                    # A paging CLI stops here until a key is pressed; the driver must have disabled it.
                    process.stdout.write("\r\n".join(lines[:PAGE]) + "\r\n --More-- ")
                    await asyncio.Event().wait()
                process.stdout.write("".join(x + "\r\n" for x in lines) + self.prompt)
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, asyncssh.ConnectionLost, BrokenPipeError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            with suppress(Exception):
                process.exit(0)

    def answer(self, cmd: str) -> str:
        self._calls += 1
        if self.platform == "ios":
            if cmd == "show version":
                return SHOW_VERSION.format(hostname=self.hostname, uptime=1000 + self._calls)
            if cmd == "show inventory":
                return SHOW_INVENTORY
            if cmd in ("show running-config", "show run"):
                body = self.running_config.format(hostname=self.hostname, clock_period=17179800 + self._calls)
                return f"Building configuration...\n\nCurrent configuration : {len(body) + self._calls} bytes\n{body}"
            return f"{' ' * len(self.prompt)}^\n% Invalid input detected at '^' marker.\n"
        if cmd.startswith("utils disaster_recovery backup network "):
            parts = cmd.split()
            if len(parts) != 6:
                return "Executed command unsuccessfully\nInvalid arguments\n"
            self._drs_left = self.drs_polls
            return ("drfCliMsg: Backup initiated successfully. Please run 'utils disaster_recovery status backup' "
                    "command to see the status of the current backup.\n")
        if cmd == "utils disaster_recovery status backup":
            if self._drs_left < 0:
                return "Status: No backup or restore is running\n"
            if self._drs_left > 0:
                self._drs_left -= 1
                done = 100 - 30 * (self._drs_left + 1)
                return ("Status: Backup in progress...\nTar Filename: 2026-11-23-02-00-00.tar\n"
                        f"Storage Location: NETWORK\nOperation: backup\nPercentage Complete: {max(done, 5)}\n")
            if self.drs_outcome == "SUCCESS":
                return ("Status: SUCCESS :Backup Completed...\nTar Filename: 2026-11-23-02-00-00.tar\n"
                        "Storage Location: NETWORK\nOperation: backup\nPercentage Complete: 100\n"
                        "UCM cucm-pub CDR_CAR SUCCESS Mon Nov 23 02:05:13 EET 2026 activelog/platform/drf/log/b.log\n")
            return ("Status: ERROR :Backup Completed with errors\nTar Filename: 2026-11-23-02-00-00.tar\n"
                    "Storage Location: NETWORK\nOperation: backup\nPercentage Complete: 100\n")
        return "Executed command unsuccessfully\nNo valid command entered\n"


@dataclass
class RunningDevice:
    device: FakeDevice
    host: str
    port: int
    host_key: asyncssh.SSHKey

    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.host_key.export_public_key().decode().strip()}\n"


@asynccontextmanager
async def serve_device(device: FakeDevice) -> AsyncIterator[RunningDevice]:
    """Run the fake device on 127.0.0.1 (a free port); stopped on exit."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(device.server_factory, "127.0.0.1", 0, server_host_keys=[key],
                                          process_factory=device.handle)
    port = server.sockets[0].getsockname()[1]
    try:
        yield RunningDevice(device, "127.0.0.1", port, key)
    finally:
        server.close()
        await server.wait_closed()
        for task in list(device._tasks):
            task.cancel()
        await asyncio.gather(*device._tasks, return_exceptions=True)
        device._tasks.clear()
