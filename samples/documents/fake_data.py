"""Fake but checksum-valid registration data for the sample document generator.

Everything here is a pure function of a `random.Random`: the same seed gives the same people,
organisations, accounts and forms. The values are shaped like what Xingtai registrants write
(old and new county names, platform aliases, mixed date formats, "1.2万" follower counts), and
every generated value also carries its normalised form, which is what the ground truth records.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits of a resident ID."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def org_code_char_value(char: str) -> int:
    """The value of one organisation-code body character (0-9, A=10 ... Z=35)."""
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check_char(body8: str) -> str:
    """The GB 11714-1997 check character of an 8-character organisation code body."""
    total = sum(org_code_char_value(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


class SubjectType(StrEnum):
    """Who operates the account."""

    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class FilingType(StrEnum):
    """First filing or a change to an earlier one."""

    NEW = "new"
    CHANGE = "change"


@dataclass(frozen=True)
class County:
    """One office's area: its code, the names written on forms, the police bureau name."""

    code: str
    names: tuple[str, ...]
    id_regions: tuple[str, ...]
    towns: tuple[str, ...]


COUNTIES: tuple[County, ...] = (
    County(
        "130502",
        ("桥东区", "襄都区", "邢台市桥东区", "邢台市襄都区"),
        ("130502",),
        ("豫让桥街道", "南长街街道", "北大街街道", "东大街街道"),
    ),
    County(
        "130503",
        ("桥西区", "信都区", "邢台市信都区"),
        ("130503",),
        ("钢铁路街道", "达活泉街道", "张宽街道", "团结路街道"),
    ),
    County("130521", ("邢台县",), ("130521", "132221"), ("皇寺镇", "将军墓镇", "浆水镇")),
    County("130522", ("临城县",), ("130522", "132222"), ("临城镇", "西竖镇", "郝庄镇")),
    County("130523", ("内丘县", "内邱县"), ("130523", "132223"), ("内丘镇", "大孟村镇", "金店镇")),
    County("130524", ("柏乡县",), ("130524", "132224"), ("柏乡镇", "固城店镇", "西汪镇")),
    County("130525", ("隆尧县",), ("130525", "132225"), ("隆尧镇", "魏家庄镇", "尹村镇")),
    County("130526", ("任县", "任泽区"), ("130526", "132226"), ("任城镇", "邢家湾镇", "辛店镇")),
    County("130527", ("南和县", "南和区"), ("130527", "132227"), ("和阳镇", "贾宋镇", "郝桥镇")),
    County("130528", ("宁晋县",), ("130528", "132228"), ("凤凰镇", "河渠镇", "大陆村镇")),
    County("130529", ("巨鹿县",), ("130529", "132229"), ("巨鹿镇", "王虎寨镇", "西郭城镇")),
    County("130530", ("新河县",), ("130530", "132230"), ("新河镇", "寻寨镇")),
    County("130531", ("广宗县",), ("130531", "132231"), ("广宗镇", "冯家寨镇", "北塘疃乡")),
    County("130532", ("平乡县",), ("130532", "132232"), ("丰州镇", "平乡镇", "河古庙镇")),
    County("130533", ("威县",), ("130533", "132233"), ("洺州镇", "梨园屯镇", "章台镇")),
    County("130534", ("清河县",), ("130534", "132234"), ("葛仙庄镇", "连庄镇", "油坊镇")),
    County("130535", ("临西县",), ("130535", "132235"), ("临西镇", "河西镇", "下堡寺镇")),
    County("130581", ("南宫市",), ("130581", "132201"), ("凤岗街道", "南杜街道", "北胡街道")),
    County("130582", ("沙河市",), ("130582", "132202"), ("褡裢街道", "周庄街道", "新城镇")),
    County(
        "130571",
        ("开发区", "邢台经济开发区", "邢台经济技术开发区"),
        ("130502",),
        ("东汪镇", "王快镇", "沙河城镇"),
    ),
)

# Display name of each county's seat in addresses and police bureau names.
COUNTY_PLAIN_NAME: dict[str, str] = {c.code: c.names[0] for c in COUNTIES}
COUNTY_PLAIN_NAME["130571"] = "邢台经济开发区"

