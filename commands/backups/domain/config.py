"""Configuration of backups: ``[customers.<id>.backups.<target>]``, one table per backup target.

Every target names its ``driver`` — ``command`` (a program with an argument list, never a shell line),
``http`` (start a backup over HTTP and poll its status) or ``ssh`` (log into a device: read its text
configuration the Oxidized way, or start a Cisco Disaster Recovery System backup) — with that driver's
settings, plus what every target shares: the cron schedule, retention, the age after which a missing
backup is an alert, retries and the patterns of secret lines masked in diffs. Secrets are never in the
file: ``password_env``, ``token_env`` and ``env_from`` name environment variables.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

TARGET_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# What may reach a device's CLI from the config (DRS feature list and device name).
_CLI_WORD = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Placeholders a command's arguments may use; their values come from the desk, never from chat.
PLACEHOLDERS = ("output_dir", "target", "customer", "timestamp")

DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (
    r"password", r"secret", r"community", r"\bkey\b", r"key-string", r"pre-shared", r"passphrase",
    r"\btoken\b", r"credential",
)
# Lines that change without a configuration change (Oxidized's IOS model strips the first lines of
# "show running-config" and "ntp clock-period"; "show version" keeps changing its uptime).
DEFAULT_VOLATILE_PATTERNS: tuple[str, ...] = (
    r"^Building configuration",
    r"^Current configuration\s*:",
    r"^ntp clock-period\b",
    r"^! Last configuration change at\b",
    r"^! NVRAM config last updated at\b",
    r"^! No configuration change since last restart",
    r"\buptime is\b",
    r"^System returned to ROM\b",
    r"^System restarted at\b",
    r"^Last reload reason\b",
)


class _Strict(BaseModel):
    # The same rules as commands.domain.config's models (which imports this module at its end, so this
    # module imports nothing from it at load time and may be imported first).
    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """``30s``, ``30m``, ``4h``, ``7d``, ``2w`` → timedelta (as commands.domain.config.parse_duration)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30m, 4h or 7d")
    return timedelta(seconds=int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)])


def _duration(v: str) -> str:
    parse_duration(v)
    return v


def _env_name(v: str | None) -> str | None:
    if v is not None and not _ENV_NAME.match(v):
        raise ValueError(f"{v!r} is not an environment variable name")
    return v


class _TargetBase(_Strict):
    component: str | None = None  # the customer's component this backs up (for display and alerts)
    description: str = ""
    schedule: str | None = None  # crontab line (crontab(5), commands/domain/cron.py), customer's time zone
    timeout: str = "30m"
    retries: int = Field(default=0, ge=0, le=10)  # extra attempts of a failed scheduled run
    retry_delay: str = "5m"
    keep_last: int | None = Field(default=30, ge=1)  # retention: the newest N artifacts...
    keep_days: int | None = Field(default=None, ge=1)  # ...and/or those younger than N days
    max_age: str | None = "26h"  # alert when the last successful backup is older than this
    secret_patterns: tuple[str, ...] = DEFAULT_SECRET_PATTERNS  # lines masked in diffs (regex, any case)
    directory: str | None = None  # artifacts (default: <desk.data_dir>/backups/<customer>/<target>)
    enabled: bool = True

    @field_validator("timeout", "retry_delay")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)

    @field_validator("max_age")
    @classmethod
    def _max_age(cls, v: str | None) -> str | None:
        return None if v is None else _duration(v)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from commands.domain.cron import CronError, parse_crontab

        try:
            parse_crontab(v)
        except CronError as exc:
            raise ValueError(f"{v!r} is not a crontab line like '30 2 * * 1-5': {exc}") from None
        return v

    @field_validator("secret_patterns")
    @classmethod
    def _patterns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return v

    @model_validator(mode="after")
    def _retention(self) -> Any:
        if self.keep_last is None and self.keep_days is None:
            raise ValueError("give keep_last and/or keep_days: backups are kept under a retention policy")
        return self

    @property
    def timeout_seconds(self) -> float:
        return parse_duration(self.timeout).total_seconds()

    @property
    def retry_delay_seconds(self) -> float:
        return parse_duration(self.retry_delay).total_seconds()

    @property
    def max_age_td(self) -> timedelta | None:
        return parse_duration(self.max_age) if self.max_age else None

    @property
    def versioned(self) -> bool:
        """Whether the artifact is a text configuration kept in the git repository."""
        return False


