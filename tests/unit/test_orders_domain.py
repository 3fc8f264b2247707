from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stapp.domain.errors import ValidationFailed
from stapp.domain.orders import (
    FINANCE_TYPE_LABELS,
    RTO_NO_TAX_REASON,
    FinanceRuleError,
    FinanceType,
    Line,
    LineKind,
    OrderSnapshot,
    OrderStatus,
    Plan,
    authorization_action,
    check_exchange,
    check_finance_plan,
    diff_orders,
    settlement_for_completion,
    validate_plan,
)

INSTALLMENT = Plan(code="INS", finance_type=FinanceType.INSTALLMENT)
RTO = Plan(code="RTO", finance_type=FinanceType.RTO)
REVOLVING = Plan(code="REV", finance_type=FinanceType.REVOLVING, max_deposit_bps=2500)


def line(key: str = "1", quantity: int = 1, price: int = 100_000, *, completed: bool = False, item: str = "") -> Line:
    name = item or f"item {key}"
    return Line(key, LineKind.EQUIPMENT, name, quantity=quantity, unit_price_cents=price, completed=completed)


def order(*lines: Line, **kwargs: Any) -> OrderSnapshot:
    kwargs.setdefault("tax_rate_bps", 825)
    return OrderSnapshot(lines=lines or (line(),), **kwargs)


# $1,000.00 at 8.25% tax: tax $82.50, total $1,082.50; without tax $1,000.00.
ORDER = order()


def check(o: OrderSnapshot = ORDER, **kwargs: Any) -> OrderSnapshot:
    args: dict[str, Any] = {
        "plan": INSTALLMENT,
        "approved_type": FinanceType.INSTALLMENT,
        "approved_amount_cents": 500_000,
        "amount_cents": 50_000,
        "as_deposit": False,
    }
    args.update(kwargs)
    return check_finance_plan(o, **args)


def refused(o: OrderSnapshot = ORDER, **kwargs: Any) -> FinanceRuleError:
    with pytest.raises(FinanceRuleError) as info:
        check(o, **kwargs)
    return info.value


# --- totals and statuses -------------------------------------------------------------------------


def test_the_example_order_totals_are_as_the_tests_assume():
    totals = (ORDER.subtotal_cents, ORDER.taxable_cents, ORDER.tax_cents, ORDER.total_cents)
    assert totals == (100_000, 100_000, 8_250, 108_250)


def test_a_line_amount_is_quantity_times_unit_price():
    assert line(quantity=3, price=1_999).amount_cents == 5_997


def test_subtotal_adds_every_line():
    o = order(line("1", 2, 1_000), line("2", 1, 250), tax_rate_bps=0)
    assert o.subtotal_cents == 2_250 and o.total_cents == 2_250


def test_tax_is_rounded_half_up_to_the_cent():
    assert order(line(price=1_010)).tax_cents == 83  # 8.25% of $10.10 = 83.325 cents
    assert order(line(price=200)).tax_cents == 17  # 16.5 cents rounds up


def test_tax_is_charged_on_the_subtotal_less_the_discount():
    o = order(line(price=10_000), discount_cents=1_000)
    assert o.taxable_cents == 9_000 and o.tax_cents == 743  # 742.5 rounds up
    assert o.total_cents == 10_000 - 1_000 + 743


def test_a_discount_of_the_whole_subtotal_leaves_nothing_taxable_and_a_zero_total():
    o = order(line(price=10_000), discount_cents=10_000)
    assert o.taxable_cents == 0 and o.tax_cents == 0 and o.total_cents == 0


def test_a_discount_larger_than_the_subtotal_is_refused():
    with pytest.raises(ValueError):
        order(line(price=10_000), discount_cents=10_001)


def test_a_negative_discount_is_refused():
    with pytest.raises(ValueError):
        order(discount_cents=-1)


def test_a_non_taxable_order_has_no_tax():
    o = order(non_taxable=True)
    assert o.taxable_cents == 0 and o.tax_cents == 0 and o.total_cents == 100_000


def test_without_tax_is_a_non_taxable_copy_that_leaves_the_original_alone():
    o = ORDER.without_tax()
    assert o.non_taxable is True and o.total_cents == ORDER.total_cents - ORDER.tax_cents
    assert ORDER.non_taxable is False and o.lines == ORDER.lines