# Account-name fragments that make an account local (county names and aliases).
LOCAL_WORDS: dict[str, tuple[str, ...]] = {
    "130502": ("桥东", "襄都"),
    "130503": ("桥西", "信都"),
    "130521": ("邢台县", "邢州"),
    "130522": ("临城",),
    "130523": ("内丘", "内邱"),
    "130524": ("柏乡",),
    "130525": ("隆尧", "尧山"),
    "130526": ("任县", "任泽"),
    "130527": ("南和",),
    "130528": ("宁晋",),
    "130529": ("巨鹿", "钜鹿"),
    "130530": ("新河",),
    "130531": ("广宗",),
    "130532": ("平乡",),
    "130533": ("威县",),
    "130534": ("清河",),
    "130535": ("临西",),
    "130581": ("南宫",),
    "130582": ("沙河",),
    "130571": ("邢台开发区", "经开区"),
}

PLATFORMS: dict[str, tuple[str, ...]] = {
    "今日头条号": ("今日头条号", "头条号", "今日头条", "头条"),
    "新浪微博账号": ("新浪微博账号", "微博", "新浪微博"),
    "微信公众账号": ("微信公众账号", "微信公众号", "公众号", "订阅号", "服务号"),
    "企鹅号": ("企鹅号", "腾讯企鹅号", "腾讯新闻"),
    "百家号": ("百家号", "百度百家号"),
    "网易号": ("网易号", "网易新闻"),
    "一点号": ("一点号", "一点资讯"),
    "搜狐号": ("搜狐号", "搜狐新闻"),
    "抖音号": ("抖音号", "抖音"),
    "快手号": ("快手号", "快手"),
    "大风号": ("大风号", "凤凰号"),
    "大鱼号": ("大鱼号", "UC头条"),
}
COMMON_PLATFORMS = ("抖音号", "微信公众账号", "快手号", "今日头条号", "新浪微博账号")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌浩宇晨欣怡子涵梓萱雨轩思博佳琪海燕凯鹏"
GBK_ONLY_GIVEN = "喆镕堃珺玥赟昇祎燊"
ETHNICITIES = ("汉", "汉", "汉", "汉", "汉", "回", "满")

STREETS = (
    "中兴大街",
    "新华路",
    "守敬路",
    "泉北大街",
    "团结路",
    "钢铁路",
    "冶金路",
    "太行大街",
    "长征街",
    "育才路",
    "人民路",
    "建设大街",
    "迎宾路",
    "和平路",
)
VILLAGES = (
    "东关村",
    "西关村",
    "南街村",
    "北街村",
    "王庄村",
    "李家庄村",
    "刘家屯村",
    "张村",
    "马庄村",
    "后营村",
    "前营村",
)
ORG_WORDS = (
    "博远",
    "鑫源",
    "华信",
    "恒通",
    "瑞丰",
    "嘉禾",
    "启航",
    "金牛",
    "融创",
    "盛世",
    "众联",
    "卓越",
    "天成",
    "宏图",
    "新视界",
    "云帆",
)
ORG_KINDS = (
    ("文化传媒有限公司", "有限责任公司（自然人独资）", "91"),
    ("网络科技有限公司", "有限责任公司（自然人投资或控股）", "91"),
    ("广告传媒有限公司", "有限责任公司（自然人独资）", "91"),
    ("电子商务有限公司", "其他有限责任公司", "91"),
    ("农业科技有限公司", "有限责任公司（自然人投资或控股）", "91"),
)
CONTENTS = (
    "本地新闻资讯",
    "美食探店推荐",
    "政务信息发布",
    "生活服务信息",
    "农产品推广",
    "教育培训资讯",
    "文旅宣传推介",
    "便民信息发布",
    "本地招聘信息",
    "房产家居资讯",
    "羊绒产品推广",
    "汽车资讯",
)
ACCOUNT_STEMS = (
    "身边事",
    "生活圈",
    "头条",
    "发布",
    "在线",
    "美食",
    "同城",
    "资讯",
    "微生活",
    "那些事",
    "百晓生",
    "news",
    "好物",
    "播报",
)
SCOPES = (
    "文化艺术交流活动策划；广告设计、制作、代理、发布；企业形象策划；会议及展览服务",
    "网络技术开发、技术咨询、技术服务；计算机软硬件销售；电子产品销售",
    "农业技术推广服务；农产品销售；网上销售日用百货",
    "影视节目制作；摄影摄像服务；图文设计制作；礼仪庆典服务",
)


@dataclass(frozen=True)
class Written:
    """A value as printed on the document and its normalised form for the ground truth."""

    printed: str
    normal: str


@dataclass(frozen=True)
class Person:
    """A fake resident with a checksum-valid ID number."""

    name: str
    gender: str
    ethnicity: str
    birth: dt.date
    id_number: str
    address: str
    address_lines: tuple[str, ...]
    issuer: str
    valid_from: dt.date
    valid_until: dt.date
    county_code: str


