import pytest

from stapp.domain.permissions import Grants, Permission, parse_permission

AUSTIN, DALLAS = 1, 2


def test_permission_names_are_the_documents_names():
    names = {p.value for p in Permission}
    assert "Consumer Financing Applications: Manage" in names
    assert "Company Accounting and Funding: View" in names
    assert {f"Funding Details: {a}" for a in ("View", "Create", "Modify", "Delete")} <= names
    assert {f"Integrations: {a}" for a in ("View", "Create", "Modify")} <= names
    assert "Users and Groups: Manage" in names


def test_a_grant_for_chosen_locations_holds_only_there():
    grants = Grants.from_rows([(Permission.CUSTOMERS_VIEW.value, AUSTIN)])
    assert grants.allows(Permission.CUSTOMERS_VIEW, AUSTIN)
    assert not grants.allows(Permission.CUSTOMERS_VIEW, DALLAS)
    assert grants.allows(Permission.CUSTOMERS_VIEW)  # somewhere
    assert not grants.allows(Permission.CUSTOMERS_CREATE, AUSTIN)
    assert grants.locations(Permission.CUSTOMERS_VIEW) == frozenset({AUSTIN})
    assert grants.locations(Permission.FUNDING_DETAILS_VIEW) == frozenset()


def test_an_all_locations_grant_from_any_group_wins_over_chosen_ones():
    grants = Grants.from_rows([(Permission.CUSTOMERS_VIEW.value, AUSTIN), (Permission.CUSTOMERS_VIEW.value, None)])
    assert grants.locations(Permission.CUSTOMERS_VIEW) is None
    assert grants.allows(Permission.CUSTOMERS_VIEW, DALLAS)


def test_groups_merge_their_locations():
    grants = Grants.from_rows([(Permission.FUNDING_DETAILS_VIEW.value, AUSTIN), (Permission.FUNDING_DETAILS_VIEW.value, DALLAS)])
    assert grants.locations(Permission.FUNDING_DETAILS_VIEW) == frozenset({AUSTIN, DALLAS})


def test_company_level_permissions_ignore_locations():
    grants = Grants.from_rows([(Permission.USERS_AND_GROUPS_MANAGE.value, AUSTIN)])
    assert grants.locations(Permission.USERS_AND_GROUPS_MANAGE) is None


def test_unknown_permission_rows_grant_nothing():
    grants = Grants.from_rows([("Launch Missiles: Yes", None)])
    assert grants.by_permission == {}


@pytest.mark.parametrize("value", ["nope", None, 3, {"$gt": ""}])
def test_parse_permission_refuses_unknown_values(value):
    with pytest.raises(ValueError):
        parse_permission(value)
