"""The demo portfolio as plain data: a group with three subsidiaries, their key accounts and
stakeholders, fifteen people, five demo users and fourteen bids in every stage.

Every company, person and code here is invented. Unified social credit codes (统一社会信用代码)
are well formed: a real administrative-division code, an organisation code with its GB 11714
check digit, and the GB 32100-2015 check character (:func:`credit_code`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(registration: str, division: str, organisation_body: str) -> str:
    """A unified social credit code from its parts, with both check characters computed.

    ``registration``: 2 characters (``91`` an enterprise, ``12`` a public institution);
    ``division``: the 6-digit administrative division code; ``organisation_body``: 8 digits.
    """
    body_sum = sum(int(c) * w for c, w in zip(organisation_body, ORG_CODE_WEIGHTS, strict=True))
    org_check = 11 - body_sum % 11
    org_code = organisation_body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    first17 = registration + division + org_code
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True, slots=True)
class OrgUnitData:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None = None
    holidays_country: str | None = "CN"


@dataclass(frozen=True, slots=True)
class StakeholderData:
    name: str
    name_en: str
    title: str
    decision_role: str
    influence: int
    stance: str


@dataclass(frozen=True, slots=True)
class AccountData:
    key: str
    name: str
    name_en: str
    credit_code: str
    industry: str
    tier: str
    region: str
    parent_group: str | None
    stakeholders: tuple[StakeholderData, ...]


@dataclass(frozen=True, slots=True)
class PersonData:
    key: str
    name: str
    name_en: str
    title: str
    org_unit: str
    email: str


@dataclass(frozen=True, slots=True)
class UserData:
    username: str
    role: str
    person: str
    org_unit: str


@dataclass(frozen=True, slots=True)
class BidData:
    title: str
    title_en: str
    org_unit: str
    account: str
    kind: str
    procurement: str
    stage: str
    status: str
    value: Decimal
    win_probability_percent: int
    pursuit_budget: Decimal
    start_date: date
    submission_deadline: date
    status_date: date | None
    lead: str
    team: dict[str, tuple[str, ...]]
    product_lines: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cost_factor: Decimal = Decimal("0.9")  # actual / budget on finished work packages
    slip_every: int = 0  # every n-th finished task finished a day late (0: none)
    # what went off plan after the plan was made (by template element code): a task
    # re-estimated to this many working days, a started task only this percent complete at
    # the status date (on-track progress otherwise)
    re_estimated: tuple[tuple[str, int], ...] = ()
    behind: tuple[tuple[str, int], ...] = ()
    # the deadline the plan was made for, when the customer moved it since
    deadline_moved_from: date | None = None
    extra: dict[str, str] = field(default_factory=dict)


ORG_UNITS = (
    OrgUnitData("HX", "华信控股集团有限公司", "Huaxin Holding Group", "group"),
    OrgUnitData(
        "HXDS", "华信数智科技有限公司", "Huaxin Digital Intelligence Technology", "subsidiary", "HX"
    ),
    OrgUnitData("HXZG", "华信重工机械有限公司", "Huaxin Heavy Machinery", "subsidiary", "HX"),
    OrgUnitData("HXDL", "华信电力装备有限公司", "Huaxin Power Equipment", "subsidiary", "HX"),
    OrgUnitData("HX-EAST", "华东大区", "East China region", "region", "HX"),
    OrgUnitData("HX-SOUTH", "华南大区", "South China region", "region", "HX"),
    OrgUnitData("HX-NORTH", "华北大区", "North China region", "region", "HX"),
)

REGIONS = {"east": "华东", "south": "华南", "north": "华北", "west": "西南"}


def _s(
    name: str, name_en: str, title: str, role: str, influence: int, stance: str
) -> StakeholderData:
    return StakeholderData(name, name_en, title, role, influence, stance)


ACCOUNTS = (
    AccountData(
        "donghai-metro",
        "东海市轨道交通集团有限公司",
        "Donghai Metro Group Co., Ltd.",
        credit_code("91", "310115", "66078423"),
        "城市轨道交通",
        "strategic",
        "华东",
        "东海市国资委",
        (
            _s("钱立新", "Qian Lixin", "总工程师", "decision_maker", 5, "supporter"),
            _s("顾晓红", "Gu Xiaohong", "信息中心主任", "influencer", 4, "champion"),
            _s("邵建平", "Shao Jianping", "采购部经理", "gatekeeper", 3, "neutral"),
        ),
    ),
    AccountData(
        "nanling-grid",
        "南岭省电网有限公司",
        "Nanling Provincial Power Grid Co., Ltd.",
        credit_code("91", "440104", "73215869"),
        "电网",
        "strategic",
        "华南",
        "南方电力集团",
        (
            _s("梁振华", "Liang Zhenhua", "副总经理（分管物资）", "decision_maker", 5, "neutral"),
            _s("何静", "He Jing", "物资部主任", "gatekeeper", 4, "skeptic"),
            _s("冯志远", "Feng Zhiyuan", "变电运维中心主任", "user", 3, "supporter"),
        ),
    ),
    AccountData(
        "beichen-steel",
        "北辰钢铁集团股份有限公司",
        "Beichen Iron & Steel Group Co., Ltd.",
        credit_code("91", "130203", "10475236"),
        "钢铁冶金",
        "key",
        "华北",
        None,
        (
            _s("杜国强", "Du Guoqiang", "设备副总", "decision_maker", 5, "supporter"),
            _s("彭丽", "Peng Li", "智能制造办公室主任", "influencer", 4, "champion"),
        ),
    ),
    AccountData(
        "jiangchuan-hospital",
        "江川市人民医院",
        "Jiangchuan People's Hospital",
        credit_code("12", "320583", "46715820"),
        "医疗卫生",
        "growth",
        "华东",
        "江川市卫健委",
        (
            _s("韩文博", "Han Wenbo", "副院长", "decision_maker", 5, "neutral"),
            _s("曹雪梅", "Cao Xuemei", "信息科科长", "influencer", 4, "supporter"),
        ),
    ),
    AccountData(
        "hongyuan-construction",
        "鸿远建设工程集团有限公司",
        "Hongyuan Construction Engineering Group",
        credit_code("91", "330106", "14396287"),
        "建筑施工",
        "key",
        "华东",
        None,
        (
            _s("蒋国华", "Jiang Guohua", "设备管理部总经理", "decision_maker", 4, "supporter"),
            _s("沈涛", "Shen Tao", "项目经理", "user", 3, "champion"),
            _s("姚明辉", "Yao Minghui", "集采中心主任", "gatekeeper", 4, "neutral"),
        ),
    ),
    AccountData(
        "xijiang-port",
        "西江港务集团有限公司",
        "Xijiang Port Group Co., Ltd.",
        credit_code("91", "450103", "19843075"),
        "港口物流",
        "key",
        "华南",
        "西江交通投资集团",
        (
            _s("陆建华", "Lu Jianhua", "总经理", "decision_maker", 5, "neutral"),
            _s("谢芳", "Xie Fang", "工程技术部部长", "influencer", 4, "supporter"),
        ),
    ),
    AccountData(
        "tianheng-energy",
        "天衡新能源科技股份有限公司",
        "Tianheng New Energy Technology Co., Ltd.",
        credit_code("91", "110108", "55718342"),
        "新能源",
        "growth",
        "华北",
        None,
        (
            _s("唐宇", "Tang Yu", "首席运营官", "decision_maker", 5, "champion"),
            _s("许诺", "Xu Nuo", "采购总监", "gatekeeper", 3, "skeptic"),
        ),
    ),
    AccountData(
        "binhai-ucid",
        "滨海市城市建设投资集团有限公司",
        "Binhai Urban Construction Investment Group",
        credit_code("91", "120116", "30017654"),
        "城投基建",
        "strategic",
        "华北",
        "滨海市国资委",
        (
            _s("袁海", "Yuan Hai", "董事长", "decision_maker", 5, "neutral"),
            _s("罗颖", "Luo Ying", "数字化转型办公室主任", "influencer", 4, "supporter"),
            _s("任重", "Ren Zhong", "招标采购部经理", "gatekeeper", 3, "opponent"),
        ),
    ),
    AccountData(
        "qingluan-mining",
        "青峦矿业股份有限公司",
        "Qingluan Mining Co., Ltd.",
        credit_code("91", "510100", "62094317"),
        "矿业",
        "standard",
        "西南",
        None,
        (
            _s("邓刚", "Deng Gang", "机动部部长", "decision_maker", 4, "supporter"),
            _s("白雪", "Bai Xue", "安全环保部副部长", "influencer", 3, "neutral"),
        ),
    ),
)

PEOPLE = (
    PersonData("ma", "马晓燕", "Ma Xiaoyan", "集团PMO总监", "HX", "ma.xiaoyan@huaxin.example"),
    PersonData("lin", "林芳", "Lin Fang", "财务经理（营销费用）", "HX", "lin.fang@huaxin.example"),
    PersonData(
        "wang",
        "王建国",
        "Wang Jianguo",
        "数智科技营销副总裁",
        "HXDS",
        "wang.jianguo@huaxin.example",
    ),
    PersonData("li", "李娜", "Li Na", "大客户经理", "HXDS", "li.na@huaxin.example"),
    PersonData(
        "chen",
        "陈志强",
        "Chen Zhiqiang",
        "售前解决方案顾问",
        "HXDS",
        "chen.zhiqiang@huaxin.example",
    ),
    PersonData("zhao", "赵敏", "Zhao Min", "投标项目经理", "HXDS", "zhao.min@huaxin.example"),
    PersonData(
        "miller", "米大卫", "David Miller", "解决方案架构师", "HXDS", "david.miller@huaxin.example"
    ),
    PersonData(
        "liu", "刘海涛", "Liu Haitao", "重工机械销售总经理", "HXZG", "liu.haitao@huaxin.example"
    ),
    PersonData("zhang", "张伟", "Zhang Wei", "大客户经理", "HXZG", "zhang.wei@huaxin.example"),
    PersonData("sun", "孙丽", "Sun Li", "售前技术工程师", "HXZG", "sun.li@huaxin.example"),
    PersonData("zhou", "周杰", "Zhou Jie", "投标项目经理", "HXZG", "zhou.jie@huaxin.example"),
    PersonData(
        "huang",
        "黄志明",
        "Huang Zhiming",
        "电力装备营销副总经理",
        "HXDL",
        "huang.zhiming@huaxin.example",
    ),
    PersonData("wu", "吴婷", "Wu Ting", "大客户经理", "HXDL", "wu.ting@huaxin.example"),
    PersonData("zheng", "郑凯", "Zheng Kai", "售前技术经理", "HXDL", "zheng.kai@huaxin.example"),
    PersonData(
        "schmidt", "施艾玛", "Emma Schmidt", "国际项目经理", "HXDL", "emma.schmidt@huaxin.example"
    ),
)

USERS = (
    UserData("pmo", "pmo", "ma", "HX"),
    UserData("finance", "finance", "lin", "HX"),
    UserData("lead1", "lead", "li", "HXDS"),
    UserData("lead2", "lead", "zhang", "HXZG"),
    UserData("member1", "member", "chen", "HXDS"),
)

_DS_TEAM = {
    "sales_rep": ("li",),
    "presales_consultant": ("chen", "miller"),
    "project_manager": ("zhao",),
    "executive_sponsor": ("wang",),
    "pmo": ("ma",),
}
_ZG_TEAM = {
    "sales_rep": ("zhang",),
    "presales_consultant": ("sun",),
    "project_manager": ("zhou",),
    "executive_sponsor": ("liu",),
    "pmo": ("ma",),
}
_DL_TEAM = {
    "sales_rep": ("wu",),
    "presales_consultant": ("zheng",),
    "project_manager": ("schmidt",),
    "executive_sponsor": ("huang",),
    "pmo": ("ma",),
}
_DL_TEAM_LI = {**_DL_TEAM, "sales_rep": ("li", "wu")}


def _d(text: str) -> date:
    return date.fromisoformat(text)


BIDS = (
    BidData(
        "东海地铁5号线综合监控系统集成项目",
        "Donghai Metro Line 5 integrated supervisory control system",
        "HXDS",
        "donghai-metro",
        "cross_sell",
        "tender",
        "execution",
        "open",
        Decimal("68500000"),
        60,
        Decimal("820000"),
        _d("2026-09-01"),
        _d("2027-01-22"),
        _d("2026-11-27"),
        "li",
        _DS_TEAM,
        ("综合监控", "通信系统", "云平台"),
        ("华东",),
        Decimal("0.95"),
        5,
        # late: the supervisory-control solution design (on the critical path) is behind
        behind=(("execution.solution_design", 10),),
    ),
    BidData(
        "江川市人民医院智慧医院信息化平台",
        "Jiangchuan People's Hospital smart-hospital platform",
        "HXDS",
        "jiangchuan-hospital",
        "new_customer",
        "tender",
        "strategy",
        "open",
        Decimal("12800000"),
        35,
        Decimal("260000"),
        _d("2026-10-12"),
        _d("2027-03-19"),
        _d("2026-11-27"),
        "li",
        {**_DS_TEAM, "presales_consultant": ("chen",)},
        ("医院信息系统", "数据中心"),
        ("华东",),
        Decimal("1.05"),
        4,
    ),
    BidData(
        "滨海城投智慧城市运营中心（一期）",
        "Binhai UCID smart-city operations centre, phase 1",
        "HXDS",
        "binhai-ucid",
        "new_customer",
        "negotiated",
        "analysis",
        "open",
        Decimal("45000000"),
        30,
        Decimal("600000"),
        _d("2026-11-02"),
        _d("2027-05-28"),
        _d("2026-11-27"),
        "li",
        _DS_TEAM,
        ("城市运营中心", "物联网平台", "数据中心"),
        ("华北", "华东"),
    ),
    BidData(
        "北辰钢铁5G+工业互联网平台",
        "Beichen Steel 5G industrial internet platform",
        "HXDS",
        "beichen-steel",
        "cross_sell",
        "negotiated",
        "close_out",
        "won",
        Decimal("23600000"),
        100,
        Decimal("380000"),
        _d("2026-03-02"),
        _d("2026-07-10"),
        _d("2026-09-30"),
        "li",
        _DS_TEAM,
        ("工业互联网", "5G专网"),
        ("华北",),
        Decimal("0.88"),
        6,
    ),
    BidData(
        "东海地铁线网数据中心扩容",
        "Donghai Metro network data-centre expansion",
        "HXDS",
        "donghai-metro",
        "cross_sell",
        "negotiated",
        "lead_in",
        "open",
        Decimal("9600000"),
        50,
        Decimal("150000"),
        _d("2026-12-01"),
        _d("2027-04-16"),
        None,
        "li",
        _DS_TEAM,
        ("数据中心",),
        ("华东",),
    ),
    BidData(
        "鸿远建设塔式起重机集中采购（2027年度）",
        "Hongyuan Construction tower crane framework purchase 2027",
        "HXZG",
        "hongyuan-construction",
        "cross_sell",
        "tender",
        "execution",
        "open",
        Decimal("36800000"),
        55,
        Decimal("420000"),
        _d("2026-09-14"),
        _d("2027-01-29"),
        _d("2026-11-27"),
        "zhang",
        _ZG_TEAM,
        ("塔式起重机", "施工升降机"),
        ("华东", "华南"),
        Decimal("0.92"),
        4,
        # late: the technical volume re-estimated from 16 to 24 working days (the tender asks
        # for type-test reports of both product lines)
        re_estimated=(("execution.technical_volume", 24),),
    ),
    BidData(
        "西江港务集团门座起重机更新项目",
        "Xijiang Port portal crane renewal",
        "HXZG",
        "xijiang-port",
        "new_customer",
        "tender",
        "plan",
        "open",
        Decimal("52000000"),
        40,
        Decimal("560000"),
        _d("2026-10-08"),
        _d("2027-03-26"),
        _d("2026-11-27"),
        "zhang",
        _ZG_TEAM,
        ("门座起重机",),
        ("华南",),
        Decimal("1.1"),
        3,
    ),
    BidData(
        "青峦矿业大型矿用挖掘机采购",
        "Qingluan Mining large mining excavators",
        "HXZG",
        "qingluan-mining",
        "new_customer",
        "negotiated",
        "close_out",
        "lost",
        Decimal("18900000"),
        0,
        Decimal("240000"),
        _d("2026-02-02"),
        _d("2026-05-29"),
        _d("2026-07-15"),
        "zhang",
        _ZG_TEAM,
        ("矿用挖掘机", "配件服务"),
        ("西南",),
        Decimal("1.15"),
        3,
    ),
    BidData(
        "滨海城投地下综合管廊盾构设备租赁",
        "Binhai UCID utility tunnel TBM leasing",
        "HXZG",
        "binhai-ucid",
        "cross_sell",
        "negotiated",
        "goals",
        "open",
        Decimal("14500000"),
        45,
        Decimal("180000"),
        _d("2026-11-16"),
        _d("2027-04-30"),
        _d("2026-11-27"),
        "zhang",
        _ZG_TEAM,
        ("盾构机",),
        ("华北",),
    ),
    BidData(
        "南岭电网2027年110kV变压器框架招标",
        "Nanling Grid 2027 110 kV transformer framework tender",
        "HXDL",
        "nanling-grid",
        "cross_sell",
        "tender",
        "execution",
        "open",
        Decimal("96000000"),
        65,
        Decimal("950000"),
        _d("2026-08-17"),
        _d("2027-01-08"),
        _d("2026-11-27"),
        "wu",
        _DL_TEAM_LI,
        ("电力变压器", "GIS组合电器"),
        ("华南",),
        Decimal("0.97"),
        5,
        # late: the grid company brought the deadline forward a week after the plan was made
        deadline_moved_from=_d("2027-01-15"),
    ),
    BidData(
        "天衡新能源200MW光伏电站升压站EPC",
        "Tianheng 200 MW PV plant step-up substation EPC",
        "HXDL",
        "tianheng-energy",
        "new_customer",
        "negotiated",
        "team",
        "open",
        Decimal("31000000"),
        25,
        Decimal("320000"),
        _d("2026-11-09"),
        _d("2027-04-09"),
        _d("2026-11-27"),
        "wu",
        _DL_TEAM,
        ("箱式变电站", "SVG无功补偿", "预制舱"),
        ("华北",),
    ),
    BidData(
        "东海地铁主变电所设备更新",
        "Donghai Metro main substation equipment renewal",
        "HXDL",
        "donghai-metro",
        "new_customer",
        "tender",
        "close_out",
        "won",
        Decimal("27400000"),
        100,
        Decimal("300000"),
        _d("2026-01-12"),
        _d("2026-05-22"),
        _d("2026-08-28"),
        "li",
        _DL_TEAM_LI,
        ("GIS组合电器", "电力变压器"),
        ("华东",),
        Decimal("0.9"),
        7,
    ),
    BidData(
        "西江港岸电系统改造",
        "Xijiang Port shore-power retrofit",
        "HXDL",
        "xijiang-port",
        "cross_sell",
        "tender",
        "strategy",
        "open",
        Decimal("8800000"),
        50,
        Decimal("140000"),
        _d("2026-10-19"),
        # late: the tender notice left too little time; the template's work does not fit
        _d("2026-12-24"),
        _d("2026-11-27"),
        "wu",
        _DL_TEAM,
        ("岸电电源",),
        ("华南",),
        Decimal("1.0"),
        4,
    ),
    BidData(
        "北辰钢铁余热发电机组改造",
        "Beichen Steel waste-heat power unit retrofit",
        "HXDL",
        "beichen-steel",
        "cross_sell",
        "negotiated",
        "close_out",
        "abandoned",
        Decimal("11200000"),
        0,
        Decimal("120000"),
        _d("2026-04-06"),
        _d("2026-08-14"),
        _d("2026-06-12"),
        "wu",
        _DL_TEAM,
        ("汽轮发电机",),
        ("华北",),
        Decimal("0.8"),
        0,
    ),
)