@dataclass(frozen=True)
class Organization:
    """A fake organisation with a checksum-valid credit code or organisation code."""

    name: str
    company_type: str
    credit_code: str
    org_code: str
    uses_old_code: bool
    legal_representative: str
    address: str
    established: dt.date
    scope: str
    registered_capital: str


@dataclass(frozen=True)
class Account:
    """One account row of a registration form."""

    platform: Written
    account_name: str
    account_id: str
    opened_on: Written
    followers: Written
    content: str


@dataclass(frozen=True)
class Registration:
    """Everything one 《邢台市新媒体账号登记备案表》 says, printed and normalised."""

    case: str
    subject_type: SubjectType
    subject_type_printed: str
    operator: Person
    organization: Organization | None
    county: Written
    address: str
    phone: Written
    email: str
    filing_type: Written
    filled_on: Written
    accounts: tuple[Account, ...]

    @property
    def subject_name(self) -> str:
        """The operator's name: the organisation's for an organisation, else the person's."""
        return self.organization.name if self.organization else self.operator.name

    @property
    def credit_code(self) -> str | None:
        """The code printed on the form for an organisation (USCC or XXXXXXXX-C)."""
        if self.organization is None:
            return None
        org = self.organization
        return org.org_code if org.uses_old_code else org.credit_code


