"""Real yearly STOP layouts: header rows exactly as the publisher's 2016–2018, 2019 and 2021 tabs
wrote them (padded cells, capitals, renamed columns), rows transcribed from those tabs, and the
same events in the combined sheet (../shared/data) as the reference their reading must match."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from nethealth.errors import InputError
from nethealth.formats.stop_sheet import CANONICAL_COLUMNS, detect_layout, read_stop_sheet
from nethealth.settings import Settings
from nethealth.shutdowns.importer import import_file
from nethealth.shutdowns.normalise import Normalised, normalise_rows
from tests.shutdowns.conftest import read_rows, write_csv

# The header row of the "2019" tab, cell for cell (trailing spaces included).
HEADER_2019 = (
    "ID,start_date,end_date ,duration,Info_source ,news_link ,continent,sub-region,country ,"
    "geo_scope,area_name ,ordered_by ,decision_maker,shutdown_type_new,affected_network,"
    "full or service-based,Facebook_affected,Twitter_affected,WhatsApp_affected,"
    "Instagram_affected,Telegram_affected,other_service_details (specify) ,"
    "SMS_and_phone_call_affected,telcos_involved ,gov_ack,official_just,other_just_details,"
    "off_statement,actual_cause,other_cause_details,election,violence,hr_abuse_reported,"
    "users_notified,users_affected/targetted ,legal_justif,legal_method ,telco_resp,telco_ ack,"
    "econ_impact,event ,an_link ,notes"
)
# Rows of that tab as an en-US CSV export writes them (M/D/YYYY dates, TRUE/FALSE check boxes);
# cells with several links or long quotes are cut to their first link, or left out.
ROWS_2019 = """\
4,12/21/2018,2/26/2019,67,News Media Article,https://www.reuters.com/article/us-sudan-protests-internet/sudan-restricts-social-media-access-to-counter-protest-movement-idUSKCN1OW0Z7,Africa,,Sudan,Level 3,National ,Executive government,The President ,Shutdown,Mobile and broadband,Service-based,TRUE,TRUE,TRUE,TRUE,FALSE,,,"MTN, Sudani (Sudatel), Zain ",Yes ,Public Safety / Quell Unrest / Restore Public Order,,,Protest,Economic crisis triggered protests,No ,Yes ,Yes ,Unknown,Others,Unknown,,Unknown,,,,https://www.accessnow.org/sudan-bangladesh-drc-gabon-start-2019-with-major-digital-rights-violations/,
118,6/3/2019,7/9/2019,36,News Media Article,https://reliefweb.int/report/sudan/sudan-un-experts-denounce-internet-shutdown-call-immediate-restoration,Africa,,Sudan,Level 3,National ,Executive government,TMC ,Shutdown,Mobile and broadband,Full,FALSE,FALSE,FALSE,FALSE,FALSE,,,MTN Sudani (Sudatel) Zain Mobitel ,Yes ,National Security / Counter-Terrorism,,,Protest,Economic Crisis and Political Instability,No ,Yes ,Yes ,No ,Others,Yes ,,No ,,,,,
169,8/3/2019,8/3/2019,,Social Media,https://meduza.io/en/news/2019/08/07/bbc-russian-service-reportedly-finds-letter-confirming-that-moscow-police-ordered-cell-signal-shutdown-during-august-3-protest,Europe,,Russia,Level 1,Moscow,Law Enforcemnet ,Moscow police,Shutdown,Mobile,Full,FALSE,FALSE,FALSE,FALSE,FALSE,,SMS and Phone call,"MTS, Beeline, and MegaFon",Yes ,Unknown,,,Protest,Election related protest ,No,Unknown,Unknown,Unknown,Others,Unknown,,Yes,https://meduza.io/en/news/2019/08/07/bbc-russian-service-reportedly-finds-letter-confirming-that-moscow-police-ordered-cell-signal-shutdown-during-august-3-protest,,,,
173,8/22/2019,9/5/2019,14,CSO KIO Partners ,https://safenet.or.id/2019/08/keepiton-in-papua-and-west-papua/,Asia Pacific,,Indonesia,Level  2,Papua ,Executive government,Ministry of Communications ,Shutdown,Mobile,Full,FALSE,FALSE,FALSE,FALSE,FALSE,Other modes of communications including phone lines disrupted,Phone call,,Yes ,Public Safety ,,,Protests,,No ,Yes ,Yes ,unknown ,Minority groups ,unknown ,,unknown ,,,,,
"""
# The header row of the "2016+2017+2018 " tab.
HEADER_2016_2018 = (
    "year,start_date,end_date,duration_days,duration_hours,info_source,news_link,continent,"
    "sub_region,country,geo_scope,area_name,ordered_by,shutdown_type_group,shutdown_type,"
    "official_just,actual_cause,econ_impact,event,an_link,services_affected,service_details,"
    "notes,latitude,longitude,id"
)
ROWS_2016_2018 = """\
2016,2016-02-19,2016-02-22,3,72,News Media Article,http://www.medianama.com/2016/02/223-haryana-blocks-mobile-internet/,Asia,Southern Asia,India,Regional,"Rohtak, Sonipat and Jhajjar (Haryana)",Local Government,Full network,"Broadband Internet, Mobile Internet",Public Safety,Protest,,Jat protests,,"Broadband Internet, Mobile Internet, SMS",Mobile Internet and SMS,,,,4
2016,2016-07-11,2016-07-13,2,48,News Media Article,http://www.bbc.com/news/world-africa-36763572,Africa,Eastern Africa,Ethiopia,National,Nationwide,Executive Government,Service-based,Service-based,School Exams,Unknown,,university entrance exams,,Internet,Social Media,,,,38
2017,2017-02-01,2017-02-08,7,168,News Media Article,http://dyn.com/blog/iraq-downs-internet-to-combat-cheating-again/,Asia,Western Asia,Iraq,National,nationwide,Executive Government,Mobile Internet,Mobile Internet,School Exams,Unknown,,National exams.,,Mobile Internet,Mobile service,,,,82
2017,2017-06-07,2017-06-13,6,144,Social Media,https://twitter.com/DynResearch/status/870278975716831232,Asia,Western Asia,Iraq,National,nationwide,Unknown,Throttling,Throttling,School Exams,Unknown,,,,Internet,,,,,106
2018,2018-04-26,ongoing,,,Social Media,https://twitter.com/InternetIntel/status/991334539388772353,Asia,Western Asia,Iraq,National,Nationwide,Executive Government,Service-based,Service-based,National Security,Information Control,,,,Service-based,Telegram,,33.1221787,43.1148184,251
"""
# The header row of the "2021 Data" tab: the combined columns but region and count_year, with
# "Duration" capitalised.
HEADER_2021 = [
    "Duration" if c == "duration" else c
    for c in CANONICAL_COLUMNS
    if c not in ("region", "count_year")
]
COMPARED = ("scope", "types", "networks", "status", "end_date", "justification")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def combined(stop_sheet: Path) -> dict[tuple[str, str, int], Normalised]:
    """The combined sheet's records by (first country, start date, count year)."""
    out = {}
    for rec in normalise_rows(read_stop_sheet(stop_sheet).rows):
        f = rec.fields
        out[(f["countries"][0] if f["countries"] else "", f["start_date"], f["year"])] = rec
    return out