@pytest.mark.parametrize(("quantity", "price"), [(0, 100), (-1, 100), (1, -1)])
def test_a_line_needs_a_positive_quantity_and_a_price_of_zero_or_more(quantity, price):
    with pytest.raises(ValueError):
        line(quantity=quantity, price=price)


def test_line_keys_must_be_unique():
    with pytest.raises(ValueError):
        order(line("1"), line("1"))


@pytest.mark.parametrize(
    ("completed", "cancelled", "status", "partial"),
    [
        ((False, False), False, OrderStatus.OPEN, False),
        ((True, False), False, OrderStatus.PARTIALLY_COMPLETED, True),
        ((True, True), False, OrderStatus.COMPLETED, False),
        ((True, False), True, OrderStatus.CANCELLED, True),
        ((True, True), True, OrderStatus.CANCELLED, False),
        ((False, False), True, OrderStatus.CANCELLED, False),
    ],
)
def test_status_follows_line_completion_and_cancellation(completed, cancelled, status, partial):
    o = order(*(line(str(i), completed=c) for i, c in enumerate(completed, 1)), cancelled=cancelled)
    assert o.status is status
    assert o.has_partial_completions is partial


def test_an_order_with_no_lines_is_open_not_completed():
    o = OrderSnapshot(lines=())
    assert o.status is OrderStatus.OPEN and o.has_partial_completions is False and o.total_cents == 0


# --- check_finance_plan --------------------------------------------------------------------------


def test_an_installment_plan_within_the_approval_and_balance_is_accepted_and_keeps_the_tax():
    after = check(amount_cents=108_250)
    assert after == ORDER and after.tax_cents == 8_250


def test_an_rto_plan_removes_the_sales_tax_from_the_order():
    after = check(plan=RTO, approved_type=FinanceType.RTO, amount_cents=100_000)
    assert after.non_taxable is True
    assert after.tax_cents == 0
    assert after.total_cents == ORDER.total_cents - ORDER.tax_cents == 100_000
    assert RTO_NO_TAX_REASON == "RTO"


def test_a_revolving_plan_keeps_the_tax():
    after = check(plan=REVOLVING, approved_type=FinanceType.REVOLVING, amount_cents=108_250)
    assert after.non_taxable is False and after.total_cents == 108_250


@pytest.mark.parametrize(
    "o",
    [
        order(cancelled=True),
        order(line("1", completed=True), line("2")),
        order(line("1", completed=True)),
    ],
    ids=["cancelled", "partially-completed", "completed"],
)
def test_finance_plans_can_be_added_only_to_open_orders(o):
    error = refused(o)
    assert error.rule == "order_not_open"
    assert error.message == "Finance plans can be added only to open orders."
    assert str(error) == error.message and isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("approved_type", "approved_amount"), [(None, 500_000), (FinanceType.INSTALLMENT, None), (None, None)]
)
def test_a_plan_needs_an_approved_application_with_a_type_and_an_amount(approved_type, approved_amount):
    error = refused(approved_type=approved_type, approved_amount_cents=approved_amount)
    assert (error.rule, error.message) == ("no_approval", "The customer has no approved financing application.")


def test_an_inactive_plan_is_refused():
    error = refused(plan=Plan(code="OLD", finance_type=FinanceType.INSTALLMENT, active=False))
    assert (error.rule, error.message) == ("plan_inactive", "This payment plan is not active.")


@pytest.mark.parametrize(
    ("plan", "approved"),
    [(p, t) for p in (INSTALLMENT, RTO, REVOLVING) for t in FinanceType if p.finance_type != t],
)
def test_the_plan_type_must_match_the_approved_type(plan, approved):
    error = refused(plan=plan, approved_type=approved)
    assert error.rule == "type_mismatch"
    assert error.message == f"The approved application allows {FINANCE_TYPE_LABELS[approved]} plans only."


def test_the_type_mismatch_message_names_the_approved_type():
    error = refused(plan=INSTALLMENT, approved_type=FinanceType.RTO)
    assert error.message == "The approved application allows RTO plans only."


@pytest.mark.parametrize("amount", [0, -1, -100_000])
def test_the_amount_must_be_greater_than_zero(amount):
    error = refused(amount_cents=amount)
    assert (error.rule, error.message) == ("amount", "Enter an amount greater than zero.")


