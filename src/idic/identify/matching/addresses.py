"""A small splitter of Chinese postal addresses: province / city / district / street.

``广东省深圳市南山区科技园路12号`` → 广东, 深圳, 南山, 科技园路12号. Municipalities
(北京市 …) are province and city at once. Each part is kept without its
administrative suffix (省, 市, 区, 县 …) so 四川省/四川 and 青羊区/青羊 agree; the
street is folded (full-width digits), simplified and stripped of spaces.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from idic.identify.matching.names import simplified

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
PROVINCES = (
    "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", *MUNICIPALITIES,
)  # fmt: skip
_PROVINCE = re.compile(
    "^(" + "|".join(sorted(PROVINCES, key=len, reverse=True)) + ")"
    r"(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)?"
)
_NOT_PLACE = "0-9路街道巷弄号栋楼室单元村组"
_CITY = re.compile(rf"^([^{_NOT_PLACE}]{{1,8}}?)(自治州|地区|盟|市)")
_DISTRICT = re.compile(rf"^([^{_NOT_PLACE}]{{1,7}}?)(新区|区|自治县|县|旗|市)")
_SPACES = re.compile(r"[\s,，]+")
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
    "地区", "新区", "省", "市", "区", "县", "旗", "盟",
)  # fmt: skip


class Address(NamedTuple):
    province: str
    city: str
    district: str
    street: str


@lru_cache(maxsize=1 << 14)
def place_key(name: str) -> str:
    """A place name without its administrative suffix (``四川省`` → ``四川``)."""
    text = _SPACES.sub("", simplified(name))
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return text


def split_address(text: str) -> Address:
    """Split a free-text address into its parts; missing parts are empty."""
    rest = _SPACES.sub("", simplified(text))
    province = city = district = ""
    match = _PROVINCE.match(rest)
    # a bare province name counts only before a city or, for a municipality, a district
    # (辽宁路 is a street; 辽宁沈阳市 and 北京朝阳区 are places)
    after = rest[match.end() :] if match else ""
    if match and (
        match.group(2)
        or _CITY.match(after)
        or (match.group(1) in MUNICIPALITIES and _DISTRICT.match(after))
    ):
        province = match.group(1)
        rest = rest[match.end() :]
        if province in MUNICIPALITIES:
            city = province
            if rest.startswith(province):  # 北京市北京市东城区 …
                rest = rest[len(province) :].removeprefix("市")
    if not city:
        match = _CITY.match(rest)
        if match:
            city = place_key(match.group(0))
            rest = rest[match.end() :]
    match = _DISTRICT.match(rest)
    if match:
        district = place_key(match.group(0))
        rest = rest[match.end() :]
    return Address(province, city, district, rest)


def address_parts(province: str, city: str, district: str, address: str) -> Address:
    """The parts of a record's address: its own columns where given, otherwise what the
    free-text ``address`` starts with; the street is what remains of ``address``."""
    parsed = split_address(address)
    province_key = place_key(province) or parsed.province
    city_key = place_key(city) or parsed.city
    if not city_key and province_key in MUNICIPALITIES:
        city_key = province_key
    if not province_key and city_key in MUNICIPALITIES:
        province_key = city_key
    return Address(province_key, city_key, place_key(district) or parsed.district, parsed.street)