def format_date(day: dt.date, style: int) -> str:
    """A date in one of the ways registrants write it."""
    if style == 0:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 1:
        return f"{day.year}.{day.month}.{day.day}"
    if style == 2:
        return day.isoformat()
    if style == 3:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def written_date(rng: random.Random, day: dt.date) -> Written:
    """A date printed in a random style with its ISO form."""
    return Written(format_date(day, rng.randrange(5)), day.isoformat())


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly random day in [start, end]."""
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def make_name(rng: random.Random, gbk_only: bool) -> str:
    """A Chinese name; with `gbk_only` its given name holds a character outside GB2312."""
    surname = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2)))]
    if gbk_only:
        given[-1] = rng.choice(GBK_ONLY_GIVEN)
    return surname + "".join(given)


def make_id_number(rng: random.Random, region: str, birth: dt.date, male: bool) -> str:
    """An 18-character resident ID with a valid check character."""
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def county_by_code(code: str) -> County:
    """The county record for an office code."""
    return next(c for c in COUNTIES if c.code == code)


def make_address(rng: random.Random, county: County) -> tuple[str, ...]:
    """A postal address split as an ID card prints it (about 11 characters a line)."""
    plain = COUNTY_PLAIN_NAME[county.code]
    town = rng.choice(county.towns)
    if rng.random() < 0.5:
        text = f"河北省邢台市{plain}{rng.choice(STREETS)}{rng.randrange(1, 400)}号"
    else:
        text = f"河北省{plain}{town}{rng.choice(VILLAGES)}{rng.randrange(1, 200)}号"
    if county.code not in ("130502", "130503", "130571") and "邢台市" in text:
        text = text.replace("邢台市", "")
    return tuple(text[i : i + 11] for i in range(0, len(text), 11))


def issuer_for(county: County) -> str:
    """The police bureau that issues ID cards for a county."""
    if county.code == "130502":
        return "邢台市公安局桥东分局"
    if county.code == "130503":
        return "邢台市公安局桥西分局"
    if county.code == "130571":
        return "邢台市公安局开发区分局"
    return f"{county.names[0]}公安局"


def make_person(rng: random.Random, county: County, gbk_only: bool) -> Person:
    """A resident of `county` with a valid ID number and card validity period."""
    male = rng.random() < 0.55
    birth = random_day(rng, dt.date(1968, 1, 1), dt.date(1998, 12, 28))
    region = rng.choice(county.id_regions)
    id_number = make_id_number(rng, region, birth, male)
    lines = make_address(rng, county)
    start_year = rng.randrange(2010, 2020)
    valid_from = dt.date(start_year, birth.month, min(birth.day, 28))
    age = start_year - birth.year
    years = 10 if age < 26 else 20
    valid_until = valid_from.replace(year=start_year + years)
    return Person(
        name=make_name(rng, gbk_only),
        gender="男" if male else "女",
        ethnicity=rng.choice(ETHNICITIES),
        birth=birth,
        id_number=id_number,
        address="".join(lines),
        address_lines=lines,
        issuer=issuer_for(county),
        valid_from=valid_from,
        valid_until=valid_until,
        county_code=county.code,
    )


def make_org_code_body(rng: random.Random, modern: bool) -> str:
    """An 8-character organisation code body: `MA` + 6 for new ones, 8 digits for old ones."""
    if modern:
        chars = USCC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY"
        return "MA" + "".join(rng.choice(chars) for _ in range(6))
    return f"{rng.randrange(10, 80)}{rng.randrange(0, 1000000):06d}"


def make_organization(
    rng: random.Random, county: County, legal: str, old_code: bool
) -> Organization:
    """An organisation in `county` with a valid USCC whose embedded code is valid too."""
    plain = COUNTY_PLAIN_NAME[county.code]
    if rng.random() < 0.25:
        name = f"{plain}融媒体中心"
        company_type = "事业单位"
        prefix = "12"
    else:
        suffix, company_type, prefix = rng.choice(ORG_KINDS)
        place = "邢台" if rng.random() < 0.4 else plain.rstrip("市县区")
        if county.code == "130571":
            place = "邢台"
        name = f"{place}{rng.choice(ORG_WORDS)}{suffix}"
    body = make_org_code_body(rng, modern=not old_code and rng.random() < 0.7)
    org_code_plain = body + org_code_check_char(body)
    region = county.code if county.code != "130571" else "130500"
    first17 = f"{prefix}{region}{org_code_plain}"
    credit_code = first17 + uscc_check_char(first17)
    established = random_day(rng, dt.date(2008, 1, 1), dt.date(2019, 12, 31))
    plain_addr = make_address(rng, county)
    return Organization(
        name=name,
        company_type=company_type,
        credit_code=credit_code,
        org_code=f"{body}-{org_code_plain[-1]}",
        uses_old_code=old_code,
        legal_representative=legal,
        address="".join(plain_addr),
        established=established,
        scope=rng.choice(SCOPES),
        registered_capital=f"{rng.choice((10, 50, 100, 200, 500))}万元人民币",
    )


def make_mobile(rng: random.Random) -> Written:
    """A mobile number, sometimes printed with spaces."""
    digits = rng.choice(("13", "15", "18", "17", "19")) + "".join(
        str(rng.randrange(10)) for _ in range(9)
    )
    if rng.random() < 0.25:
        return Written(f"{digits[:3]} {digits[3:7]} {digits[7:]}", digits)
    return Written(digits, digits)


def make_landline(rng: random.Random) -> Written:
    """A Xingtai landline as printed; the truth keeps it without spaces."""
    local = str(rng.randrange(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(6))
    style = rng.randrange(3)
    if style == 0:
        return Written(f"0319-{local}", f"0319-{local}")
    if style == 1:
        return Written(f"(0319){local}", f"(0319){local}")
    return Written(f"0319 {local}", f"0319{local}")


def make_followers(rng: random.Random) -> Written:
    """A follower count, printed as an integer or as "1.2万"."""
    if rng.random() < 0.45:
        tenths = rng.randrange(10, 600)
        text = f"{tenths // 10}万" if tenths % 10 == 0 else f"{tenths / 10:.1f}万"
        return Written(text, str(tenths * 1000))
    count = rng.randrange(30, 9999)
    return Written(str(count), str(count))


def make_account_id(rng: random.Random, platform: str, name_pinyin: str) -> str:
    """An account ID shaped like the platform's IDs."""
    if platform == "微信公众账号":
        if rng.random() < 0.5:
            return "gh_" + "".join(rng.choice("0123456789abcdef") for _ in range(12))
        return f"{name_pinyin}{rng.randrange(10, 2021)}"
    if platform in ("抖音号", "快手号"):
        if rng.random() < 0.5:
            return str(rng.randrange(10**8, 10**10))
        return f"{name_pinyin}{rng.randrange(100, 999)}"
    if platform == "新浪微博账号":
        return str(rng.randrange(10**9, 7 * 10**9))
    return str(rng.randrange(10**9, 10**12))


PINYIN_STEMS = (
    "xtsh",
    "xingtai",
    "shahe",
    "qinghe",
    "nangong",
    "julu",
    "ningjin",
    "renze",
    "xiangdu",
    "xindu",
    "linxi",
    "weixian",
    "longyao",
    "neiqiu",
    "niucheng",
)


def make_account(
    rng: random.Random, county_code: str, opened_after: dt.date, platform: str | None = None
) -> Account:
    """One account row, named after Xingtai or the county most of the time."""
    notice_name = platform or (
        rng.choice(COMMON_PLATFORMS) if rng.random() < 0.6 else rng.choice(tuple(PLATFORMS))
    )
    printed = rng.choice(PLATFORMS[notice_name])
    place = rng.choice(("邢台", *LOCAL_WORDS[county_code], *LOCAL_WORDS[county_code]))
    if rng.random() < 0.1:
        place = rng.choice(("牛城", "邢州", "顺德府"))
    account_name = f"{place}{rng.choice(ACCOUNT_STEMS)}"
    opened = random_day(rng, opened_after, dt.date(2020, 5, 6))
    return Account(
        platform=Written(printed, notice_name),
        account_name=account_name,
        account_id=make_account_id(rng, notice_name, rng.choice(PINYIN_STEMS)),
        opened_on=written_date(rng, opened),
        followers=make_followers(rng),
        content=rng.choice(CONTENTS),
    )


