"""Company-name normalisation, credit-code validation and account matching."""

from __future__ import annotations

import pytest

from wbs.account_match import (
    CREDIT_CODE_ALPHABET,
    AccountIdentity,
    credit_code_check_character,
    credit_code_problem,
    duplicate_groups,
    is_valid_credit_code,
    match_accounts,
    matching_accounts,
    name_key,
    normalise_name,
)


def code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


HUAWEI_CODE = code("91440300" + "192203821")


@pytest.mark.parametrize(
    "variant",
    [
        "华为技术有限公司",
        "华为技术股份有限公司",
        "华为技术有限责任公司",
        "华为技术有限公司深圳分公司",
        "华为技术有限公司（深圳分公司）",
        "华为技术有限公司北京办事处",
        "华为技术上海市浦东新区办事处",
        "华为技术北京市海淀区分公司",
        "华为技术（有限公司）",
        "华为技术(有限公司)",
        "华为技术 有限公司",
        "  华为技术有限公司  ",
        "华为技术集团有限公司",
        "华为技术公司",
        "华为技术有限公司广东省分公司",
    ],
)
def test_chinese_variants_of_one_company_share_a_key(variant):
    assert normalise_name(variant) == "华为技术"


@pytest.mark.parametrize(
    "variant",
    [
        "Huawei Technologies Co., Ltd.",
        "HUAWEI TECHNOLOGIES CO LTD",
        "Huawei Technologies Co. Ltd",
        "Huawei Technologies Company Limited",
        "Huawei Technologies Ltd",
        "Huawei Technologies Inc.",
        "Huawei Technologies Corp.",
        "Huawei Technologies Co., Ltd. Beijing Branch",
        "Huawei Technologies Co., Ltd. (Shenzhen Branch)",
        "Huawei Technologies Beijing Branch",
        "Ｈｕａｗｅｉ　Ｔｅｃｈｎｏｌｏｇｉｅｓ　Ｃｏ．，Ｌｔｄ．",
        "huawei technologies co.,ltd",
    ],
)
def test_english_and_full_width_variants_share_a_key(variant):
    assert normalise_name(variant) == "huaweitechnologies"


def test_full_width_latin_inside_a_chinese_name_is_folded():
    assert (
        normalise_name("ＡＢＣ科技有限公司") == normalise_name("abc科技股份有限公司") == "abc科技"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("华为", "华为技术"),
        ("华为技术有限公司", "华润（集团）有限公司"),
        ("华为有限公司", "华润有限公司"),
        ("中国电信股份有限公司", "中国移动通信集团有限公司"),
        ("东海市轨道交通集团有限公司", "东海市城市建设投资集团有限公司"),
        ("Siemens AG", "Siemens Energy AG"),
        ("华为技术有限公司", "华为终端有限公司"),
    ],
)
def test_different_companies_keep_different_keys(first, second):
    assert normalise_name(first) != normalise_name(second)


def test_branches_are_flagged_and_keep_their_head_office_key():
    branch = name_key("中国电信股份有限公司北京分公司")
    head = name_key("中国电信股份有限公司")
    assert branch.is_branch and not head.is_branch
    assert branch.key == head.key == "中国电信"
    assert name_key("招商银行股份有限公司深圳分行").key == "招商银行"
    assert name_key("中国人寿保险股份有限公司广东省分公司").key == "中国人寿保险"
    assert name_key("中国人寿保险广东省分公司").key == "中国人寿保险"
    assert name_key("上海浦东发展银行上海市浦东新区办事处").key == "上海浦东发展银行"


def test_a_bare_legal_form_never_becomes_an_empty_key():
    assert normalise_name("有限公司") == "有限公司"
    assert normalise_name("Co., Ltd.") != ""


def test_credit_code_check_character_of_known_demo_codes():
    # from app.demo.data (GB 32100-2015 computed independently there)
    from app.demo.data import ACCOUNTS

    for account in ACCOUNTS:
        assert is_valid_credit_code(account.credit_code), account.credit_code


def test_every_wrong_check_character_is_refused():
    body = "91310115660784232"
    right = credit_code_check_character(body)
    assert is_valid_credit_code(body + right)
    for char in CREDIT_CODE_ALPHABET:
        if char != right:
            assert not is_valid_credit_code(body + char)


@pytest.mark.parametrize(
    ("candidate", "fragment"),
    [
        ("9131011566078423", "18 characters"),
        ("91310115660784232XX", "18 characters"),
        ("9131011566078423IX", "without I, O, S, V, Z"),
        ("91A10115660784232X", "6-digit division"),
        ("91310115660784232x", "without I, O, S, V, Z"),
    ],
)
def test_malformed_codes_say_why(candidate, fragment):
    problem = credit_code_problem(candidate)
    assert problem is not None and fragment in problem


def test_check_character_needs_seventeen_characters():
    with pytest.raises(ValueError, match="17"):
        credit_code_check_character("9131")


def account(account_id, name, credit_code=None, name_en=None):
    names = tuple(n for n in (name, name_en) if n)
    return AccountIdentity(account_id, names, credit_code)


def test_same_code_matches_whatever_the_names():
    first = account(1, "华为技术有限公司", HUAWEI_CODE)
    renamed = account(2, "华为终端有限公司", HUAWEI_CODE)
    assert match_accounts(first, renamed) == "credit_code"


def test_names_decide_when_a_code_is_missing():
    first = account(1, "华为技术有限公司", HUAWEI_CODE)
    second = account(2, "华为技术股份有限公司")
    assert match_accounts(first, second) == "name"
    assert match_accounts(second, first) == "name"
    assert match_accounts(account(3, "华为"), account(4, "华为技术")) is None
    assert match_accounts(account(3, "华为技术有限公司"), account(4, "华润有限公司")) is None


def test_different_codes_are_different_entities_unless_one_is_a_branch():
    other_code = code("91440300" + "708461136")
    head = account(1, "华为技术有限公司", HUAWEI_CODE)
    same_name_other_entity = account(2, "华为技术股份有限公司", other_code)
    branch = account(3, "华为技术有限公司深圳分公司", other_code)
    assert match_accounts(head, same_name_other_entity) is None
    assert match_accounts(head, branch) == "branch"


def test_english_names_match_across_accounts():
    first = account(1, "华为技术有限公司", name_en="Huawei Technologies Co., Ltd.")
    second = account(2, "华为科技", name_en="HUAWEI TECHNOLOGIES CO LTD")
    assert match_accounts(first, second) == "name"


def test_matching_accounts_skips_the_account_itself():
    me = account(1, "华为技术有限公司")
    others = [me, account(2, "华为技术股份有限公司"), account(3, "华润有限公司")]
    assert [(a.id, reason) for a, reason in matching_accounts(me, others)] == [(2, "name")]


def test_duplicate_groups_are_transitive_and_sorted():
    accounts = [
        account(5, "华为技术有限公司"),
        account(2, "华为技术股份有限公司深圳分公司"),
        account(
            9, "ＨＵＡＷＥＩ科技", name_en="Huawei Technologies Co., Ltd.", credit_code=HUAWEI_CODE
        ),
        account(7, "华为技术（有限公司）", name_en="Huawei Technologies"),
        account(3, "华润（集团）有限公司"),
        account(4, "华润有限公司"),
        account(1, "华为"),
        account(8, "中国电信股份有限公司"),
    ]
    assert duplicate_groups(accounts) == [[2, 5, 7, 9], [3, 4]]


def test_no_duplicates_among_distinct_accounts():
    assert duplicate_groups([account(1, "华为"), account(2, "华润"), account(3, "华为技术")]) == []