@pytest.mark.parametrize("plan", [INSTALLMENT, RTO])
def test_installment_and_rto_plans_cannot_be_used_as_a_deposit(plan):
    error = refused(plan=plan, approved_type=plan.finance_type, amount_cents=100_000, as_deposit=True)
    assert error.rule == "deposit_not_allowed"
    assert error.message == "Installment and RTO plans cannot be used as a deposit."


def test_an_rto_plan_cannot_be_added_to_an_order_with_a_deposit():
    error = refused(order(deposits_cents=1), plan=RTO, approved_type=FinanceType.RTO, amount_cents=100_000)
    assert error.rule == "rto_deposit"
    assert error.message == "An RTO plan cannot be added to an order with a deposit applied."


def test_an_installment_plan_may_be_added_to_an_order_with_a_deposit():
    assert check(order(deposits_cents=8_250), amount_cents=100_000).deposits_cents == 8_250


@pytest.mark.parametrize("amount", [99_999, 100_001, 108_250])
def test_an_rto_plan_must_finance_the_whole_order_without_tax(amount):
    error = refused(plan=RTO, approved_type=FinanceType.RTO, amount_cents=amount)
    assert error.rule == "rto_full_amount"
    assert error.message == "An RTO plan must finance the whole order ($1,000.00)."


def test_the_amount_cannot_exceed_the_approved_amount():
    error = refused(approved_amount_cents=50_000, amount_cents=50_001)
    assert (error.rule, error.message) == ("over_approved", "The amount exceeds the approved amount of $500.00.")
    assert check(approved_amount_cents=50_000, amount_cents=50_000) == ORDER


def test_the_amount_cannot_exceed_the_balance_after_deposits_and_other_financing():
    o = order(deposits_cents=8_250)
    error = refused(o, amount_cents=50_001, already_financed_cents=50_000)  # balance 108,250 - 8,250 - 50,000
    assert (error.rule, error.message) == ("over_balance", "The amount exceeds the order balance of $500.00.")
    assert check(o, amount_cents=50_000, already_financed_cents=50_000) == o


def test_an_rto_balance_is_measured_on_the_order_without_tax():
    error = refused(plan=RTO, approved_type=FinanceType.RTO, amount_cents=100_000, already_financed_cents=1)
    assert (error.rule, error.message) == ("over_balance", "The amount exceeds the order balance of $999.99.")


def test_a_revolving_deposit_is_limited_to_the_plans_maximum_percentage():
    args = {"plan": REVOLVING, "approved_type": FinanceType.REVOLVING, "as_deposit": True}
    error = refused(amount_cents=27_064, **args)  # 25% of $1,082.50 = 270.625 -> $270.63
    assert error.rule == "deposit_percentage"
    assert error.message == "As a deposit, this plan may cover at most 25.00% of the order ($270.63)."
    assert check(amount_cents=27_063, **args) == ORDER


def test_the_deposit_percentage_shows_two_decimals():
    plan = Plan(code="R", finance_type=FinanceType.REVOLVING, max_deposit_bps=1_250)
    error = refused(plan=plan, approved_type=FinanceType.REVOLVING, as_deposit=True, amount_cents=20_000)
    assert error.message == "As a deposit, this plan may cover at most 12.50% of the order ($135.31)."


def test_a_revolving_plan_with_no_deposit_percentage_cannot_be_a_deposit():
    plan = Plan(code="R", finance_type=FinanceType.REVOLVING)
    error = refused(plan=plan, approved_type=FinanceType.REVOLVING, as_deposit=True, amount_cents=1)
    assert error.message == "As a deposit, this plan may cover at most 0.00% of the order ($0.00)."


def test_the_deposit_percentage_does_not_limit_a_revolving_plan_that_is_not_a_deposit():
    assert check(plan=REVOLVING, approved_type=FinanceType.REVOLVING, amount_cents=108_250) == ORDER


def _walk(state: dict[str, Any], fixes: list[tuple[str, dict[str, Any]]]) -> None:
    """Each failing rule is reported until it is fixed, then the next one in the documented order, then success."""

    def call() -> tuple[OrderSnapshot, dict[str, Any]]:
        o = OrderSnapshot(
            lines=state["lines"], tax_rate_bps=825, cancelled=state["cancelled"], deposits_cents=state["deposits"]
        )
        return o, {k: v for k, v in state.items() if k not in ("lines", "cancelled", "deposits")}

    for rule, fix in fixes:
        o, args = call()
        assert refused(o, **args).rule == rule
        state.update(fix)
    o, args = call()
    check(o, **args)


