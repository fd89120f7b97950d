"""Each report costs the same number of queries for a small tree and a ten times larger one."""
from __future__ import annotations

import datetime as dt

from lms.orgs.operations import move_unit
from lms.reports.queries import Filters, overview, roll_up
from tests.reports.conftest import count_queries, sent_to_study, training_class

PERIOD = Filters(dt.date(2014, 1, 1), dt.date(2030, 12, 31))


def _grow(make, fed, uppers, grassroots_per_upper: int, cadres_per_unit: int, start: int):
    cadres, units = [], []
    for u, upper in enumerate(uppers):
        for g in range(grassroots_per_upper):
            unit = make.unit(f"Công đoàn cơ sở {start}-{u}-{g}", parent=upper)
            units.append(unit)
            cadres += [make.cadre(unit=unit) for _ in range(cadres_per_unit)]
    training_class(fed, dt.date(2016, 5, 1), cadres)
    sent_to_study(cadres[0], "masters", dt.date(2016, 9, 1), dt.date(2018, 6, 1))
    return units


def _counts(users, fed, upper, grassroots, client=None):
    counts = {}
    if client is not None:
        for url in ("/reports/overview", f"/reports/units/{fed.id}", f"/reports/units/{grassroots.id}",
                    f"/reports/units/{fed.id}?table=units&format=xlsx"):
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts[url] = len(statements)
    for name, call in {
        "overview admin": lambda: overview(users["admin"]),
        "overview admin as of": lambda: overview(users["admin"], as_of=dt.date(2022, 1, 1)),
        "overview union as of": lambda: overview(users["union"], as_of=dt.date(2022, 1, 1)),
        "overview union": lambda: overview(users["union"]),
        "roll-up federation": lambda: roll_up(users["admin"], fed, PERIOD),
        "roll-up upper": lambda: roll_up(users["union"], upper, PERIOD),
        "roll-up grassroots": lambda: roll_up(users["union"], grassroots, PERIOD),
    }.items():
        with count_queries() as statements:
            call()
        counts[name] = len(statements)
    return counts


def test_query_counts_do_not_grow_with_the_tree(make, client, auth):
    from lms.plans import operations as plans

    fed = make.unit("Liên đoàn Lao động tỉnh", code="QC-FED")
    uppers = [make.unit(f"Công đoàn cấp trên {i}", parent=fed) for i in range(2)]
    spare = make.unit("Công đoàn cấp trên dự phòng", parent=fed)
    users = {"admin": make.user("qc_admin", role="federation_admin"),
             "union": make.user("qc_union", role="union_admin", unit=uppers[0])}
    plan = plans.create_plan(plans.PlanData("Kế hoạch thử"), users["admin"])
    from tests.reports.test_rollup import _course

    course = _course("QC-KHOA", users["admin"])
    plans.create_assignment(plan, plans.AssignmentData([course], due_on=dt.date(2024, 12, 31),
                                                       starts_on=dt.date(2024, 1, 1)), users["admin"])

    first = _grow(make, fed, uppers, 1, 2, 0)[0]
    move_unit(first, spare, dt.date(2023, 1, 1))  # a move after the "as of" date: the scope is rebuilt
    move_unit(first, uppers[0], dt.date(2023, 6, 1))
    auth.login("qc_admin")
    small = _counts(users, fed, uppers[0], first, client)

    _grow(make, fed, uppers, 10, 2, 1)  # 11 grassroots unions per upper, 10x the cadres and attendances
    large = _counts(users, fed, uppers[0], first, client)
    print(small)
    assert large == small
    assert max(small.values()) <= 30, small
