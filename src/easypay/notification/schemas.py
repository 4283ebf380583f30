from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationRead(BaseModel):
    id: int = Field(description="Message id (also the cursor).")
    kind: str = Field(description="What happened.", examples=["transfer.incoming"])
    title: str = Field(
        description="One line, in the user's language.", examples=["김민준님이 10,000원을 보냈어요"]
    )
    body: str = Field(description="More, if any.", examples=["받기를 누르면 내 페이머니가 돼요."])
    link: str = Field(description="The page it is about.", examples=["/transfers/12"])
    data: dict[str, object] = Field(description="The facts, for programs.")
    created_at: datetime = Field(description="When.")
    read: bool = Field(description="Whether the user has read it.")


class UnreadCount(BaseModel):
    unread: int = Field(description="Unread messages.", examples=[3])


class MarkedRead(BaseModel):
    marked: int = Field(description="How many messages changed to read.", examples=[3])
