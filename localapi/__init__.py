"""Local stand-in for the Telegram Bot API, with simulated users, for tests and the demo."""

from .models import (
    ApiCall,
    ApiError,
    BotMessage,
    CallbackAnswer,
    CallbackPress,
    Interceptor,
    StoredFile,
    UploadedFile,
    UserMessage,
)
from .server import LocalBotApi
from .simulator import SimChat, SimGroup, SimUser

__all__ = [
    "ApiCall",
    "ApiError",
    "BotMessage",
    "CallbackAnswer",
    "CallbackPress",
    "Interceptor",
    "LocalBotApi",
    "SimChat",
    "SimGroup",
    "SimUser",
    "StoredFile",
    "UploadedFile",
    "UserMessage",
]