def test_rules_for_an_rto_plan_are_checked_in_the_documented_order():
    state: dict[str, Any] = {
        "lines": (line(),), "cancelled": True, "deposits": 8_250,
        "plan": Plan(code="RTO", finance_type=FinanceType.RTO, active=False),
        "approved_type": None, "approved_amount_cents": None, "amount_cents": 0, "as_deposit": True,
        "already_financed_cents": 1,
    }  # fmt: skip
    _walk(
        state,
        [
            ("order_not_open", {"cancelled": False}),
            ("no_approval", {"approved_type": FinanceType.INSTALLMENT, "approved_amount_cents": 50}),
            ("plan_inactive", {"plan": RTO}),
            ("type_mismatch", {"approved_type": FinanceType.RTO}),
            ("amount", {"amount_cents": 108_250}),
            ("deposit_not_allowed", {"as_deposit": False}),
            ("rto_deposit", {"deposits": 0}),
            ("rto_full_amount", {"amount_cents": 100_000}),
            ("over_approved", {"approved_amount_cents": 100_000}),
            ("over_balance", {"already_financed_cents": 0}),
        ],
    )


def test_rules_for_a_revolving_plan_are_checked_in_the_documented_order():
    state: dict[str, Any] = {
        "lines": (line("1", completed=True), line("2", price=0)), "cancelled": False, "deposits": 0,
        "plan": Plan(code="REV", finance_type=FinanceType.REVOLVING, max_deposit_bps=2500, active=False),
        "approved_type": None, "approved_amount_cents": None, "amount_cents": -5, "as_deposit": True,
        "already_financed_cents": 60_000,
    }  # fmt: skip
    _walk(
        state,
        [
            ("order_not_open", {"lines": (line(),)}),
            ("no_approval", {"approved_type": FinanceType.INSTALLMENT, "approved_amount_cents": 100}),
            ("plan_inactive", {"plan": REVOLVING}),
            ("type_mismatch", {"approved_type": FinanceType.REVOLVING}),
            ("amount", {"amount_cents": 60_000}),
            ("over_approved", {"approved_amount_cents": 200_000}),
            ("over_balance", {"already_financed_cents": 0}),
            ("deposit_percentage", {"amount_cents": 27_063}),
        ],
    )


# --- validate_plan -------------------------------------------------------------------------------

GOOD_PLAN = {"code": "rev12", "description": "Revolving 12 months", "finance_type": "revolving",
             "max_deposit_pct": "25.5", "active": "on"}  # fmt: skip