def make_email(rng: random.Random) -> str:
    """A personal or work mailbox."""
    if rng.random() < 0.5:
        return f"{rng.randrange(10**7, 10**10)}@qq.com"
    stem = rng.choice(PINYIN_STEMS)
    return f"{stem}{rng.randrange(1, 999)}@{rng.choice(('163.com', '126.com', 'sina.com'))}"


def make_registration(
    rng: random.Random,
    index: int,
    kind: SubjectType,
    old_code: bool,
    county: County,
    first_platform: str,
) -> Registration:
    """A complete, consistent registration for sample case `index` in `county`."""
    county_printed = rng.choice(county.names)
    person = make_person(rng, county, gbk_only=rng.random() < 0.3)
    organization: Organization | None = None
    if kind is SubjectType.ORGANIZATION:
        legal = make_name(rng, gbk_only=rng.random() < 0.2)
        organization = make_organization(rng, county, legal, old_code)
        if organization.company_type == "事业单位":
            type_printed = rng.choice(("事业单位", "单位"))
        else:
            type_printed = rng.choice(("企业", "公司", "企业"))
        address = organization.address
        phone = make_landline(rng) if rng.random() < 0.5 else make_mobile(rng)
    else:
        type_printed = "个人"
        address = person.address
        phone = make_mobile(rng)
    change = rng.random() < 0.25
    filing_printed = (
        rng.choice(("变更", "变更备案"))
        if change
        else rng.choice(("首次备案", "新开通", "首次备案"))
    )
    filled = random_day(rng, dt.date(2020, 5, 8), dt.date(2020, 5, 22))
    n_accounts = rng.choice((1, 1, 2, 2, 3))
    first = make_account(rng, county.code, dt.date(2015, 1, 1), first_platform)
    rest = tuple(make_account(rng, county.code, dt.date(2015, 1, 1)) for _ in range(n_accounts - 1))
    accounts = (first, *rest)
    return Registration(
        case=f"case{index:02d}",
        subject_type=kind,
        subject_type_printed=type_printed,
        operator=person,
        organization=organization,
        county=Written(county_printed, county.code),
        address=address,
        phone=phone,
        email=make_email(rng),
        filing_type=Written(filing_printed, FilingType.CHANGE if change else FilingType.NEW),
        filled_on=written_date(rng, filled),
        accounts=accounts,
    )


def make_registrations(seed: int, count: int) -> tuple[Registration, ...]:
    """`count` registrations: individuals and organisations alternate, every eighth from the
    fourth files with an old organisation code, counties and first platforms go round all."""
    rng = random.Random(seed)
    counties = list(COUNTIES)
    platforms = list(PLATFORMS)
    rng.shuffle(counties)
    rng.shuffle(platforms)
    out = []
    for i in range(count):
        kind = SubjectType.ORGANIZATION if i % 2 == 1 else SubjectType.INDIVIDUAL
        old_code = kind is SubjectType.ORGANIZATION and i % 8 == 3
        county = counties[i % len(counties)]
        platform = platforms[i % len(platforms)]
        out.append(make_registration(rng, i + 1, kind, old_code, county, platform))
    return tuple(out)


def form_truth_fields(reg: Registration) -> dict[str, str]:
    """The normalised operator fields of a form, as the ground truth records them."""
    fields: dict[str, str] = {
        "subject_type": reg.subject_type.value,
        "subject_name": reg.subject_name,
        "county": reg.county.normal,
        "address": reg.address,
        "phone": reg.phone.normal,
        "email": reg.email,
        "filing_type": reg.filing_type.normal,
        "filled_on": reg.filled_on.normal,
    }
    if reg.organization is not None:
        code = reg.credit_code
        assert code is not None
        fields["credit_code"] = code
        fields["manager_name"] = reg.operator.name
        fields["manager_id_number"] = reg.operator.id_number
    else:
        fields["id_number"] = reg.operator.id_number
    return fields


def account_truth(acc: Account) -> dict[str, str]:
    """The normalised fields of one account row."""
    return {
        "platform": acc.platform.normal,
        "account_name": acc.account_name,
        "account_id": acc.account_id,
        "opened_on": acc.opened_on.normal,
        "followers": acc.followers.normal,
        "content": acc.content,
    }
