"""Contact and sales channels: known codes with their Chinese names; other names pass as given."""

from __future__ import annotations

from idic.identify.importing.values import synonyms

MAX_CHANNEL = 30
_CHANNEL = synonyms(
    {
        "store": ("门店", "实体店", "线下", "店铺", "shop"),
        "web": ("网站", "官网", "网店", "online", "网上"),
        "app": ("手机app", "移动端", "客户端"),
        "phone": ("电话", "呼叫中心", "call", "telephone", "tel"),
        "wechat": ("微信", "weixin"),
        "email": ("邮件", "电子邮件", "e-mail"),
        "sms": ("短信",),
        "visit": ("拜访", "上门", "面访"),
        "mail": ("信函", "邮寄", "post", "letter"),
    }
)


def channel_code(text: str) -> str:
    """The code of a known channel (``微信`` → ``wechat``), else the name lower-cased."""
    lowered = text.lower()
    return _CHANNEL.get(lowered, lowered)
