"""OAI-PMH 2.0 at ``/oai``: a whole-archive harvest by the Sickle client over real HTTP, across resumption
tokens, and every protocol error as the specification (section 3.6) defines it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from lxml import etree
from sickle import Sickle

from readingroom.documents import models as m
from readingroom.documents.services import delete_document
from readingroom.ingest.pipeline import import_paths
from tests.conftest import RECORD_TITLE
from tests.search_fixtures import CRAFTED

OAI = "{http://www.openarchives.org/OAI/2.0/}"
N_BULK = 260


@pytest.fixture
def archive(record_path, tmp_path):
    path = tmp_path / "records.jsonl"
    rows = [*CRAFTED]
    for i in range(N_BULK):
        rows.append(
            {
                "id": f"bulk-{i:04d}",
                "title": f"Report {i}",
                "date": "1962-01-01",
                "collections": ["Bulk reports"] if i % 2 else [],
                "translations": [{"language": "en", "text": "r"}],
            }
        )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert import_paths([record_path, path]).imported == len(rows) + 1
    return len(rows) + 1


def oai(client, method="get", **params) -> etree._Element:
    response = getattr(client, method)("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return etree.fromstring(response.content)


def error_code(root) -> str | None:
    el = root.find(f"{OAI}error")
    return el.get("code") if el is not None else None


@pytest.mark.django_db(transaction=True)
def test_sickle_harvests_exactly_the_archive_across_resumption_tokens(live_server, archive):
    delete_document("bulk-0007")
    sickle = Sickle(live_server.url + "/oai", max_retries=0)
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0" and identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ" and identify.baseURL == live_server.url + "/oai"

    live, deleted = [], []
    for record in sickle.ListRecords(metadataPrefix="oai_dc"):
        (deleted if record.deleted else live).append(record.header.identifier)
    expected = set(m.Document.objects.values_list("identifier", flat=True))
    prefix = "oai:localhost:"
    assert len(live) == len(set(live)) == archive - 1  # three pages of 100, no record twice
    assert {i.removeprefix(prefix) for i in live} == expected
    assert deleted == [prefix + "bulk-0007"]

    record = sickle.GetRecord(identifier=prefix + "rrtest-900101", metadataPrefix="oai_dc")
    assert record.metadata["title"] == [RECORD_TITLE]
    assert record.metadata["identifier"] == [live_server.url + "/documents/rrtest-900101"]
    assert record.metadata["contributor"] == ["Ledia Shtëpani"] and record.metadata["date"] == ["1962-03-14"]
    assert sickle.GetRecord(identifier=prefix + "bulk-0007", metadataPrefix="oai_dc").deleted

    headers = list(sickle.ListIdentifiers(metadataPrefix="mods"))
    assert len(headers) == archive  # 500 per page: one page, deleted one included
    mods = sickle.GetRecord(identifier=prefix + "rrtest-900101", metadataPrefix="mods").xml
    ns = {"mods": "http://www.loc.gov/mods/v3"}
    assert mods.xpath(".//mods:shelfLocator/text()", namespaces=ns)[0].endswith("Fl. 3-6")
    assert mods.xpath(".//mods:name[mods:role/mods:roleTerm='translator']/mods:namePart/text()", namespaces=ns) == [
        "Ledia Shtëpani"
    ]

    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert sets["bulk-reports"] == "Bulk reports"
    in_set = [h.identifier for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="bulk-reports")]
    assert len(in_set) == N_BULK // 2 and all(int(i[-4:]) % 2 == 1 for i in in_set)  # bulk-0007 as deleted


@pytest.mark.django_db
def test_resumption_tokens_carry_size_and_cursor_and_end_empty(client, archive):
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    records = root.findall(f"{OAI}ListRecords/{OAI}record")
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    assert len(records) == 100 and token.get("completeListSize") == str(archive) and token.get("cursor") == "0"
    assert token.get("expirationDate").endswith("Z")
    seen = len(records)
    while token.text:
        root = oai(client, verb="ListRecords", resumptionToken=token.text)
        records = root.findall(f"{OAI}ListRecords/{OAI}record")
        token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
        # 3.5.1: cursor counts the records sent before this response; the size stays the same
        assert token.get("cursor") == str(seen) and token.get("completeListSize") == str(archive)
        seen += len(records)
    assert seen == archive and len(records) == archive - 200  # the last response: an empty token


@pytest.mark.django_db
def test_selective_harvesting_by_date_and_set(client, archive):
    old = timezone.now() - dt.timedelta(days=400)
    m.Document.objects.filter(identifier__startswith="bulk-").update(updated_at=old)
    recent_from = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": recent_from})
    ids = [h.text for h in root.iter(f"{OAI}identifier")]
    assert len(ids) == len(CRAFTED) + 1 and not any("bulk-" in i for i in ids)
    until = (old + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=until)
    assert root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken") is None
    assert len(root.findall(f"{OAI}ListIdentifiers/{OAI}header")) == N_BULK
    # nested collections are nested sets: harvesting the parent includes the child's records
    parent = m.Collection.objects.create(identifier="reports", title="Reports")
    m.Collection.objects.filter(identifier="bulk-reports").update(parent=parent)
    specs = [s.text for s in oai(client, verb="ListSets").iter(f"{OAI}setSpec")]
    assert "reports" in specs and "reports:bulk-reports" in specs
    for spec in ("reports", "reports:bulk-reports"):
        root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        assert len(root.findall(f"{OAI}ListIdentifiers/{OAI}header")) == N_BULK // 2
    header = root.find(f"{OAI}ListIdentifiers/{OAI}header")
    assert header.find(f"{OAI}setSpec").text == "reports:bulk-reports"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, code",
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "ListSets"]}, "badVerb"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:testserver:rrtest-900101"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "mods"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "14 March 1962"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-02-30"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2021-01-01T00:00:00Z"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "no spaces allowed"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "x", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "identifier": "oai:testserver:rrtest-900101", "metadataPrefix": "marc21"},
            "cannotDisseminateFormat",
        ),
        ({"verb": "GetRecord", "identifier": "oai:testserver:nope", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "GetRecord", "identifier": "rrtest-900101", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": "oai:testserver:nope"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "no-such-set"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
    ],
)
def test_protocol_errors(client, archive, params, code):
    root = oai(client, **params)
    assert error_code(root) == code
    request = root.find(f"{OAI}request")
    assert request.text == "http://testserver/oai"
    if code in {"badVerb", "badArgument"}:
        assert not request.attrib  # 3.6: no attributes on the request element for these two
    assert root.find(f"{OAI}responseDate").text.endswith("Z")


@pytest.mark.django_db
def test_tokens_are_tied_to_their_verb_and_cannot_be_altered(client, archive):
    token = oai(client, verb="ListRecords", metadataPrefix="oai_dc").find(f"{OAI}ListRecords/{OAI}resumptionToken").text
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert error_code(oai(client, verb="ListRecords", resumptionToken=tampered)) == "badResumptionToken"


@pytest.mark.django_db
def test_post_requests_and_metadata_formats(client, archive):
    root = oai(client, method="post", verb="GetRecord", identifier="oai:testserver:rr-1", metadataPrefix="oai_dc")
    assert root.find(f".//{OAI}header/{OAI}identifier").text == "oai:testserver:rr-1"
    prefixes = [p.text for p in oai(client, verb="ListMetadataFormats").iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc", "mods"]
    identify = oai(client, verb="Identify").find(f"{OAI}Identify")
    assert identify.find(f"{OAI}earliestDatestamp").text.endswith("Z")
    assert (
        identify.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier").text
        == "testserver"
    )
