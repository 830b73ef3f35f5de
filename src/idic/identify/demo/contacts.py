"""Interactions: calls, messages, visits and store contacts with a customer.

Each topic has a subject, a few summaries, the direction it usually comes from, the
channels it happens in, and how long staff spend on it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from idic.identify.demo import names


@dataclass(frozen=True)
class Topic:
    subject: str
    summaries: tuple[str, ...]
    direction: str
    channels: tuple[str, ...]
    seconds: tuple[int, int]  # staff time, lowest and highest


TOPICS: tuple[Topic, ...] = (
    Topic("咨询产品价格", ("客户询问新款价格及优惠，已发送报价单。", "询问会员折扣，已说明积分抵扣规则。"),
          "inbound", ("phone", "wechat", "web", "store"), (60, 600)),
    Topic("售后维修", ("产品无法开机，已登记上门维修。", "配件损坏，安排寄送新配件。"),
          "inbound", ("phone", "wechat", "email"), (180, 1200)),
    Topic("投诉配送延迟", ("订单超过约定时间未送达，已催促物流并致歉。", "快递破损，已安排补发。"),
          "inbound", ("phone", "wechat", "email", "web"), (240, 1500)),
    Topic("会员积分查询", ("查询积分余额并说明兑换方式。",),
          "inbound", ("phone", "wechat", "sms", "web"), (30, 300)),
    Topic("退换货申请", ("尺寸不合适申请换货，已审核通过。", "七天无理由退货，已生成退货单。"),
          "inbound", ("phone", "wechat", "store", "web"), (120, 900)),
    Topic("发票开具", ("客户需要增值税专用发票，已核对抬头并开具。",),
          "inbound", ("email", "phone"), (120, 600)),
    Topic("满意度回访", ("回访上次服务，客户表示满意。", "回访维修结果，客户建议缩短上门时间。"),
          "outbound", ("phone", "sms"), (60, 420)),
    Topic("新品活动邀约", ("邀请参加周末新品体验活动。", "推送节日促销信息。"),
          "outbound", ("sms", "wechat", "email", "phone"), (10, 240)),
    Topic("生日祝福", ("发送生日祝福及优惠券。",), "outbound", ("sms", "wechat"), (5, 30)),
    Topic("续费提醒", ("会员即将到期，提醒续费并介绍权益。",),
          "outbound", ("phone", "sms", "email"), (30, 300)),
    Topic("到店体验", ("到店试用新品，留下联系方式。", "门店咨询安装服务。"),
          "inbound", ("store",), (300, 2400)),
)  # fmt: skip
VISIT_TOPICS: tuple[Topic, ...] = (
    Topic("商务拜访", ("拜访采购负责人，介绍年度合作方案。", "与决策人沟通续约条款。"),
          "outbound", ("visit", "phone"), (1800, 7200)),
    Topic("项目需求沟通", ("了解下季度采购需求，约定报价时间。",),
          "outbound", ("visit", "email", "phone"), (900, 5400)),
    Topic("合同与付款", ("确认合同条款与付款节点。",), "inbound", ("email", "phone"), (300, 1800)),
)  # fmt: skip


def staff_roster(rng: random.Random, size: int = 40) -> tuple[str, ...]:
    """Names of the service staff and sales representatives."""
    roster = []
    for _ in range(size):
        gender = rng.choice("MF")
        roster.append(names.pick_surname(rng) + names.pick_given(rng, gender, 1990))
    return tuple(roster)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; means here are small)."""
    limit, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def interactions(
    rng: random.Random,
    *,
    count: int,
    first: date,
    end: date,
    staff: tuple[str, ...],
    business: bool = False,
) -> Iterator[dict[str, str]]:
    """``count`` interactions between ``first`` and ``end`` (without source columns)."""
    span = max(0, (end - first).days)
    topics = VISIT_TOPICS + TOPICS[:3] if business else TOPICS
    for _ in range(count):
        topic = rng.choice(topics)
        channel = rng.choice(topic.channels)
        day = first + timedelta(days=rng.randint(0, span))
        ts = datetime.combine(day, datetime.min.time()) + timedelta(
            seconds=rng.randint(8 * 3600, 21 * 3600)
        )
        low, high = topic.seconds
        yield {
            "ts": ts.isoformat(),
            "channel": channel,
            "direction": topic.direction,
            "subject": topic.subject,
            "summary": rng.choice(topic.summaries),
            "staff": rng.choice(staff) if channel not in {"sms", "web"} else "",
            "duration_seconds": str(rng.randint(low, high)),
        }
