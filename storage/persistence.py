"""python-telegram-bot persistence in our SQLite database.

Only conversation states and the per-user scratch data of open conversations are kept here; domain
data lives in its own tables. Values are JSON, so scratch data must be plain (ids, strings, numbers).
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

UserData = dict[str, Any]


class SqlitePersistence(BasePersistence[UserData, dict[str, Any], dict[str, Any]]):
    def __init__(self, db: Database, *, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.db = db

    async def _put(self, kind: str, key: str, value: Any) -> None:
        async with self.db.transaction() as conn:
            if value is None:
                await conn.execute("DELETE FROM ptb_store WHERE kind = ? AND key = ?", (kind, key))
            else:
                await conn.execute(
                    "INSERT INTO ptb_store (kind, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                    (kind, key, json.dumps(value, ensure_ascii=False)),
                )

    async def _all(self, kind: str) -> dict[str, Any]:
        rows = await self.db.fetch_all("SELECT key, value FROM ptb_store WHERE kind = ?", (kind,))
        return {r[0]: json.loads(r[1]) for r in rows}

    async def get_user_data(self) -> dict[int, UserData]:
        return {int(k): v for k, v in (await self._all("user")).items()}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await self._all(f"conversation:{name}")
        return {tuple(json.loads(k)): v for k, v in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._put(f"conversation:{name}", json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        await self._put("user", str(user_id), data or None)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._put("user", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        # Every update is written when PTB hands it over; nothing is buffered here.
        return None