def plan_errors(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        validate_plan({**GOOD_PLAN, **changes})
    return info.value.errors


def test_a_valid_plan_form_comes_back_clean_with_an_upper_case_code_and_basis_points():
    clean = validate_plan(GOOD_PLAN)
    assert clean["code"] == "REV12" and clean["description"] == "Revolving 12 months"
    assert clean["finance_type"] is FinanceType.REVOLVING
    assert clean["max_deposit_bps"] == 2550 and clean["active"] is True


@pytest.mark.parametrize(
    ("text", "bps"), [("", 0), ("0", 0), ("0.00", 0), ("7", 700), ("12.5", 1250), ("0.01", 1), ("100.00", 10_000)]
)
def test_the_maximum_deposit_percentage_becomes_basis_points(text, bps):
    assert validate_plan({**GOOD_PLAN, "max_deposit_pct": text})["max_deposit_bps"] == bps


def test_an_unchecked_active_box_means_inactive():
    assert validate_plan({k: v for k, v in GOOD_PLAN.items() if k != "active"})["active"] is False


@pytest.mark.parametrize("finance_type", ["installment", "rto"])
@pytest.mark.parametrize("text", ["", "0", "0.00"])
def test_installment_and_rto_plans_accept_only_a_zero_deposit_percentage(finance_type, text):
    clean = validate_plan({**GOOD_PLAN, "finance_type": finance_type, "max_deposit_pct": text})
    assert clean["max_deposit_bps"] == 0 and clean["finance_type"] == finance_type


@pytest.mark.parametrize("finance_type", ["installment", "rto"])
def test_installment_and_rto_plans_refuse_a_non_zero_deposit_percentage(finance_type):
    errors = plan_errors(finance_type=finance_type, max_deposit_pct="0.01")
    assert errors == {
        "max_deposit_pct": "Maximum Percentage When Used as a Deposit is fixed at 0.00 for Installment and RTO plans."
    }


PCT_RANGE = "Maximum Percentage When Used as a Deposit must be between 0.00 and 100.00 with at most two decimals."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "Code is required."),
        ("code", "ABCDEF", "Code must be 1 to 5 letters or digits."),
        ("code", "A-1", "Code must be 1 to 5 letters or digits."),
        ("code", "ÄB", "Code must be 1 to 5 letters or digits."),
        ("description", "", "Description is required."),
        ("description", "x" * 51, "Description must be at most 50 characters."),
        ("finance_type", "", "Finance Type is required."),
        ("finance_type", "lease", "Choose a valid finance type."),
        ("max_deposit_pct", "100.01", PCT_RANGE),
        ("max_deposit_pct", "1000", PCT_RANGE),
        ("max_deposit_pct", "-1", PCT_RANGE),
        ("max_deposit_pct", "1.005", PCT_RANGE),
        ("max_deposit_pct", "ten", PCT_RANGE),
        ("max_deposit_pct", "25%", PCT_RANGE),
        ("max_deposit_pct", "\u0665", PCT_RANGE),
    ],
)
def test_each_plan_field_is_validated(field, value, message):
    assert plan_errors(**{field: value}) == {field: message}


def test_the_boundaries_of_code_and_description_are_accepted():
    clean = validate_plan({**GOOD_PLAN, "code": "a", "description": "x" * 50})
    assert clean["code"] == "A" and len(clean["description"]) == 50


def test_every_plan_field_error_is_reported_at_once():
    errors = plan_errors(code="TOOLONG", description="", finance_type="x", max_deposit_pct="200")
    assert set(errors) == {"code", "description", "finance_type", "max_deposit_pct"}


def test_a_plan_form_that_is_not_a_mapping_is_rejected_field_by_field():
    with pytest.raises(ValidationFailed) as info:
        validate_plan(None)  # type: ignore[arg-type]
    assert set(info.value.errors) == {"code", "description", "finance_type"}


# --- authorization_action ------------------------------------------------------------------------

OPEN = order(line("1"), line("2"))
PARTIAL = order(line("1", completed=True), line("2"))
COMPLETED = order(line("1", completed=True), line("2", completed=True))
CANCELLED = order(line("1"), line("2"), cancelled=True)


@pytest.mark.parametrize(
    ("o", "finance_type", "action"),
    [
        (OPEN, FinanceType.INSTALLMENT, "reauthorize"),
        (OPEN, FinanceType.RTO, "reauthorize"),
        (OPEN, FinanceType.REVOLVING, "none"),
        (OPEN, None, "none"),
        (PARTIAL, FinanceType.INSTALLMENT, "adjust"),
        (PARTIAL, FinanceType.RTO, "adjust"),
        (PARTIAL, FinanceType.REVOLVING, "none"),
        (PARTIAL, None, "none"),
        (COMPLETED, FinanceType.INSTALLMENT, "none"),
        (COMPLETED, FinanceType.RTO, "none"),
        (COMPLETED, FinanceType.REVOLVING, "none"),
        (COMPLETED, None, "none"),
        (CANCELLED, FinanceType.INSTALLMENT, "none"),
        (CANCELLED, FinanceType.RTO, "none"),
        (CANCELLED, FinanceType.REVOLVING, "none"),
        (CANCELLED, None, "none"),
    ],
)
def test_a_monetary_change_triggers_the_right_authorization_action(o, finance_type, action):
    assert authorization_action(o, finance_type) == action


# --- diff_orders ---------------------------------------------------------------------------------


def test_an_unchanged_order_has_no_differences():
    assert diff_orders(OPEN, order(line("1"), line("2"))) == []


def test_completing_a_line_is_not_a_monetary_difference():
    assert diff_orders(OPEN, PARTIAL) == []