def _key(rec: Normalised) -> tuple[str, str, int]:
    f = rec.fields
    return f["countries"][0], f["start_date"], f["year"]


def test_2019_tab_reads_like_the_combined_sheet(
    tmp_path: Path, combined: dict[tuple[str, str, int], Normalised]
) -> None:
    path = _write(tmp_path / "KeepItOn STOP 2019.csv", HEADER_2019 + "\n" + ROWS_2019)
    sheet = read_stop_sheet(path)
    assert sheet.layout.name == "stop-yearly-2019" and sheet.layout.verified
    assert [r.year for r in sheet.rows] == [2019] * 4  # from the file name: the tab is the year
    records = normalise_rows(sheet.rows)
    for rec in records:
        ref = combined[_key(rec)]
        for name in COMPARED:
            assert rec.fields[name] == ref.fields[name], (rec.fields["country_text"], name)
        assert sorted(rec.fields["services"]) == sorted(ref.fields["services"])
    sudan = records[0].fields
    assert sudan["services"] == ["facebook", "twitter", "whatsapp", "instagram"]
    moscow = records[2].fields
    assert moscow["sources"][0].startswith("https://meduza.io/")  # news_link is the source
    assert sheet.rows[2].values["telco_ack_source"].startswith("https://meduza.io/")
    assert sheet.rows[2].values["users_targeted"] == "Others"  # users_affected/targetted


