"""The term figures of the overview: in-person classes and attendances, cadres sent to study by kind."""
from __future__ import annotations

import datetime as dt
import re

from lms.cadres.operations import transfer
from lms.reports.queries import default_term, overview, term_setting, today
from tests.conftest import html_text
from tests.reports.conftest import sent_to_study, training_class

TERM = (dt.date(2014, 1, 1), dt.date(2019, 12, 31))


def _province(province, make):
    old = dt.date(2013, 1, 1)
    for key in ("fed", "upper_a", "upper_b", "biz", "pub"):
        province[key].active_from = old
    people = {
        "a": province["cadre_a"], "b": province["cadre_b"],
        "c": make.cadre("Lý Văn Chiến", unit=province["biz"], start_on=old),
        "d": make.cadre("Đỗ Thị Duyên", unit=province["pub"], start_on=old),
    }
    for membership_owner in (people["a"], people["b"]):
        from lms.cadres.models import Membership
        from lms.core.db import db
        from sqlalchemy import update

        db.session.execute(update(Membership).where(Membership.cadre_id == membership_owner.id).values(start_on=old))
    return people


def test_classes_attendances_and_studies_in_the_term(province, make):
    p = _province(province, make)
    training_class(province["fed"], dt.date(2014, 3, 10), [p["a"], p["b"], p["c"]])
    training_class(province["upper_a"], dt.date(2016, 5, 2), [p["a"], p["c"]], days=2)
    training_class(province["upper_b"], dt.date(2019, 12, 31), [p["b"], p["d"]])
    training_class(province["upper_b"], dt.date(2013, 12, 31), [p["b"]])   # before the term
    training_class(province["upper_a"], dt.date(2020, 1, 1), [p["a"]])     # after it
    sent_to_study(p["a"], "masters", dt.date(2015, 9, 1), dt.date(2017, 6, 30))
    sent_to_study(p["c"], "political_advanced", dt.date(2018, 9, 1), dt.date(2020, 6, 30))  # sent in the term
    sent_to_study(p["b"], "political_intermediate", dt.date(2016, 1, 4), dt.date(2016, 12, 20))
    sent_to_study(p["d"], "political_intermediate", dt.date(2012, 1, 4), dt.date(2012, 12, 20))  # before
    sent_to_study(p["d"], "masters", dt.date(2020, 9, 1), dt.date(2022, 6, 30))  # after

    admin = province["users"]["admin"]
    data = overview(admin, term=TERM)
    assert (data.classes, data.attendances) == (3, 7)
    assert (data.studied("masters"), data.studied("political_advanced"), data.studied("political_intermediate")) == (1, 1, 1)

    union = overview(province["users"]["union"], term=TERM)  # KCN: organised one class; a and c are its cadres
    assert (union.classes, union.attendances) == (1, 2)
    assert (union.studied("masters"), union.studied("political_advanced"), union.studied("political_intermediate")) == (1, 1, 0)
    other = overview(province["users"]["other_union"], term=TERM)
    assert (other.classes, other.attendances) == (1, 2)
    assert other.studied("political_intermediate") == 1

    wider = overview(admin, term=(dt.date(2013, 1, 1), dt.date(2020, 12, 31)))
    assert (wider.classes, wider.attendances) == (5, 9)
    assert wider.studied("masters") == 2


def test_a_study_counts_where_the_cadre_was_when_sent(province, make):
    p = _province(province, make)
    sent_to_study(p["c"], "masters", dt.date(2016, 9, 1), dt.date(2018, 6, 30))
    transfer(p["c"], province["pub"], dt.date(2021, 1, 1))  # now in the other subtree
    assert overview(province["users"]["union"], term=TERM).studied("masters") == 1
    assert overview(province["users"]["other_union"], term=TERM).studied("masters") == 0


def test_the_reports_open_on_the_year_until_a_federation_admin_sets_the_term(province, make, client, auth):
    p = _province(province, make)
    training_class(province["fed"], dt.date(2015, 3, 10), [p["a"], p["b"]])
    training_class(province["fed"], dt.date(2021, 3, 10), [p["a"]])
    auth.login("admin")
    year = today().year
    page = html_text(client.get("/reports/overview"))
    assert f"01/01/{year}–31/12/{year}" in page and "Đặt nhiệm kỳ mặc định" in page
    assert "Chưa đặt nhiệm kỳ" in html_text(client.get("/reports/term"))

    backwards = client.post("/reports/term", data={"start_on": "2019-12-31", "end_on": "2014-01-01"})
    assert backwards.status_code == 200
    assert "Ngày kết thúc không được trước ngày bắt đầu." in html_text(backwards)
    assert 'value="2019-12-31"' in backwards.get_data(as_text=True)  # what was typed stays
    missing = html_text(client.post("/reports/term", data={"start_on": "2014-01-01", "end_on": ""}))
    assert "Vui lòng nhập ngày kết thúc nhiệm kỳ." in missing
    assert term_setting() is None and default_term() == (dt.date(year, 1, 1), dt.date(year, 12, 31))

    saved = client.post("/reports/term", data={"start_on": "2014-01-01", "end_on": "2019-12-31"}, follow_redirects=True)
    text = html_text(saved)
    assert "Đã lưu nhiệm kỳ mặc định của báo cáo: 01/01/2014–31/12/2019." in text
    assert "01/01/2014–31/12/2019" in text
    assert default_term() == TERM
    default = html_text(client.get("/reports/overview"))
    assert "01/01/2014–31/12/2019" in default
    assert 'value="01/01/2014"' in client.get(f"/reports/units/{province['fed'].id}").get_data(as_text=True)
    chosen = html_text(client.get("/reports/overview?from=01/01/2020&to=2021-12-31"))
    assert "01/01/2020–31/12/2021" in chosen
    assert client.get("/reports/overview?from=01/01/2020&to=2021-12-31&table=classes&format=csv").data.decode(
        "utf-8-sig").splitlines()[1:] == ['"Lớp tập huấn, bồi dưỡng",1', "Lượt cán bộ tham dự,1"]


def test_only_a_federation_admin_sets_the_term(province, client, auth):
    auth.login("union")
    assert client.get("/reports/term").status_code == 403
    assert client.post("/reports/term", data={"start_on": "2014-01-01", "end_on": "2019-12-31"}).status_code == 403
    assert term_setting() is None
    page = html_text(client.get("/reports/overview"))
    assert "Đặt nhiệm kỳ mặc định" not in page


def test_the_classes_card_names_its_term_once(province, make, client, auth):
    """The card's label: the years of a term of whole years ("2014–2019", "2015" for a single one), else
    its dates."""
    p = _province(province, make)
    training_class(province["fed"], dt.date(2015, 3, 10), [p["a"]])
    auth.login("admin")

    def card(query: str) -> str:
        text = " ".join(re.sub(r"<[^>]+>", " ", html_text(client.get(f"/reports/overview?{query}"))).split())
        return re.search(r"\d+ lớp tập huấn (\S+) \d+ lượt cán bộ", text).group(1).strip()

    assert card("from=01/01/2014&to=31/12/2019") == "2014–2019"
    assert card("from=01/01/2015&to=31/12/2015") == "2015"
    assert card("from=01/03/2015&to=28/02/2016") == "01/03/2015–28/02/2016"