def test_a_quantity_change_reports_the_quantity_tax_and_total():
    after = order(line("1", quantity=2, item="Panel"), line("2"))
    assert diff_orders(order(line("1", item="Panel"), line("2")), after) == [
        {"what": "quantity", "item": "Panel", "before": 1, "after": 2},
        {"what": "tax", "item": "", "before": 16_500, "after": 24_750},
        {"what": "total", "item": "", "before": 216_500, "after": 324_750},
    ]


def test_a_unit_price_change_is_reported_in_cents():
    before = order(line("1", price=1_000, item="Sensor"), tax_rate_bps=0)
    after = order(line("1", price=1_250, item="Sensor"), tax_rate_bps=0)
    assert diff_orders(before, after) == [
        {"what": "unit price", "item": "Sensor", "before": 1_000, "after": 1_250},
        {"what": "total", "item": "", "before": 1_000, "after": 1_250},
    ]


def test_an_added_and_a_removed_line_are_reported_with_their_amounts():
    before = order(line("1", price=500, item="Old"), line("2", price=100), tax_rate_bps=0)
    after = order(line("2", price=100), line("3", quantity=2, price=300, item="New"), tax_rate_bps=0)
    assert diff_orders(before, after) == [
        {"what": "line removed", "item": "Old", "before": 500, "after": 0},
        {"what": "line added", "item": "New", "before": 0, "after": 600},
        {"what": "total", "item": "", "before": 600, "after": 700},
    ]


def test_a_discount_change_is_reported_with_its_effect_on_tax_and_total():
    after = order(discount_cents=10_000)
    assert diff_orders(ORDER, after) == [
        {"what": "discount", "item": "", "before": 0, "after": 10_000},
        {"what": "tax", "item": "", "before": 8_250, "after": 7_425},
        {"what": "total", "item": "", "before": 108_250, "after": 97_425},
    ]


def test_removing_the_tax_is_reported():
    assert diff_orders(ORDER, ORDER.without_tax()) == [
        {"what": "tax", "item": "", "before": 8_250, "after": 0},
        {"what": "total", "item": "", "before": 108_250, "after": 100_000},
    ]


def test_line_differences_come_in_key_order_numbers_by_value_before_discount_tax_and_total():
    before = order(line("10", price=100), line("9", price=100), tax_rate_bps=0)
    after = order(line("9", price=200), line("10", price=300), discount_cents=50, tax_rate_bps=0)
    assert [(d["what"], d["item"]) for d in diff_orders(before, after)] == [
        ("unit price", "item 9"), ("unit price", "item 10"), ("discount", ""), ("total", ""),
    ]  # fmt: skip


def test_a_quantity_and_price_change_that_keeps_the_amount_reports_both_but_no_total():
    before = order(line("1", quantity=2, price=500), tax_rate_bps=0)
    after = order(line("1", quantity=1, price=1_000), tax_rate_bps=0)
    assert [d["what"] for d in diff_orders(before, after)] == ["quantity", "unit price"]


# --- settlement_for_completion -------------------------------------------------------------------


def settle(financed: int, lines: tuple[Line, ...], keys: set[str], settled: int) -> int:
    return settlement_for_completion(
        financed_cents=financed, lines=lines, completed_keys=frozenset(keys), already_settled_cents=settled
    )


def test_partial_settlements_follow_the_value_of_the_completed_lines():
    lines = (line("1", price=3_000), line("2", price=7_000))
    first = settle(100_000, lines, {"1"}, 0)
    assert first == 30_000
    assert settle(100_000, lines, {"1", "2"}, first) == 70_000


def test_partial_settlements_round_half_up_and_finish_exactly():
    lines = (line("1"), line("2"), line("3"))
    amounts = []
    for done in ({"1"}, {"1", "2"}, {"1", "2", "3"}):
        amounts.append(settle(100, lines, done, sum(amounts)))
    assert amounts == [33, 34, 33]  # 33.33 -> 33, 66.67 -> 67, then the rest


def test_a_settlement_rounds_a_half_cent_up():
    assert settle(1, (line("1"), line("2")), {"1"}, 0) == 1


def test_zero_value_lines_settle_nothing_until_the_order_is_complete():
    lines = (line("1", price=0), line("2", price=0))
    assert settle(5_000, lines, {"1"}, 0) == 0
    assert settle(5_000, lines, {"1", "2"}, 0) == 5_000


