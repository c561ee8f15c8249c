"""Is this the same customer? Unified social credit codes and normalised company names.

"One quote per key account" needs to see that 「华为技术有限公司」, 「华为技术股份有限公司」,
「华为技术有限公司深圳分公司」 and 「ＨＵＡＷＥＩ技术（有限公司）」 are one customer, while 华为,
华为技术 and 华润 are three. Plain string logic: no database, no I/O.

Rules (:func:`match_accounts`)
------------------------------
1. Both accounts carry a unified social credit code (统一社会信用代码, GB 32100-2015):
   equal codes are the same legal entity (``"credit_code"``). Different codes are different
   legal entities, except that a branch (分公司, 办事处, "Beijing Branch" ...) has a code of its
   own and still belongs to its head office: different codes match only when one name is a
   branch of the other (``"branch"``).
2. Otherwise (a code is missing) the normalised names decide (``"name"``): any of one
   account's names (Chinese or English) equal to any of the other's.

Normalisation (:func:`normalise_name`): NFKC (full-width to half-width, （） to ()), case
folded, brackets and punctuation dropped, branch suffixes cut (after the legal form when there
is one: 「…有限公司深圳分公司」, else with their place: 「…广东省分公司」), legal forms stripped
from the end (股份有限公司, 有限责任公司, 有限公司, 集团, Co., Ltd., Inc, Corp, GmbH ...), and
whitespace removed.

Example
-------
>>> normalise_name("华为技术有限公司深圳分公司") == normalise_name("华为技术股份有限公司")
True
>>> normalise_name("Huawei Technologies Co., Ltd. Beijing Branch")
'huaweitechnologies'
>>> is_valid_credit_code("91310115660784232X")
False
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, position, 31) for position in range(17))
CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# longest first, so 集团股份有限公司 goes in one piece rather than leaving 集团股份
CHINESE_LEGAL_FORMS = tuple(
    sorted(
        (
            "集团股份有限公司",
            "集团有限责任公司",
            "集团有限公司",
            "股份有限公司",
            "有限责任公司",
            "股份合作公司",
            "有限公司",
            "集团公司",
            "控股集团",
            "总公司",
            "公司",
            "集团",
        ),
        key=len,
        reverse=True,
    )
)
ENGLISH_LEGAL_WORDS = frozenset(
    {
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "bv",
        "group",
        "holdings",
    }
)
BRANCH_MARKERS = (
    "分公司",
    "支公司",
    "办事处",
    "代表处",
    "分部",
    "营业部",
    "分厂",
    "分店",
    "分行",
    "支行",
)
BRANCH_MARKER = "|".join(BRANCH_MARKERS)
# 「…有限公司深圳分公司」: everything after the last legal form, up to a branch marker
BRANCH_AFTER_LEGAL_FORM = re.compile(
    rf"^(?P<company>.*(?:{'|'.join(CHINESE_LEGAL_FORMS)}))[^ ]{{0,12}}?(?:{BRANCH_MARKER})$"
)
# places that name a branch without an administrative suffix: provinces and large cities
PLACES = [
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "沈阳",
    "大连",
    "青岛",
    "厦门",
    "宁波",
    "长沙",
    "郑州",
    "济南",
    "合肥",
    "福州",
    "昆明",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "南昌",
    "南宁",
    "贵阳",
    "兰州",
    "乌鲁木齐",
    "呼和浩特",
    "银川",
    "西宁",
    "拉萨",
    "海口",
    "无锡",
    "佛山",
    "东莞",
    "珠海",
    "温州",
    "烟台",
    "唐山",
    "常州",
    "徐州",
    "南通",
    "泉州",
    "绍兴",
    "嘉兴",
    "台州",
    "金华",
    "洛阳",
    "襄阳",
    "宜昌",
    "柳州",
    "桂林",
    "三亚",
]
ADMIN_SUFFIX = "自治区|特别行政区|省|市|区|县|州|盟|旗"
PLACE_SEGMENT = (
    rf"(?:(?:{'|'.join(PLACES)})(?:{ADMIN_SUFFIX})?|[\u4e00-\u9fff]{{2,4}}?(?:{ADMIN_SUFFIX}))"
)
BRANCH_WITH_PLACE = re.compile(rf"(?:{PLACE_SEGMENT})+(?:{BRANCH_MARKER})")
TRAILING_PLACE = re.compile(rf"(?:{'|'.join(PLACES)})(?:{ADMIN_SUFFIX})?$")
BRANCH_ALONE = re.compile(rf"(?:{BRANCH_MARKER})$")
BRACKETED_BRANCH = re.compile(rf"\([^()]*(?:{BRANCH_MARKER}|branch)[^()]*\)\s*$")
ENGLISH_BRANCH = re.compile(r"\s*\b(?:branch(?: office)?|representative office|rep office)$")
PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)

MatchReason = Literal["credit_code", "branch", "name"]


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """What matching needs to know about an account."""

    id: int
    names: tuple[str, ...]  # the Chinese name first, then the English one when known
    credit_code: str | None = None


@dataclass(frozen=True, slots=True)
class NameKey:
    """A normalised name and whether the raw name was a branch of that company."""

    key: str
    is_branch: bool


def credit_code_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code.

    Raises ``ValueError`` when a character is outside the code's alphabet.
    """
    if len(first17) != 17:
        raise ValueError(f"a credit code body has 17 characters, got {len(first17)}")
    values = [CREDIT_CODE_ALPHABET.index(char) for char in first17]
    total = sum(value * weight for value, weight in zip(values, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or ``None`` when it is."""
    if len(code) != 18:
        return f"a unified social credit code has 18 characters, got {len(code)}"
    if not CREDIT_CODE_SHAPE.fullmatch(code):
        return (
            "a unified social credit code is 2 registration characters, a 6-digit division code "
            "and 10 characters from 0-9 and A-Y without I, O, S, V, Z"
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, GB 32100-2015 gives {expected}"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None


def _place_starts_at(name: str, start: int) -> bool:
    """A place name plausibly starts at ``start``: a known place, or right after another
    place's administrative suffix (「上海市|浦东新区」)."""
    return name[start - 1] in ADMIN_SUFFIX or any(name.startswith(p, start) for p in PLACES)


def _cut_place_branch(name: str) -> str | None:
    """The name without its "<place> + branch marker" suffix, and without any place left at its
    end (「…上海市浦东新区办事处」); ``None`` when there is no such suffix.

    Place names have no fixed length, so of the suffixes that parse, the shortest one that
    starts where a place plausibly starts wins, else the shortest.
    """
    starts = [s for s in range(len(name) - 1, 0, -1) if BRANCH_WITH_PLACE.fullmatch(name, s)]
    if not starts:
        return None
    start = next((s for s in starts if _place_starts_at(name, s)), starts[0])
    company = name[:start]
    while (trimmed := TRAILING_PLACE.sub("", company)) and trimmed != company:
        company = trimmed
    return company


def _cut_chinese_branch(name: str) -> tuple[str, bool]:
    after_legal_form = BRANCH_AFTER_LEGAL_FORM.match(name)
    if after_legal_form is not None:
        return after_legal_form.group("company"), True
    with_place = _cut_place_branch(name)
    if with_place:
        return with_place, True
    alone = BRANCH_ALONE.sub("", name)
    if alone != name and alone:
        return alone, True
    return name, False


def _cut_english_branch(name: str) -> tuple[str, bool]:
    """ "… Co Ltd Beijing Branch" -> "… Co Ltd"; "… Technologies Beijing Branch" -> one place
    word off ("… Technologies")."""
    rest = ENGLISH_BRANCH.sub("", name)
    if rest == name or not rest:
        return name, False
    words = rest.split(" ")
    legal = [index for index, word in enumerate(words) if word in ENGLISH_LEGAL_WORDS]
    if legal and legal[-1] > 0:
        return " ".join(words[: legal[-1] + 1]), True
    return " ".join(words[:-1] if len(words) > 1 else words), True


def _strip_legal_forms(name: str) -> str:
    """Legal forms off the end, repeatedly (「…集团 股份有限公司」, "… Group Co., Ltd.")."""
    while True:
        stripped = name.rstrip()
        if stripped in CHINESE_LEGAL_FORMS:
            return stripped
        words = stripped.split(" ")
        if len(words) > 1 and words[-1] in ENGLISH_LEGAL_WORDS:
            name = " ".join(words[:-1])
            continue
        for form in CHINESE_LEGAL_FORMS:
            if stripped.endswith(form) and len(stripped) > len(form):
                name = stripped[: -len(form)]
                break
        else:
            return stripped


def name_key(name: str) -> NameKey:
    """The normalised form of a company name (see the module docstring) and its branch flag.

    A name that is nothing but a legal form keeps its compacted text, so it never matches
    every other company.
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    bracketed = BRACKETED_BRANCH.sub("", text)
    in_brackets = bracketed != text and bool(bracketed.strip())
    text = bracketed if in_brackets else text
    spaced = " ".join(PUNCTUATION.sub(" ", text).split())
    spaced, is_branch = _cut_english_branch(spaced)
    compact_chinese = re.sub(r"(?<=[^a-z0-9]) | (?=[^a-z0-9])", "", spaced)
    company, cut = _cut_chinese_branch(compact_chinese)
    key = _strip_legal_forms(company).replace(" ", "")
    if not key:
        key = compact_chinese.replace(" ", "")
    return NameKey(key, in_brackets or is_branch or cut)


def normalise_name(name: str) -> str:
    """The matching key of a company name (``name_key(name).key``)."""
    return name_key(name).key


def _name_keys(account: AccountIdentity) -> dict[str, bool]:
    keys: dict[str, bool] = {}
    for name in account.names:
        if name and name.strip():
            parsed = name_key(name)
            keys[parsed.key] = keys.get(parsed.key, False) or parsed.is_branch
    return keys


def match_accounts(first: AccountIdentity, second: AccountIdentity) -> MatchReason | None:
    """Why ``first`` and ``second`` are one customer, or ``None`` (rules in the docstring)."""
    if first.credit_code and second.credit_code and first.credit_code == second.credit_code:
        return "credit_code"
    first_keys, second_keys = _name_keys(first), _name_keys(second)
    shared = first_keys.keys() & second_keys.keys()
    if not shared:
        return None
    if first.credit_code and second.credit_code:
        branch = any(first_keys[key] != second_keys[key] for key in shared)
        return "branch" if branch else None
    return "name"


def matching_accounts(
    account: AccountIdentity, others: Iterable[AccountIdentity]
) -> list[tuple[AccountIdentity, MatchReason]]:
    """The accounts among ``others`` (``account`` itself excluded) that match ``account``."""
    found = []
    for other in others:
        if other.id == account.id:
            continue
        reason = match_accounts(account, other)
        if reason is not None:
            found.append((other, reason))
    return found


def duplicate_groups(accounts: Sequence[AccountIdentity]) -> list[list[int]]:
    """Groups (two or more account ids, ascending) of accounts that match one another.

    Matching is made transitive (union-find): when A matches B and B matches C, all three are
    one group for the PMO to merge. Candidate pairs share a credit code or a name key, so the
    work grows with the duplicates, not with the square of the accounts.
    """
    parent = {account.id: account.id for account in accounts}

    def root(account_id: int) -> int:
        while parent[account_id] != account_id:
            parent[account_id] = parent[parent[account_id]]
            account_id = parent[account_id]
        return account_id

    buckets: dict[str, list[AccountIdentity]] = {}
    for account in accounts:
        if account.credit_code:
            buckets.setdefault(f"code:{account.credit_code}", []).append(account)
        for key in _name_keys(account):
            buckets.setdefault(f"name:{key}", []).append(account)
    for bucket in buckets.values():
        for index, first in enumerate(bucket):
            for second in bucket[index + 1 :]:
                if match_accounts(first, second) is not None:
                    parent[root(second.id)] = root(first.id)
    groups: dict[int, list[int]] = {}
    for account in accounts:
        groups.setdefault(root(account.id), []).append(account.id)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)
