"""Typed settings: one pydantic model per TOML section of config.toml.

Secrets never need to be in the file: the token comes from DEPUTY_BOT_TOKEN (or a token file), the
webhook secret from DEPUTY_BOT_WEBHOOK_SECRET. Environment values override the file.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

TOKEN_ENV = "DEPUTY_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "DEPUTY_BOT_WEBHOOK_SECRET"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str = ""
    secret_token: SecretStr | None = None


class TelegramSettings(_Section):
    token: SecretStr | None = None
    token_file: Path | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout_seconds: int = Field(default=30, ge=0, le=50)
    webhook: WebhookSettings = WebhookSettings()


class StorageSettings(_Section):
    data_dir: Path = Path("data")
    busy_timeout_ms: int = Field(default=5000, ge=0)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "deputy-bot.sqlite3"

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def files_dir(self) -> Path:
        """Files the bot makes (exports, charts, contact sheets) before sending them."""
        return self.data_dir / "files"


class CampaignSettings(_Section):
    code: str = ""
    timezone: str = "Asia/Shanghai"
    # Further campaigns served side by side with `code` (the districts' beside the city's).
    also: tuple[str, ...] = ()
    # The city campaign: its staff see every served campaign's figures (the city overview).
    city: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class I18nSettings(_Section):
    default_language: Literal["zh", "en"] = "zh"


class InvitationSettings(_Section):
    ttl_days: float = Field(default=7, gt=0, le=365)


class CheckinSettings(_Section):
    search_radius_m: float = Field(default=3000, gt=0)
    max_sites_listed: int = Field(default=6, ge=1, le=20)
    max_accuracy_m: float = Field(default=500, gt=0)
    recent_hours: float = Field(default=4, gt=0)


class ReportSettings(_Section):
    # Letters, digits and CJK ideographs only; bot/items.py validate_description says why 4.
    description_min_chars: int = Field(default=4, ge=1)
    description_max_chars: int = Field(default=2000, ge=10, le=3500)
    max_photos: int = Field(default=10, ge=0, le=50)


class PhotoSettings(_Section):
    max_file_mb: float = Field(default=20, gt=0, le=20)
    max_megapixels: float = Field(default=40, gt=0)
    display_max_px: int = Field(default=1280, ge=320)
    thumb_px: int = Field(default=320, ge=64)
    max_age_hours: float = Field(default=72, gt=0)
    max_distance_m: float = Field(default=1000, gt=0)
    # Near-duplicates (bot/likeness.py): the likeness (1 = the same picture) from which a photo
    # is flagged; tests/test_near_duplicates.py measures it. duplicate_distance is for photos
    # stored before signatures were kept: at most this many of their 64 hash bits differ.
    duplicate_likeness: float = Field(default=0.77, gt=0, le=1)
    duplicate_distance: int = Field(default=6, ge=0, le=32)


def _clock_time(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"expected a local time like 20:00, got {value!r}") from exc
    return value


class DeadlineSettings(_Section):
    answer_months: int = Field(default=3, ge=1, le=24)
    rehandle_months: int = Field(default=1, ge=1, le=12)
    return_working_days: int = Field(default=7, ge=1, le=60)
    due_soon_days: int = Field(default=14, ge=0, le=90)
    rating_window_days: int = Field(default=14, ge=1, le=90)
    lookback_after_days: int = Field(default=90, ge=1, le=730)
    # The unit signs for (签收) a forwarded item within this many working days.
    sign_for_working_days: int = Field(default=2, ge=1, le=30)
    # Past the due date unanswered: chased that day, escalated (通报) this many working days later.
    escalate_after_working_days: int = Field(default=3, ge=1, le=60)
    # An extension may move the due date at most this many days past the current one.
    extension_max_days: int = Field(default=90, ge=1, le=366)
    # Local days added to, or taken out of, the public-holiday calendar (YYYY-MM-DD).
    extra_holidays: list[str] = Field(default=[])
    extra_workdays: list[str] = Field(default=[])

    @field_validator("extra_holidays", "extra_workdays")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for day in value:
            try:
                date.fromisoformat(day)
            except ValueError as exc:
                raise ValueError(f"{day!r} is not a date like 2025-10-08") from exc
        return value


class AnswerSettings(_Section):
    # A class-B answer (列入计划) promises a date at most this many months ahead.
    promise_max_months: int = Field(default=36, ge=1, le=120)
    # On the promised date the item comes back to the unit, due this many days later.
    followup_days: int = Field(default=15, ge=1, le=180)


class ScheduleSettings(_Section):
    enabled: bool = True
    summary_time: str = "20:00"
    reminder_time: str = "09:00"
    stale_site_days: int = Field(default=14, ge=1, le=365)

    _times = field_validator("summary_time", "reminder_time")(_clock_time)

    @property
    def summary_at(self) -> time:
        return time.fromisoformat(self.summary_time)

    @property
    def reminder_at(self) -> time:
        return time.fromisoformat(self.reminder_time)


class ProgressSettings(_Section):
    # Day of the month from which liaisons are asked for the month's figures; 0: never.
    reminder_day: int = Field(default=1, ge=0, le=28)


class BulletinSettings(_Section):
    # Day of the month (1-28) from which the past month's bulletin goes to staff and leaders; 0: off.
    day: int = Field(default=1, ge=0, le=28)


class OutboxSettings(_Section):
    # Below Telegram's 30/s: arrival jitter would otherwise put 31 in some second (bench/fanout.py).
    # Up to 1000/s: Telegram's paid broadcasts, or a local Bot API server without limits.
    messages_per_second: float = Field(default=28, gt=0, le=1000)
    per_chat_seconds: float = Field(default=1.0, ge=0)
    per_chat_burst: int = Field(default=3, ge=1)
    group_messages_per_minute: int = Field(default=20, ge=1)
    reply_attempts: int = Field(default=5, ge=1)
    max_attempts: int = Field(default=12, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=900, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)


class LetterSettings(_Section):
    issuer: str = "杭州市人大常委会办公厅"
    recipient: str = "杭州市人民政府办公厅"
    number_prefix: str = "杭人办函"
    signature: str = "杭州市人大常委会办公厅"
    contact: str = ""


class EvaluationSettings(_Section):
    # Voters who have not finished are reminded this many days before the deadline (each once).
    remind_days_before: list[int] = Field(default=[3, 1])
    # The furthest deadline staff may give a round, in days from the day it opens.
    max_days: int = Field(default=60, ge=1, le=366)

    @field_validator("remind_days_before")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(not 0 <= day <= 366 for day in value):
            raise ValueError("days before the deadline must be between 0 and 366")
        return sorted(set(value), reverse=True)


class WebSettings(_Section):
    enabled: bool = True
    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # Where people reach the console (behind the reverse proxy); login links start with it.
    public_url: str = "http://127.0.0.1:8080"
    login_link_minutes: float = Field(default=10, gt=0, le=60)
    session_idle_minutes: float = Field(default=60, gt=0, le=24 * 60)
    # How old a Mini App's signed initData may be when it logs in.
    webapp_max_age_minutes: float = Field(default=60, gt=0, le=24 * 60)
    login_attempts_per_minute: int = Field(default=10, ge=1, le=1000)
    page_size: int = Field(default=50, ge=10, le=100)
    tiles: Literal["none", "amap", "tianditu", "osm"] = "none"
    tianditu_key: str = ""

    @property
    def secure(self) -> bool:
        """Cookies are marked Secure when the console is served over HTTPS."""
        return self.public_url.startswith("https://")


class RuntimeSettings(_Section):
    max_concurrent_updates: int = Field(default=256, ge=1)
    log_level: str = "INFO"

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: Any) -> Any:
        # Conversations are now saved with each step; an older config's interval is ignored.
        if isinstance(data, dict) and "persistence_interval_seconds" in data:
            data = {k: v for k, v in data.items() if k != "persistence_interval_seconds"}
        return data


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    storage: StorageSettings = StorageSettings()
    campaign: CampaignSettings = CampaignSettings()
    i18n: I18nSettings = I18nSettings()
    invitations: InvitationSettings = InvitationSettings()
    checkin: CheckinSettings = CheckinSettings()
    reports: ReportSettings = ReportSettings()
    photos: PhotoSettings = PhotoSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    answers: AnswerSettings = AnswerSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    progress: ProgressSettings = ProgressSettings()
    bulletin: BulletinSettings = BulletinSettings()
    outbox: OutboxSettings = OutboxSettings()
    letter: LetterSettings = LetterSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
    web: WebSettings = WebSettings()
    runtime: RuntimeSettings = RuntimeSettings()

    def token(self) -> str | None:
        """The bot token: environment first, then token_file, then the file's token."""
        env = os.environ.get(TOKEN_ENV, "").strip()
        if env:
            return env
        tg = self.telegram
        if tg.token_file is not None:
            try:
                return tg.token_file.read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise ConfigError(
                    f"cannot read telegram.token_file {tg.token_file}: {exc}"
                ) from exc
        if tg.token is not None and tg.token.get_secret_value().strip():
            return tg.token.get_secret_value().strip()
        return None

    def webhook_secret(self) -> str | None:
        env = os.environ.get(WEBHOOK_SECRET_ENV, "").strip()
        if env:
            return env
        secret = self.telegram.webhook.secret_token
        return secret.get_secret_value() if secret is not None else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.timezone)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def load_settings(path: Path | None) -> Settings:
    """Read config.toml (None: defaults only). Relative data_dir is relative to the file."""
    if path is None:
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid configuration:\n{_format_errors(exc)}") from exc
    data_dir = settings.storage.data_dir
    if not data_dir.is_absolute():
        storage = settings.storage.model_copy(update={"data_dir": path.parent / data_dir})
        settings = settings.model_copy(update={"storage": storage})
    return settings