def test_the_last_lines_settle_the_whole_remainder_even_if_they_are_free():
    lines = (line("1", price=1_000), line("2", price=0))
    assert settle(999, lines, {"1"}, 0) == 999
    assert settle(999, lines, {"1", "2"}, 999) == 0


def test_a_settlement_is_never_negative_when_more_was_settled():
    assert settle(1_000, (line("1"), line("2")), {"1"}, 900) == 0


def test_keys_of_unknown_lines_are_ignored():
    assert settle(1_000, (line("1"), line("2")), {"x"}, 0) == 0


def test_a_negative_financed_amount_is_refused():
    with pytest.raises(ValueError):
        settle(-1, (line(),), {"1"}, 0)


PRICES = st.one_of(st.just(0), st.integers(0, 100), st.integers(0, 5_000_000))


@given(
    prices=st.lists(st.tuples(st.integers(1, 50), PRICES), min_size=1, max_size=10),
    financed=st.one_of(st.just(0), st.integers(0, 100), st.integers(0, 100_000_000)),
    data=st.data(),
)
def test_settlements_never_go_negative_never_exceed_and_end_exactly_at_the_financed_amount(prices, financed, data):
    lines = tuple(line(str(i), quantity=q, price=p) for i, (q, p) in enumerate(prices))
    keys = data.draw(st.permutations([ln.key for ln in lines]), label="completion order")
    cuts = sorted(data.draw(st.sets(st.integers(1, len(keys) - 1)), label="group cuts")) if len(keys) > 1 else []
    groups = [keys[a:b] for a, b in zip([0, *cuts], [*cuts, len(keys)], strict=True)]
    completed: set[str] = set()
    settled = 0
    for group in groups:
        completed |= set(group)
        amount = settle(financed, lines, completed, settled)
        assert amount >= 0
        settled += amount
        assert settled <= financed
    assert settled == financed
    assert settle(financed, lines, completed, settled) == 0  # nothing more once complete


# --- totals property -----------------------------------------------------------------------------


@given(
    prices=st.lists(st.tuples(st.integers(1, 100), PRICES), max_size=10),
    discount_share=st.integers(0, 10_000),
    rate=st.integers(0, 2_000),
    non_taxable=st.booleans(),
)
def test_total_is_subtotal_less_discount_plus_tax_for_any_order(prices, discount_share, rate, non_taxable):
    lines = tuple(line(str(i), quantity=q, price=p) for i, (q, p) in enumerate(prices))
    subtotal = sum(q * p for q, p in prices)
    discount = subtotal * discount_share // 10_000
    o = OrderSnapshot(lines=lines, discount_cents=discount, tax_rate_bps=rate, non_taxable=non_taxable)
    assert o.subtotal_cents == subtotal
    assert o.total_cents == o.subtotal_cents - o.discount_cents + o.tax_cents
    assert o.tax_cents >= 0 and o.taxable_cents >= 0 and o.total_cents >= 0
    assert o.taxable_cents == (0 if non_taxable else subtotal - discount)
    assert isinstance(o.tax_cents, int)
    assert o.without_tax().total_cents == o.subtotal_cents - o.discount_cents


# --- check_exchange ------------------------------------------------------------------------------


@pytest.mark.parametrize("finance_type", [FinanceType.INSTALLMENT, FinanceType.RTO])
def test_an_exchange_is_allowed_when_the_original_order_was_financed_with_installment_or_rto(finance_type):
    assert check_exchange(finance_type, split=False) is None


@pytest.mark.parametrize("finance_type", [FinanceType.REVOLVING, None])
@pytest.mark.parametrize("split", [False, True])
def test_an_exchange_needs_an_original_order_financed_with_installment_or_rto(finance_type, split):
    with pytest.raises(FinanceRuleError) as info:
        check_exchange(finance_type, split=split)
    assert info.value.rule == "exchange_type"
    assert info.value.message == (
        "Exchanges on a financed order need the original order to be financed with an Installment or RTO plan."
    )


@pytest.mark.parametrize("finance_type", [FinanceType.INSTALLMENT, FinanceType.RTO])
def test_split_exchange_is_not_available_for_installment_or_rto_orders(finance_type):
    with pytest.raises(FinanceRuleError) as info:
        check_exchange(finance_type, split=True)
    assert info.value.rule == "split_exchange"
    assert info.value.message == "Split Exchange is not available for orders financed with Installment or RTO plans."
