"""`import_seeds`: the whole import, all or nothing, idempotent."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from postings.filters import SORT, ordered
from postings.models import (
    DepartmentDescription,
    Education,
    Institution,
    Posting,
    RoleDescription,
)

pytestmark = pytest.mark.django_db

SOURCES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"


def run_import(*args):
    out = StringIO()
    call_command("import_seeds", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Every row of every postings model, to compare the database before and after."""
    rows = {}
    for model in apps.get_app_config("postings").get_models():
        rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


@pytest.fixture
def imported(seeded):
    """What the import wrote (once per session; see conftest's seeded)."""


def test_import_creates_every_opening_from_the_three_posting_documents(imported):
    assert Posting.objects.filter(source_document__startswith="000_").count() == 44
    assert Posting.objects.filter(source_document__startswith="001_").count() == 10
    assert Posting.objects.filter(source_document__startswith="002_").count() == 23
    assert Posting.objects.count() == 77
    assert Posting.objects.open_now().count() == 77
    employers = set(Institution.objects.employers().values_list("name", flat=True))
    assert employers == {"中国银行", "重庆银行", "某消费金融公司"}


def test_reference_content_is_never_an_opening(imported):
    assert RoleDescription.objects.exists()
    assert DepartmentDescription.objects.exists()
    reference_documents = ("003_0d44f748fc6be032.txt", "004_59c47d2529051d11.txt")
    assert not Posting.objects.filter(source_document__in=reference_documents).exists()
    role_titles = set(RoleDescription.objects.values_list("title", flat=True))
    assert (
        not Posting.objects.filter(title__in=role_titles)
        .exclude(source_document__startswith="00")
        .exists()
    )


def test_imported_posting_keeps_structure_and_provenance(imported):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=43
    )
    assert posting.title == "综合服务经理"
    assert str(posting.institution) == "中国银行 · 新疆区分行"
    assert posting.employer.name == "中国银行"
    assert posting.department.name == "营业网点"
    assert posting.headcount == 35
    locations = posting.ordered_locations
    assert len(locations) == 22
    assert (locations[0].name, locations[0].province) == ("喀什市", "新疆")
    assert locations[3].name == "图木舒克市"
    assert posting.source_lines == "1582-1610"
    assert posting.min_education == Education.BENKE
    assert posting.min_years_experience == 3
    assert posting.requires_local_residence
    assert [d.text for d in posting.duties.all()] == [
        "从事柜面业务处理、厅堂服务、识别推介营销、智能柜台业务等综合服务工作。"
    ]
    assert "喀什市" in posting.search.document


def test_certificates_are_linked_with_their_preference(imported):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=1
    )
    linked = [
        (pc.certificate.name, pc.is_preferred)
        for pc in posting.posting_certificates.all()
    ]
    assert linked == [
        ("CFA", True),
        ("CPA", True),
        ("英语专业八级", True),
        ("法律职业资格", True),
    ]


def test_unnamed_employer_is_named_honestly(imported):
    employer = Institution.objects.get(name="某消费金融公司", parent=None)
    assert "未写明用人单位名称" in employer.note


def test_records_carry_a_readable_source_name(imported):
    names = {
        (model.__name__, name)
        for model in (Posting, RoleDescription, DepartmentDescription)
        for name in model.objects.values_list("source_name", flat=True)
    }
    assert ("Posting", "中国银行社会招聘岗位表") in names
    assert ("Posting", "重庆银行互联网金融部社会招聘岗位及要求") in names
    assert ("Posting", "消费金融业务人员招聘岗位及任职条件") in names
    assert (
        "RoleDescription",
        "《2023年银行信息科技岗职业发展规划》文章合集 · 篇一",
    ) in names
    assert (
        "DepartmentDescription",
        "电子银行部门与岗位职责网页合集 · 《电子银行业务组织构架及岗位职责》",
    ) in names
    assert not any(name == "" for _, name in names)
    assert not Institution.objects.filter(source_name="").exists()


def test_employers_get_the_site_and_seat_that_are_known(imported):
    boc = Institution.objects.get(name="中国银行", parent=None)
    assert (boc.website, boc.seat) == ("https://www.boc.cn/", None)
    cq = Institution.objects.get(name="重庆银行", parent=None)
    assert cq.website == "https://www.cqcbank.com/"
    assert (cq.seat.name, cq.seat.province) == ("重庆市", "重庆")
    assert "重庆银行" in cq.seat_evidence
    unnamed = Institution.objects.get(name="某消费金融公司", parent=None)
    assert (unnamed.website, unnamed.seat) == ("", None)
    assert not Institution.objects.filter(parent__isnull=False, seat__isnull=False)


