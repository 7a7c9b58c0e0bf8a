"""OAI-PMH 2.0 data provider at ``/oai`` (https://www.openarchives.org/OAI/openarchivesprotocol.html).

Small and strict: the six verbs, ``oai_dc`` and ``mods`` metadata, sets = collections (``parent:child``
for nested ones), selective harvesting by datestamp (granularity: seconds), signed stateless resumption
tokens, deleted records kept persistently (tombstones), and every protocol error as section 3.6 names it.

Only published documents are records; a withdrawn one is a deleted record, a draft does not exist.
Items are walked in primary-key order (documents, then tombstones), so a harvest is stable while records
change: a record updated during a harvest is not skipped; it may appear twice, which harvesters expect.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from readingroom.archives.linktypes import label as link_label
from readingroom.archives.services import relations_for
from readingroom.documents import models as m
from readingroom.publish.citations import cited_reference
from readingroom.publish.formats import XML_DECL, authors, to_dc, with_role, xml_text
from readingroom.records.queries import in_states_by_row, is_published, with_relations
from readingroom.records.serialise import document_record

VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
}
PAGE_SIZE = {"ListRecords": 100, "ListIdentifiers": 500, "ListSets": 500}
TOKEN_SALT = "readingroom.oai.resumption"  # noqa: S105 - a signing namespace, not a secret
TOKEN_DAYS = 7
EARLIEST_FALLBACK = "1970-01-01T00:00:00Z"
NO_RECORDS = "no records match the request"

METADATA_FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
    "mods": ("http://www.loc.gov/standards/mods/v3/mods-3-7.xsd", "http://www.loc.gov/mods/v3"),
}


class OAIError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Response:
    xml: str
    status: int = 200


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def repository_id(base: str) -> str:
    return urlparse(base).hostname or "localhost"


def oai_identifier(base: str, doc_id: str) -> str:
    return f"oai:{repository_id(base)}:{doc_id}"


def local_id(base: str, identifier: str) -> str | None:
    prefix = f"oai:{repository_id(base)}:"
    return identifier[len(prefix) :] if identifier.startswith(prefix) else None


def _parse_date(value: str, name: str, end: bool) -> tuple[dt.datetime, str]:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        granularity = "day"
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise OAIError("badArgument", f"{name}: {value!r} is not a date") from None
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min, tzinfo=dt.UTC)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        granularity = "seconds"
        try:
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            raise OAIError("badArgument", f"{name}: {value!r} is not a date") from None
        if end:
            moment = moment.replace(microsecond=999999)
    else:
        raise OAIError("badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not {value!r}")
    return moment, granularity


HARVESTABLE = (m.Document.Status.PUBLISHED, m.Document.Status.WITHDRAWN)


def _harvestable():
    """What harvesters see: published documents, and withdrawn ones (as deleted records). Drafts and
    documents in review do not exist for them."""
    return m.Document.objects.filter(status__in=HARVESTABLE)


# ---------------------------------------------------------------- sets
def set_specs() -> dict[int, str]:
    """Collection pk -> setSpec (identifiers of the ancestors and itself joined by ``:``)."""
    rows = {
        pk: (ident, parent) for pk, ident, parent in m.Collection.objects.values_list("pk", "identifier", "parent_id")
    }
    specs: dict[int, str] = {}

    def spec(pk: int, depth: int = 0) -> str:
        if pk not in specs:
            ident, parent = rows[pk]
            specs[pk] = (spec(parent, depth + 1) + ":" + ident) if parent and depth < 20 else ident
        return specs[pk]

    for pk in rows:
        spec(pk)
    return specs


_SETSPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")


def public_set_pks() -> set[int]:
    """The collections that are sets for harvesters: those holding a published document, themselves or in
    a collection below them. A collection whose documents are all drafts (or in review, or withdrawn) is
    not a set: its name and identifier are not public."""
    parents = dict(m.Collection.objects.values_list("pk", "parent_id"))
    # per collection, its documents until a published one (a join on "published" would read them all)
    published_member = (
        m.DocumentCollection.objects.filter(collection=OuterRef("pk"))
        .alias(state=Lower("document__status"))
        .filter(state=m.Document.Status.PUBLISHED)
    )
    holding = set(m.Collection.objects.filter(Exists(published_member)).values_list("pk", flat=True))
    visible: set[int] = set()
    for pk in holding:
        node: int | None = pk
        depth = 0
        while node is not None and node not in visible and depth < 50:
            visible.add(node)
            node, depth = parents.get(node), depth + 1
    return visible


def _set_members(spec: str) -> list[int]:
    """The collection pks a setSpec selects: the collection and every collection below it; none when the
    set is not public (see :func:`public_set_pks`)."""
    specs = set_specs()
    public = public_set_pks()
    if not any(s == spec for pk, s in specs.items() if pk in public):
        return []
    return [pk for pk, s in specs.items() if s == spec or s.startswith(spec + ":")]


# ---------------------------------------------------------------- metadata
def to_mods(record: dict, url: str) -> str:
    """A MODS 3.7 description (richer than Dublin Core: name roles, archival location, translations)."""
    x = xml_text
    parts = [f"<titleInfo><title>{x(record['title'])}</title></titleInfo>"]
    for t in record["translations"]:
        if t.get("title"):
            parts.append(
                f'<titleInfo type="translated" lang="{x(t["language"])}"><title>{x(t["title"])}</title></titleInfo>'
            )
    for name in authors(record):
        parts.append(
            f'<name type="personal"><namePart>{x(name)}</namePart><role><roleTerm type="text" '
            f'authority="marcrelator">author</roleTerm></role></name>'
        )
    for role, term in (("translator", "translator"), ("editor", "editor"), ("contributor", "contributor")):
        for name in with_role(record, role):
            parts.append(
                f'<name type="personal"><namePart>{x(name)}</namePart><role><roleTerm type="text" '
                f'authority="marcrelator">{term}</roleTerm></role></name>'
            )
    parts.append('<typeOfResource manuscript="yes">text</typeOfResource>')
    if record.get("type"):
        parts.append(f"<genre>{x(record['type'])}</genre>")
    date = record["date"]
    origin = []
    if date.get("start"):
        if date["start"] == date.get("end"):
            origin.append(f'<dateCreated encoding="w3cdtf" keyDate="yes">{x(date["start"])}</dateCreated>')
        else:
            origin.append(
                f'<dateCreated encoding="w3cdtf" keyDate="yes" point="start">{x(date["start"])}</dateCreated>'
                f'<dateCreated encoding="w3cdtf" point="end">{x(date["end"])}</dateCreated>'
            )
    if date.get("display"):
        origin.append(f"<dateCreated>{x(date['display'])}</dateCreated>")
    if origin:
        parts.append(f"<originInfo>{''.join(origin)}</originInfo>")
    langs = "".join(
        f'<languageTerm type="code" authority="iso639-1">{x(lang["code"])}</languageTerm>'
        for lang in record["original_languages"]
    )
    if langs:
        parts.append(f"<language>{langs}</language>")
    if record.get("summary"):
        parts.append(f"<abstract>{x(record['summary'])}</abstract>")
    parts += [f"<subject><topic>{x(s)}</topic></subject>" for s in record["subjects"]]
    parts += [f"<subject><geographic>{x(p['name'])}</geographic></subject>" for p in record["places"]]
    ref = record["archival_reference"]
    location = []
    # the holding archive by its authority record's name, the reference with it (citations.cited_reference)
    if holder := (record.get("holding_archive") or {}).get("name") or ref.get("repository"):
        location.append(f"<physicalLocation>{x(holder)}</physicalLocation>")
    if shelf := cited_reference(record):
        location.append(f"<shelfLocator>{x(shelf)}</shelfLocator>")
    location.append(f'<url usage="primary display">{x(url)}</url>')
    parts.append(f"<location>{''.join(location)}</location>")
    for c in record["collections"]:
        parts.append(f'<relatedItem type="host"><titleInfo><title>{x(c["title"])}</title></titleInfo></relatedItem>')
    if record.get("rights"):
        parts.append(f"<accessCondition>{x(record['rights'])}</accessCondition>")
    parts.append(f'<identifier type="local">{x(record["id"])}</identifier>')
    parts.append(f'<identifier type="uri">{x(url)}</identifier>')
    if record.get("archive"):
        parts.append(f"<recordInfo><recordContentSource>{x(record['archive'])}</recordContentSource></recordInfo>")
    schema = METADATA_FORMATS["mods"]
    return (
        f'<mods xmlns="{schema[1]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.7" '
        f'xsi:schemaLocation="{schema[1]} {schema[0]}">{"".join(parts)}</mods>'
    )


# ---------------------------------------------------------------- the provider
class Provider:
    def __init__(self, base: str) -> None:
        self.base = base
        self.endpoint = base + "/oai"

    def handle(self, args: Mapping[str, list[str]]) -> Response:
        """Answer one request; ``args`` maps each argument to every value it was given."""
        now = _utc(timezone.now())
        verb_values = args.get("verb", [])
        try:
            if len(verb_values) != 1:
                raise OAIError(
                    "badVerb",
                    "exactly one verb argument is required" if verb_values else "the verb argument is missing",
                )
            verb = verb_values[0]
            if verb not in VERBS:
                raise OAIError("badVerb", f"{verb!r} is not an OAI-PMH verb")
            params = self._check_arguments(verb, args)
            body = getattr(self, verb)(params)
        except OAIError as err:
            # 3.6: for badVerb and badArgument the request element carries no attributes
            attrs = "" if err.code in {"badVerb", "badArgument"} else self._request_attrs(args)
            return Response(self._envelope(now, attrs, f'<error code="{err.code}">{xml_text(err.message)}</error>'))
        return Response(self._envelope(now, self._request_attrs(args), f"<{verb}>{body}</{verb}>"))

    # -- framing
    def _request_attrs(self, args: Mapping[str, list[str]]) -> str:
        return "".join(f' {k}="{xml_text(v[0])}"' for k, v in sorted(args.items()) if v)

    def _envelope(self, now: str, attrs: str, body: str) -> str:
        return (
            f'{XML_DECL}<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
            f"<responseDate>{now}</responseDate><request{attrs}>{xml_text(self.endpoint)}</request>{body}</OAI-PMH>\n"
        )

    def _check_arguments(self, verb: str, args: Mapping[str, list[str]]) -> dict[str, str]:
        required, optional = VERBS[verb]
        params: dict[str, str] = {}
        for key, values in args.items():
            if key == "verb":
                continue
            if len(values) > 1:
                raise OAIError("badArgument", f"the argument {key!r} is repeated")
            params[key] = values[0]
        if "resumptionToken" in params:
            if verb not in {"ListRecords", "ListIdentifiers", "ListSets"}:
                raise OAIError("badArgument", f"{verb} takes no resumptionToken")
            if set(params) != {"resumptionToken"}:
                raise OAIError("badArgument", "resumptionToken is an exclusive argument")
            return params
        unknown = set(params) - required - optional
        if unknown:
            raise OAIError("badArgument", f"{verb} does not take {', '.join(sorted(unknown))}")
        missing = required - set(params)
        if missing:
            raise OAIError("badArgument", f"{verb} requires {', '.join(sorted(missing))}")
        return params

    # -- verbs
    def Identify(self, params: dict) -> str:
        first = _harvestable().order_by("updated_at").values_list("updated_at", flat=True).first()
        first_tomb = m.Tombstone.objects.order_by("deleted_at").values_list("deleted_at", flat=True).first()
        candidates = [d for d in (first, first_tomb) if d]
        earliest = _utc(min(candidates)) if candidates else EARLIEST_FALLBACK
        x = xml_text
        return (
            f"<repositoryName>{x(settings.READINGROOM_SITE_NAME)}</repositoryName>"
            f"<baseURL>{x(self.endpoint)}</baseURL><protocolVersion>2.0</protocolVersion>"
            f"<adminEmail>{x(settings.READINGROOM_ADMIN_EMAIL)}</adminEmail>"
            f"<earliestDatestamp>{earliest}</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
            '<description><oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier '
            'http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
            f"<scheme>oai</scheme><repositoryIdentifier>{x(repository_id(self.base))}</repositoryIdentifier>"
            "<delimiter>:</delimiter>"
            f"<sampleIdentifier>{x(oai_identifier(self.base, 'wilson-300023'))}</sampleIdentifier>"
            "</oai-identifier></description>"
        )

    def ListMetadataFormats(self, params: dict) -> str:
        if "identifier" in params:
            self._find(params["identifier"])  # idDoesNotExist when unknown
        return "".join(
            f"<metadataFormat><metadataPrefix>{prefix}</metadataPrefix><schema>{schema}</schema>"
            f"<metadataNamespace>{ns}</metadataNamespace></metadataFormat>"
            for prefix, (schema, ns) in METADATA_FORMATS.items()
        )

    def ListSets(self, params: dict) -> str:
        after = 0
        if "resumptionToken" in params:
            token = self._read_token(params["resumptionToken"], "ListSets")
            after = token["after"]
        specs = self._specs()
        public = sorted(self._public())
        total = len(public)
        if not total:
            raise OAIError("noSetHierarchy", "this repository has no public sets")
        rows = list(
            m.Collection.objects.filter(pk__in=public, pk__gt=after).order_by("pk")[: PAGE_SIZE["ListSets"] + 1]
        )
        more = len(rows) > PAGE_SIZE["ListSets"]
        rows = rows[: PAGE_SIZE["ListSets"]]
        body = "".join(
            f"<set><setSpec>{xml_text(specs[c.pk])}</setSpec><setName>{xml_text(c.title)}</setName>"
            + (f"<setDescription>{to_dc_description(c.description)}</setDescription>" if c.description else "")
            + "</set>"
            for c in rows
        )
        cursor = sum(1 for pk in public if pk <= after) if after else 0
        if more:
            body += self._token_element({"verb": "ListSets", "after": rows[-1].pk}, total, cursor)
        elif after:
            body += f'<resumptionToken completeListSize="{total}" cursor="{cursor}"/>'
        return body

    def GetRecord(self, params: dict) -> str:
        prefix = self._prefix(params["metadataPrefix"])
        item = self._find(params["identifier"])
        if isinstance(item, m.Tombstone):
            return f"<record>{self._tomb_header(item)}</record>"
        if item.status == m.Document.Status.WITHDRAWN:
            return f"<record>{self._withdrawn_header(item)}</record>"
        self._relations = relations_for([item.pk])
        return self._record(document_record(item), item, prefix)

    def ListIdentifiers(self, params: dict) -> str:
        return self._list(params, "ListIdentifiers")

    def ListRecords(self, params: dict) -> str:
        return self._list(params, "ListRecords")

    # -- listing
    def _list(self, params: dict, verb: str) -> str:
        if "resumptionToken" in params:
            state = self._read_token(params["resumptionToken"], verb)
        else:
            prefix = self._prefix(params["metadataPrefix"])
            state = {"verb": verb, "prefix": prefix, "phase": "d", "after": 0, "cursor": 0}
            granularity = None
            for name, end in (("from", False), ("until", True)):
                if name in params:
                    _, g = _parse_date(params[name], name, end)
                    if granularity and g != granularity:
                        raise OAIError("badArgument", "from and until must have the same granularity")
                    granularity = g
                    state[name] = params[name]
            if "from" in state and "until" in state:
                if _parse_date(state["from"], "from", False)[0] > _parse_date(state["until"], "until", True)[0]:
                    raise OAIError("badArgument", "from is later than until")
            if "set" in params:
                if not _SETSPEC.fullmatch(params["set"]):
                    raise OAIError("badArgument", f"{params['set']!r} is not a setSpec")
                state["set"] = params["set"]
        docs, tombs = self._querysets(state, _harvestable())
        if not state.get("total_known"):
            state["total"] = docs.count() + tombs.count()
            state["total_known"] = True
            if state["total"] == 0:
                raise OAIError("noRecordsMatch", NO_RECORDS)
        size = PAGE_SIZE[verb]
        parts: list[str] = []
        phase, after = state["phase"], state["after"]
        next_position = None  # (phase, after) where the next page starts, when there is one
        if phase == "d":
            # the page walks the primary key and tests each row's state (see in_states_by_row)
            walk, _ = self._querysets(state, in_states_by_row(m.Document.objects.all(), *HARVESTABLE))
            qs = walk.filter(pk__gt=after).order_by("pk")
            qs = with_relations(qs) if verb == "ListRecords" else qs.prefetch_related("collections")
            rows = list(qs[: size + 1])
            if verb == "ListRecords":  # the page's typed links (dc:relation), two lookups by the link indexes
                self._relations = relations_for([d.pk for d in rows[:size] if is_published(d)])
            for doc in rows[:size]:
                if doc.status == m.Document.Status.WITHDRAWN:
                    header = self._withdrawn_header(doc)
                    parts.append(f"<record>{header}</record>" if verb == "ListRecords" else header)
                elif verb == "ListRecords":
                    parts.append(self._record(document_record(doc), doc, state["prefix"]))
                else:
                    parts.append(self._doc_header(doc))
            if len(rows) > size:
                next_position = ("d", rows[size - 1].pk)
            else:
                phase, after = "t", 0
        if phase == "t" and next_position is None:
            room = size - len(parts)
            rows = list(tombs.filter(pk__gt=after).order_by("pk")[: room + 1])
            for tomb in rows[:room]:
                header = self._tomb_header(tomb)
                parts.append(f"<record>{header}</record>" if verb == "ListRecords" else header)
            if len(rows) > room:
                next_position = ("t", rows[room - 1].pk if room else after)
        cursor = state["cursor"]
        body = "".join(parts)
        if next_position:
            next_state = {**state, "phase": next_position[0], "after": next_position[1], "cursor": cursor + len(parts)}
            body += self._token_element(next_state, state["total"], cursor)
        elif cursor:
            # 3.5: the last incomplete list carries an empty resumptionToken
            body += f'<resumptionToken completeListSize="{state["total"]}" cursor="{cursor}"/>'
        return body

    def _querysets(self, state: dict, docs):
        tombs = m.Tombstone.objects.exclude(identifier__in=m.Document.objects.values("identifier"))
        if "from" in state:
            moment = _parse_date(state["from"], "from", False)[0]
            docs, tombs = docs.filter(updated_at__gte=moment), tombs.filter(deleted_at__gte=moment)
        if "until" in state:
            moment = _parse_date(state["until"], "until", True)[0]
            docs, tombs = docs.filter(updated_at__lte=moment), tombs.filter(deleted_at__lte=moment)
        if "set" in state:
            members = _set_members(state["set"])
            if not members:
                # the same answer as a set that matches nothing: whether a non-public set exists is not told
                raise OAIError("noRecordsMatch", NO_RECORDS)
            docs = docs.filter(collections__in=members).distinct()
            identifiers = set(m.Collection.objects.filter(pk__in=members).values_list("identifier", flat=True))
            tomb_q = Q(pk__in=[])
            for ident in identifiers:
                tomb_q |= Q(collections__icontains=f'"{ident}"')
            tombs = tombs.filter(tomb_q)
        return docs, tombs

    # -- records
    def _prefix(self, prefix: str) -> str:
        if prefix not in METADATA_FORMATS:
            raise OAIError("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not supported (oai_dc, mods)")
        return prefix

    def _find(self, identifier: str):
        doc_id = local_id(self.base, identifier)
        if doc_id:
            doc = with_relations(_harvestable().filter(identifier=doc_id)).first()
            if doc is not None:
                return doc
            tomb = m.Tombstone.objects.filter(identifier=doc_id).first()
            if tomb is not None:
                return tomb
        raise OAIError("idDoesNotExist", f"{identifier!r} is not an identifier in this repository")

    def _doc_header(self, doc: m.Document) -> str:
        specs, public = self._specs(), self._public()
        sets = "".join(
            f"<setSpec>{xml_text(specs[c.pk])}</setSpec>"
            for c in doc.collections.all()
            if c.pk in specs and c.pk in public
        )
        return (
            f"<header><identifier>{xml_text(oai_identifier(self.base, doc.identifier))}</identifier>"
            f"<datestamp>{_utc(doc.updated_at)}</datestamp>{sets}</header>"
        )

    def _withdrawn_header(self, doc: m.Document) -> str:
        return self._doc_header(doc).replace("<header>", '<header status="deleted">', 1)

    def _tomb_header(self, tomb: m.Tombstone) -> str:
        specs_by_ident = self._specs_by_ident()
        sets = "".join(
            f"<setSpec>{xml_text(specs_by_ident[i])}</setSpec>" for i in tomb.collections if i in specs_by_ident
        )
        return (
            f'<header status="deleted"><identifier>{xml_text(oai_identifier(self.base, tomb.identifier))}'
            f"</identifier><datestamp>{_utc(tomb.deleted_at)}</datestamp>{sets}</header>"
        )

    def _record(self, record: dict, doc: m.Document, prefix: str) -> str:
        url = self.base + record["url"]
        metadata = to_dc(record, url) if prefix == "oai_dc" else to_mods(record, url)
        links = getattr(self, "_relations", {}).get(doc.pk, [])
        if links:  # typed links to other published documents (readingroom.archives): their permanent URLs
            if prefix == "oai_dc":
                extra = "".join(
                    f"<dc:relation>{xml_text(self.base + '/documents/' + ident)}</dc:relation>" for _, ident in links
                )
                metadata = metadata.replace("</oai_dc:dc>", extra + "</oai_dc:dc>", 1)
            else:
                extra = "".join(
                    f'<relatedItem displayLabel="{xml_text(link_label(type_))}"><identifier type="uri">'
                    f"{xml_text(self.base + '/documents/' + ident)}</identifier></relatedItem>"
                    for type_, ident in links
                )
                metadata = metadata.replace("</mods>", extra + "</mods>", 1)
        header = self._doc_header_from_record(record, doc)
        return f"<record>{header}<metadata>{metadata}</metadata></record>"

    def _doc_header_from_record(self, record: dict, doc: m.Document) -> str:
        specs_by_ident = self._specs_by_ident()
        sets = "".join(
            f"<setSpec>{xml_text(specs_by_ident[c['id']])}</setSpec>"
            for c in record["collections"]
            if c["id"] in specs_by_ident
        )
        return (
            f"<header><identifier>{xml_text(oai_identifier(self.base, doc.identifier))}</identifier>"
            f"<datestamp>{_utc(doc.updated_at)}</datestamp>{sets}</header>"
        )

    def _specs(self) -> dict[int, str]:
        if not hasattr(self, "_spec_cache"):
            self._spec_cache = set_specs()
        return self._spec_cache

    def _public(self) -> set[int]:
        """The pks of the public sets (see :func:`public_set_pks`), computed once per request."""
        if not hasattr(self, "_public_cache"):
            self._public_cache = public_set_pks()
        return self._public_cache

    def _specs_by_ident(self) -> dict[str, str]:
        """Collection identifier -> setSpec of the public sets, computed once per request."""
        if not hasattr(self, "_ident_cache"):
            idents = dict(m.Collection.objects.values_list("pk", "identifier"))
            public = self._public()
            self._ident_cache = {ident: self._specs()[pk] for pk, ident in idents.items() if pk in public}
        return self._ident_cache

    # -- resumption tokens: signed, so a forged or altered token is a badResumptionToken
    def _token_element(self, state: dict, total: int, cursor: int) -> str:
        token = signing.dumps(state, salt=TOKEN_SALT, compress=True)
        expires = _utc(timezone.now() + dt.timedelta(days=TOKEN_DAYS))
        return (
            f'<resumptionToken expirationDate="{expires}" completeListSize="{total}" cursor="{cursor}">'
            f"{xml_text(token)}</resumptionToken>"
        )

    def _read_token(self, token: str, verb: str) -> dict:
        try:
            state = signing.loads(token, salt=TOKEN_SALT, max_age=dt.timedelta(days=TOKEN_DAYS))
        except signing.SignatureExpired:
            raise OAIError("badResumptionToken", "the resumptionToken has expired") from None
        except signing.BadSignature:
            raise OAIError("badResumptionToken", "the resumptionToken is not valid") from None
        if not isinstance(state, dict) or state.get("verb") != verb:
            raise OAIError("badResumptionToken", f"the resumptionToken was not issued for {verb}")
        return state


def to_dc_description(text: str) -> str:
    return f'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>{xml_text(text)}</dc:description></oai_dc:dc>'


def iter_args(query: Mapping) -> dict[str, list[str]]:
    return {k: query.getlist(k) for k in query} if hasattr(query, "getlist") else {k: [v] for k, v in query.items()}