class CommandTarget(_TargetBase):
    """Run a program (never through a shell) and keep the file(s) it writes into ``{output_dir}``, or
    its standard output when it writes none and ``stdout`` is set."""

    driver: Literal["command"]
    argv: tuple[str, ...]
    env: dict[str, str] = Field(default_factory=dict)  # plain values (no secrets)
    env_from: dict[str, str] = Field(default_factory=dict)  # child's variable → the desk's variable
    inherit_env: tuple[str, ...] = ("PATH", "LANG", "HOME")  # only these of the desk's environment
    cwd: str | None = None
    collect: str = "*"  # glob in {output_dir} of the files to keep
    stdout: bool = False  # keep standard output as the artifact when no file was written
    text: bool = False  # the artifact is a text configuration: version it in git and diff it
    volatile_patterns: tuple[str, ...] = ()

    @field_validator("argv")
    @classmethod
    def _argv(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v or not v[0]:
            raise ValueError("argv needs at least the program, e.g. ['/usr/local/bin/drs-backup', '{output_dir}']")
        for arg in v:
            for name in re.findall(r"\{([^{}]*)\}", arg):
                if name not in PLACEHOLDERS:
                    raise ValueError(f"{arg!r}: unknown placeholder {{{name}}}; use {', '.join(PLACEHOLDERS)}")
        return v

    @field_validator("env_from")
    @classmethod
    def _env_from(cls, v: dict[str, str]) -> dict[str, str]:
        for child, desk in v.items():
            _env_name(child)
            _env_name(desk)
        return v

    @field_validator("env")
    @classmethod
    def _env(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            _env_name(name)
        return v

    @property
    def versioned(self) -> bool:
        return self.text


class HttpTarget(_TargetBase):
    """POST (or GET) ``start_url`` to start a backup, then poll ``status_url`` until the state at
    ``state_field`` is one of ``done_values`` or ``failed_values``; ``{job_id}`` in the URLs is the value
    at ``job_id_field`` of the start answer. The artifact is ``download_url`` if given, else the final
    status document (the record of a backup kept on the customer's side)."""

    driver: Literal["http"]
    start_url: str
    start_method: Literal["POST", "GET", "PUT"] = "POST"
    start_json: dict[str, Any] | None = None
    job_id_field: str | None = "id"
    status_url: str
    state_field: str = "status"
    done_values: tuple[str, ...] = ("done", "succeeded", "success", "completed")
    failed_values: tuple[str, ...] = ("failed", "error", "cancelled")
    message_field: str | None = "message"
    poll_interval: str = "10s"
    download_url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    username: str | None = None
    password_env: str | None = None
    token_env: str | None = None
    verify: bool = True
    ca_file: str | None = None

    @field_validator("start_url", "status_url", "download_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r}: an http target needs http:// or https:// URLs")
        return v

    @field_validator("poll_interval")
    @classmethod
    def _poll(cls, v: str) -> str:
        return _duration(v)

    @field_validator("password_env", "token_env")
    @classmethod
    def _envs(cls, v: str | None) -> str | None:
        return _env_name(v)

    @property
    def poll_seconds(self) -> float:
        return parse_duration(self.poll_interval).total_seconds()


class SshCommand(_Strict):
    command: str
    comment: bool = False  # kept as "! " comment lines above the configuration (show version, inventory)


IOS_COMMANDS: tuple[SshCommand, ...] = (
    SshCommand(command="show version", comment=True),
    SshCommand(command="show inventory", comment=True),
    SshCommand(command="show running-config"),
)


class SshTarget(_TargetBase):
    """Log into a device over SSH. ``mode = "config"`` disables paging and keeps the text of the
    ``commands`` (the Oxidized way: show running-config, with show version/inventory as comments);
    ``mode = "drs"`` starts a Disaster Recovery System backup on a Cisco UC appliance (CUCM, UCCX) and
    polls its status until it finishes or fails."""

    driver: Literal["ssh"]
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    password_env: str | None = None
    key_file: str | None = None
    known_hosts: str | None = None  # a known_hosts file; without it the host key is not verified
    platform: Literal["ios", "cisco_uc"] = "ios"
    mode: Literal["config", "drs"] = "config"
    commands: tuple[SshCommand, ...] = IOS_COMMANDS
    volatile_patterns: tuple[str, ...] = DEFAULT_VOLATILE_PATTERNS
    command_timeout: str = "60s"
    drs_features: tuple[str, ...] = ()  # e.g. ["UCM", "CDR_CAR"] or ["UCCX"]
    drs_device: str | None = None  # the backup device configured in the DRS (an SFTP server at the customer)
    poll_interval: str = "30s"

    @field_validator("password_env")
    @classmethod
    def _password(cls, v: str | None) -> str | None:
        return _env_name(v)

    @field_validator("command_timeout", "poll_interval")
    @classmethod
    def _durs(cls, v: str) -> str:
        return _duration(v)

    @field_validator("drs_features")
    @classmethod
    def _features(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for f in v:
            if not _CLI_WORD.match(f):
                raise ValueError(f"{f!r}: a DRS feature is letters, digits, '_', '.' or '-'")
        return v

    @field_validator("drs_device")
    @classmethod
    def _device(cls, v: str | None) -> str | None:
        if v is not None and not _CLI_WORD.match(v):
            raise ValueError(f"{v!r}: a DRS device name is letters, digits, '_', '.' or '-'")
        return v

    @field_validator("commands")
    @classmethod
    def _commands(cls, v: tuple[SshCommand, ...]) -> tuple[SshCommand, ...]:
        for c in v:
            if not c.command.strip() or any(ch in c.command for ch in "\r\n"):
                raise ValueError(f"{c.command!r}: a command is one non-empty line")
        return v

    @model_validator(mode="after")
    def _mode(self) -> SshTarget:
        if self.password_env is None and self.key_file is None:
            raise ValueError("an ssh target needs password_env or key_file")
        if self.mode == "drs" and (not self.drs_features or not self.drs_device):
            raise ValueError("a DRS backup needs drs_features (e.g. ['UCM']) and drs_device")
        return self

    @property
    def command_timeout_seconds(self) -> float:
        return parse_duration(self.command_timeout).total_seconds()

    @property
    def poll_seconds(self) -> float:
        return parse_duration(self.poll_interval).total_seconds()

    @property
    def versioned(self) -> bool:
        return self.mode == "config"


BackupTargetConfig = Annotated[CommandTarget | HttpTarget | SshTarget, Field(discriminator="driver")]
AnyTarget = CommandTarget | HttpTarget | SshTarget


def _validate_targets(targets: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    components: dict[str, Any] = info.data.get("components") or {}
    for key, target in targets.items():
        if not TARGET_ID.match(key):
            raise ValueError(f"{key!r}: backup target ids are lower-case letters, digits, '-' or '_'")
        if key == "all" or key == "diff":
            raise ValueError(f"{key!r} is a word of /backup and cannot name a target")
        if target.component is not None and target.component not in components:
            raise ValueError(f"{key}.component: {target.component!r} is not a component ({', '.join(components)})")
    return targets


BackupTable = Annotated[dict[str, BackupTargetConfig], AfterValidator(_validate_targets)]