def test_a_reimport_fills_the_new_fields_once_and_keeps_what_hr_added(imported):
    """A board seeded before source names, sites and seats existed gets them
    from the next import (with history), and then nothing changes again;
    what the sources say nothing about stays as HR set it."""
    Posting.objects.update(source_name="")
    Institution.objects.update(source_name="", website="", seat=None, seat_evidence="")
    RoleDescription.objects.update(source_name="")
    unnamed = Institution.objects.get(name="某消费金融公司", parent=None)
    unnamed.website = "https://consumer-finance.example.com/"
    unnamed.save()

    output = run_import()
    assert "posting: 77 updated" in output
    assert "role description: 17 updated" in output
    cq = Institution.objects.get(name="重庆银行", parent=None)
    assert (cq.seat.name, cq.website) == ("重庆市", "https://www.cqcbank.com/")
    assert cq.history.first().history_change_reason == "从来源文件导入"
    unnamed.refresh_from_db()
    assert unnamed.website == "https://consumer-finance.example.com/"
    assert not Posting.objects.filter(source_name="").exists()
    assert "Nothing to change" in run_import()


def test_running_the_import_twice_changes_nothing(imported):
    before = snapshot()
    output = run_import()
    assert "Nothing to change" in output
    assert snapshot() == before


def test_check_reports_changes_without_writing():
    output = run_import("--check")
    assert "would change" in output
    assert "created: posting 信息披露岗" in output
    assert Posting.objects.count() == 0
    assert Institution.objects.count() == 0


def test_check_after_import_reports_nothing(imported):
    assert "Nothing to change" in run_import("--check")


def test_a_source_edit_updates_the_posting_and_keeps_the_workflow(imported, tmp_path):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=2
    )
    posting.close()
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    document = sources / "000_6f3e1b58b6c4ffdc.txt"
    document.write_text(
        document.read_text(encoding="utf-8").replace(
            "2 投资者关系岗", "2 投资者关系管理岗"
        ),
        encoding="utf-8",
    )
    output = run_import("--source-dir", str(sources))
    assert "posting: 1 updated" in output
    posting.refresh_from_db()
    assert posting.title == "投资者关系管理岗"
    assert posting.status == Posting.Status.CLOSED


@pytest.mark.parametrize(
    ("document", "damage", "expected_line"),
    [
        # Truncated in the middle of row 43's location list ("…巴楚县、图").
        ("000_6f3e1b58b6c4ffdc.txt", lambda text: text[: text.index("木舒克市")], 1598),
        # A row number lost.
        (
            "000_6f3e1b58b6c4ffdc.txt",
            lambda text: text.replace(
                "\n12 安全保卫部 消防管理岗\n", "\n安全保卫部 消防管理岗\n"
            ),
            363,
        ),
        # The table heading gone.
        (
            "001_d8b25c18b293cb0b.txt",
            lambda text: text.replace("二、各应聘岗位职责及应聘要求", "二、"),
            1,
        ),
    ],
)
def test_a_corrupted_document_fails_clearly_and_changes_nothing(
    imported, tmp_path, document, damage, expected_line
):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    path = sources / document
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    Posting.objects.filter(source_row=5).update(title="HR 改过的标题")
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        run_import("--source-dir", str(sources))
    message = str(excinfo.value)
    assert document in message
    assert f"line {expected_line}" in message
    assert "nothing was changed" in message
    assert snapshot() == before


def test_a_document_that_is_not_utf8_is_refused(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    path = sources / "002_7125a8409aacafa0.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(
        CommandError, match=r"002_7125a8409aacafa0\.txt, line .*: not valid UTF-8"
    ):
        run_import("--source-dir", str(sources))
    assert Posting.objects.count() == 0


def test_a_missing_document_is_refused(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    (sources / "004_59c47d2529051d11.txt").unlink()
    with pytest.raises(CommandError, match=r"004_59c47d2529051d11\.txt.*missing"):
        run_import("--source-dir", str(sources))
    assert Posting.objects.count() == 0


def test_admin_shows_provenance(imported, admin_client):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=13
    )
    response = admin_client.get(
        reverse("admin:postings_posting_change", args=[posting.pk])
    )
    content = response.content.decode()
    assert "000_6f3e1b58b6c4ffdc.txt 第 13 条（第 408-465 行）" in content
    assert "中国银行社会招聘岗位表" in content


def test_public_listing_shows_seeded_postings(imported, client):
    response = client.get(reverse("postings:posting_list"))
    assert response.status_code == 200
    assert response.context["paginator"].count == 77
    # Newest first, and among postings of the same day the informative ones.
    first_card = response.context["posting_list"][0]
    assert first_card == ordered(Posting.objects.open_now(), SORT.NEWEST).first()
    assert first_card.headcount and first_card.ordered_locations
    assert first_card.title in response.content.decode()