def test_2016_2018_tab_reads_like_the_combined_sheet(
    tmp_path: Path, combined: dict[tuple[str, str, int], Normalised]
) -> None:
    path = _write(tmp_path / "stop-2016-2018.csv", HEADER_2016_2018 + "\n" + ROWS_2016_2018)
    sheet = read_stop_sheet(path)
    assert sheet.layout.name == "stop-yearly-2016-2018"
    assert [r.year for r in sheet.rows] == [2016, 2016, 2017, 2017, 2018]  # its year column
    records = normalise_rows(sheet.rows)
    for rec in records:
        ref = combined[_key(rec)]
        for name in COMPARED:
            if name == "networks" and rec.fields["types"] == ["throttling"]:
                # A throttling that names no network: unknown here, filled in later by Access Now.
                assert rec.fields["networks"] == [] and ref.fields["networks"]
                continue
            assert rec.fields[name] == ref.fields[name], (rec.fields["country_text"], name)
    assert records[0].fields["services"] == ["sms"]  # from services_affected
    assert records[1].fields["services"] == ["Social Media"]
    assert records[4].fields["status"] == "ongoing" and records[4].fields["end_date"] is None


def test_2021_tab_with_its_capitalised_column(stop_sheet: Path, tmp_path: Path) -> None:
    header, rows = read_rows(stop_sheet)
    rows_2021 = [{**r, "Duration": r["duration"]} for r in rows if r["count_year"] == "2021"][:20]
    path = write_csv(tmp_path / "2021 Data.csv", HEADER_2021, rows_2021)
    sheet = read_stop_sheet(path)
    assert sheet.layout.name == "stop-yearly-2020-2022" and sheet.layout.verified
    assert [r.year for r in sheet.rows] == [2021] * 20
    reference = read_stop_sheet(write_csv(tmp_path / "combined.csv", header, rows_2021))
    for got, want in zip(sheet.rows, reference.rows, strict=True):
        assert got.values == {**want.values, "region": ""}


def test_padded_and_capitalised_headers_import(
    settings: Settings, stop_sheet: Path, tmp_path: Path
) -> None:
    header, rows = read_rows(stop_sheet)
    padded = {"end_date": "end_date ", "country": "country ", "info_source": "Info_source "}
    written = [padded.get(h, h.upper() if h == "event" else h) for h in header]
    renamed = [{written[i]: r[h] for i, h in enumerate(header)} for r in rows[:25]]
    path = write_csv(tmp_path / "padded.csv", written, renamed)
    plain = read_stop_sheet(write_csv(tmp_path / "plain.csv", header, rows[:25]))
    sheet = read_stop_sheet(path)
    assert sheet.layout.name == "stop-combined-2016-2025"
    assert [r.values for r in sheet.rows] == [r.values for r in plain.rows]
    report = import_file(settings, path)
    assert report.created == 25 and not report.skipped


def test_unknown_layout_lists_the_unknown_and_missing_names() -> None:
    header = next(csv.reader(io.StringIO(HEADER_2019)))
    header = [h for h in header if h not in ("geo_scope", "notes")] + ["Notes 2 ", "extra"]
    with pytest.raises(InputError) as info:
        detect_layout(header, "stop.csv")
    text = str(info.value)
    assert "closest known layout 'stop-yearly-2019'" in text
    assert "unknown columns [extra, notes_2 (written 'Notes 2 ')]" in text
    assert "missing columns [geo_scope, notes]" in text
    assert info.value.line == 1 and "stop_layouts.LAYOUTS" in (info.value.hint or "")


def test_short_and_long_rows_are_bad_rows_with_their_lines(
    settings: Settings, stop_sheet: Path, tmp_path: Path
) -> None:
    header, rows = read_rows(stop_sheet)
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(header)
    good = [[r[h] for h in header] for r in rows[:6] if "\n" not in "".join(r.values())]
    for i, cells in enumerate(good[:6], start=2):
        if i == 3:
            cells = cells[:20]  # short: the rest of the line lost
        elif i == 5:
            cells = [*cells, "stray, cell"]  # long: an unquoted separator's extra cell
        writer.writerow(cells)
    path = _write(tmp_path / "cut.csv", lines.getvalue())
    with pytest.raises(InputError) as info:
        read_stop_sheet(path)
    assert info.value.line == 3 and "short row: 20 cells where the header has 47" in str(info.value)
    lenient = read_stop_sheet(path, lenient=True)
    assert [(e.line, e.record) for e in lenient.skipped] == [(3, "row 2"), (5, "row 4")]
    assert "short row: 20 cells" in lenient.skipped[0].message
    assert "long row: 48 cells" in lenient.skipped[1].message
    assert len(lenient.rows) == len(good[:6]) - 2
    report = import_file(settings, path, lenient=True)
    text = "\n".join(report.lines())
    assert "2 bad rows skipped" in text and ":3" in text and ":5" in text
