#!/usr/bin/env python3
"""Derives the compact reference data that Pathways ships in data/.

The services never read the full upstream downloads: they are large (ESCO alone
is ~40 MB of CSV, mostly translations of labels and long descriptions) and are
not part of the repository. This tool keeps only the columns the taxonomy and
geography libraries use, replaces URIs in relation files with row numbers, and
writes RFC 4180 CSV with LF line ends.

Usage:
  tools/derive_reference_data.py [SOURCE_DIR] [--out DATA_DIR]

SOURCE_DIR holds esco-v1.1.1/, uk-geography/ and uk-soc2020/ (default
/work/shared/data).
DATA_DIR defaults to the repository's data/ folder. The output depends only on
the input files, so re-running it on the same sources gives identical bytes.

Standard library only, so maintainers need nothing but python3.
"""

import argparse
import collections
import csv
import decimal
import hashlib
import os
import re
import sys

ESCO_BASE = "http://data.europa.eu/esco/"
SKILL_PREFIX = ESCO_BASE + "skill/"
OCCUPATION_PREFIX = ESCO_BASE + "occupation/"
ISCED_PREFIX = ESCO_BASE + "isced-f/"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OUTCODE_RE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?")

ESCO_SOURCES = [
    "skills_en.csv",
    "skillGroups_en.csv",
    "skillsHierarchy_en.csv",
    "broaderRelationsSkillPillar.csv",
    "occupations_en.csv",
    "occupationSkillRelations.csv",
]
GEO_SOURCES = ["postcode_district_centroids_gb.csv"]

SKILL_TYPES = {"skill/competence", "knowledge", ""}
REUSE_LEVELS = {"transversal", "cross-sector", "sector-specific", "occupation-specific", ""}

ESCO_ATTRIBUTION = (
    "This service uses the ESCO classification of the European Commission "
    "(ESCO v1.1.1, © European Union, https://esco.ec.europa.eu)."
)
OGL_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025. "
    "Contains Royal Mail data © Royal Mail copyright and database right 2025. "
    "Contains National Statistics data © Crown copyright and database right 2025."
)


class DataError(Exception):
    """The source data broke an assumption the libraries rely on."""


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    # LF endings keep the files diff-friendly; the C++ reader accepts both.
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def uuid_of(uri, prefix):
    if not uri.startswith(prefix):
        raise DataError(f"{uri!r} does not start with {prefix!r}")
    tail = uri[len(prefix):]
    if not UUID_RE.fullmatch(tail):
        raise DataError(f"{uri!r} does not end in a lower-case UUID")
    return tail


def group_id(uri):
    """Short, stable id of a skill group: the URI path after .../esco/.

    Groups live in two URI schemes (ESCO's skill/<uuid> and ISCED-F's
    isced-f/<code>), so the bare UUID would not be enough.
    """
    if uri.startswith(SKILL_PREFIX):
        uuid_of(uri, SKILL_PREFIX)
    elif uri.startswith(ISCED_PREFIX):
        if not re.fullmatch(r"[0-9]{2,4}", uri[len(ISCED_PREFIX):]):
            raise DataError(f"unexpected ISCED-F group URI {uri!r}")
    else:
        raise DataError(f"unexpected skill group URI {uri!r}")
    return uri[len(ESCO_BASE):]


def derive_esco(src, out):
    skills_src = read_rows(os.path.join(src, "skills_en.csv"))
    groups_src = read_rows(os.path.join(src, "skillGroups_en.csv"))
    hierarchy_src = read_rows(os.path.join(src, "skillsHierarchy_en.csv"))
    broader_src = read_rows(os.path.join(src, "broaderRelationsSkillPillar.csv"))
    occupations_src = read_rows(os.path.join(src, "occupations_en.csv"))
    relations_src = read_rows(os.path.join(src, "occupationSkillRelations.csv"))
    notes = []

    # Skills, in source order (sorted by URI upstream).
    skill_row = {}
    skills = []
    for r in skills_src:
        uuid = uuid_of(r["conceptUri"], SKILL_PREFIX)
        if uuid in skill_row:
            raise DataError(f"duplicate skill {uuid}")
        if r["skillType"] not in SKILL_TYPES or r["reuseLevel"] not in REUSE_LEVELS:
            raise DataError(f"skill {uuid}: unknown skillType/reuseLevel")
        skill_row[uuid] = len(skills)
        skills.append([uuid, r["skillType"], r["reuseLevel"], r["preferredLabel"].strip()])
    labels = collections.Counter(s[3].lower() for s in skills)
    if any(n > 1 for n in labels.values()):
        raise DataError("skill preferred labels are not unique (case-insensitively)")

    # Skill groups. skillGroups_en.csv misses seven groups that the hierarchy
    # file and the broader relations use (e.g. S6.8 "positioning materials,
    # tools or equipment"), so the hierarchy file is the list of groups and
    # skillGroups_en.csv only cross-checks it.
    group_meta = {}
    hierarchy_parent = {}
    for r in hierarchy_src:
        for level in range(4):
            uri = r[f"Level {level} URI"]
            if not uri:
                continue
            meta = (r[f"Level {level} preferred term"].strip(), r[f"Level {level} code"])
            if group_meta.setdefault(uri, meta) != meta:
                raise DataError(f"group {uri} has conflicting labels/codes")
            parent = r[f"Level {level - 1} URI"] if level else ""
            if hierarchy_parent.setdefault(uri, parent) != parent:
                raise DataError(f"group {uri} has more than one parent in the hierarchy")
    missing_from_groups_file = 0
    listed = {r["conceptUri"]: r for r in groups_src}
    for uri in group_meta:
        if uri not in listed:
            missing_from_groups_file += 1
        elif (listed[uri]["preferredLabel"].strip(), listed[uri]["code"]) != group_meta[uri]:
            raise DataError(f"group {uri}: skillGroups_en.csv disagrees with the hierarchy")
    if set(listed) - set(group_meta):
        raise DataError("skillGroups_en.csv has groups missing from the hierarchy")
    notes.append(
        f"{missing_from_groups_file} skill groups appear in skillsHierarchy_en.csv and the "
        "broader relations but not in skillGroups_en.csv; they are included."
    )

    group_row = {}
    groups = []
    isced_codes = 0
    for uri, (label, code) in group_meta.items():  # hierarchy order: top-down
        gid = group_id(uri)
        if not code and uri.startswith(ISCED_PREFIX):
            # ISCED-F fields (the knowledge branch) carry no ESCO code; their
            # field code is the natural short name, so it becomes the code.
            code = uri[len(ISCED_PREFIX):]
            isced_codes += 1
        if not code:
            raise DataError(f"group {uri} has no code")
        group_row[uri] = len(groups)
        groups.append([gid, code, label])
    codes = collections.Counter(g[1].upper() for g in groups)
    if any(n > 1 for n in codes.values()):
        raise DataError("group codes are not unique")
    notes.append(
        f"{isced_codes} ISCED-F groups have no ESCO code; their ISCED-F field code "
        "(the last URI segment, e.g. 0412) is used as the code."
    )

    # Broader relations: skill->skill, skill->group, group->group.
    def node(uri):
        if uri.startswith(SKILL_PREFIX) and uri[len(SKILL_PREFIX):] in skill_row:
            return ("skill", skill_row[uri[len(SKILL_PREFIX):]])
        if uri in group_row:
            return ("group", group_row[uri])
        raise DataError(f"broader relation names unknown concept {uri}")

    broader = set()
    group_parent = {}
    for r in broader_src:
        nk, ni = node(r["conceptUri"])
        bk, bi = node(r["broaderUri"])
        if nk == "group" and bk != "group":
            raise DataError(f"group {r['conceptUri']} has a skill as broader concept")
        if nk == "group":
            if group_parent.setdefault(ni, bi) != bi:
                raise DataError(f"group {r['conceptUri']} has more than one broader group")
        broader.add((nk, ni, bk, bi))
    for uri, parent in hierarchy_parent.items():
        if parent and group_parent.get(group_row[uri]) != group_row[parent]:
            raise DataError(f"group {uri}: broader relations disagree with the hierarchy")
    roots = [i for i in range(len(groups)) if i not in group_parent]
    if len(roots) != 4:
        raise DataError(f"expected 4 top-level groups, found {len(roots)}")
    # Skill->skill links must not loop, or walking up would never end.
    skill_up = collections.defaultdict(list)
    for nk, ni, bk, bi in broader:
        if nk == "skill" and bk == "skill":
            skill_up[ni].append(bi)
    state = {}
    for start in range(len(skills)):
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(skill_up[start]))]
        while stack:
            v, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[v] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise DataError(f"skill broader relations form a cycle at {skills[nxt][0]}")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(skill_up[nxt])))
    broader_rows = sorted(broader, key=lambda t: (t[0] != "skill", t[1], t[2] != "skill", t[3]))

    # Occupations, in source order.
    occ_row = {}
    occupations = []
    for r in occupations_src:
        uuid = uuid_of(r["conceptUri"], OCCUPATION_PREFIX)
        if not re.fullmatch(r"[0-9]{4}", r["iscoGroup"]):
            raise DataError(f"occupation {uuid}: ISCO group {r['iscoGroup']!r}")
        if uuid in occ_row:
            raise DataError(f"duplicate occupation {uuid}")
        occ_row[uuid] = len(occupations)
        occupations.append([uuid, r["iscoGroup"], r["code"], r["preferredLabel"].strip()])
    labels = collections.Counter(o[3].lower() for o in occupations)
    if any(n > 1 for n in labels.values()):
        raise DataError("occupation preferred labels are not unique (case-insensitively)")

    relations = set()
    dropped = collections.Counter()
    for r in relations_src:
        occ = uuid_of(r["occupationUri"], OCCUPATION_PREFIX)
        skill = uuid_of(r["skillUri"], SKILL_PREFIX)
        if r["relationType"] not in ("essential", "optional"):
            raise DataError(f"unknown relationType {r['relationType']!r}")
        if occ not in occ_row:
            dropped[occ] += 1
            continue
        if skill not in skill_row:
            raise DataError(f"relation names unknown skill {skill}")
        relations.add((occ_row[occ], skill_row[skill], r["relationType"]))
    pairs = collections.Counter((o, s) for o, s, _ in relations)
    if any(n > 1 for n in pairs.values()):
        raise DataError("a skill is both essential and optional for one occupation")
    for occ, n in sorted(dropped.items()):
        notes.append(
            f"{n} occupation-skill relations name occupation {occ}, which is not in "
            "occupations_en.csv; they are dropped."
        )
    relation_rows = sorted(relations, key=lambda t: (t[0], t[2], t[1]))

    os.makedirs(out, exist_ok=True)
    counts = collections.OrderedDict()
    counts["skills.csv"] = write_csv(
        os.path.join(out, "skills.csv"), ["uuid", "skill_type", "reuse_level", "label"], skills
    )
    counts["skill_groups.csv"] = write_csv(
        os.path.join(out, "skill_groups.csv"), ["id", "code", "label"], groups
    )
    counts["broader.csv"] = write_csv(
        os.path.join(out, "broader.csv"),
        ["narrower_kind", "narrower", "broader_kind", "broader"],
        broader_rows,
    )
    counts["occupations.csv"] = write_csv(
        os.path.join(out, "occupations.csv"),
        ["uuid", "isco_group", "code", "label"],
        occupations,
    )
    counts["occupation_skills.csv"] = write_csv(
        os.path.join(out, "occupation_skills.csv"),
        ["occupation", "skill", "relation"],
        relation_rows,
    )
    return counts, notes


def five_decimals(text):
    value = decimal.Decimal(text).quantize(decimal.Decimal("0.00001"), decimal.ROUND_HALF_EVEN)
    if value == 0:
        value = abs(value)  # never write "-0.00000"
    return f"{value:.5f}"


def derive_geo(src, out):
    rows = read_rows(os.path.join(src, "postcode_district_centroids_gb.csv"))
    result = []
    seen = set()
    for r in rows:
        outcode = r["outcode"].strip().upper()
        if not OUTCODE_RE.fullmatch(outcode):
            raise DataError(f"malformed outcode {outcode!r}")
        if outcode in seen:
            raise DataError(f"duplicate outcode {outcode}")
        seen.add(outcode)
        lat, lon = float(r["latitude"]), float(r["longitude"])
        if not (49.0 <= lat <= 61.0 and -9.0 <= lon <= 2.5):
            raise DataError(f"outcode {outcode} lies outside Great Britain")
        result.append(
            [
                outcode,
                five_decimals(r["latitude"]),
                five_decimals(r["longitude"]),
                r["main_lad_code"],
                r["main_lad_name"],
            ]
        )
    result.sort(key=lambda row: row[0])
    os.makedirs(out, exist_ok=True)
    n = write_csv(
        os.path.join(out, "outcodes.csv"),
        ["outcode", "latitude", "longitude", "main_lad_code", "main_lad_name"],
        result,
    )
    return {"outcodes.csv": n}


def write_attribution(path, esco_src, geo_src, esco_counts, esco_notes, geo_counts):
    def checksums(folder, names):
        return "\n".join(f"  - `{name}` sha256 `{sha256(os.path.join(folder, name))}`" for name in names)

    def file_list(folder, counts):
        return "\n".join(f"- `{folder}/{name}` — {n:,} rows" for name, n in counts.items())

    notes = "\n".join(f"- {n}" for n in esco_notes)
    text = f"""# Reference data: sources, licences and attribution

Generated by `tools/derive_reference_data.py`; do not edit by hand. Re-run the
script to regenerate every file in this folder (its output is deterministic).

## ESCO skills and occupations (`esco/`)

> {ESCO_ATTRIBUTION}

**Licence.** ESCO is © European Union and published free of charge by the European
Commission (DG EMPL). Reuse, including commercial reuse, is allowed when the source
is acknowledged, under the Commission's reuse policy (Decision 2011/833/EU), whose
default licence since Decision C(2019) 1655 is CC BY 4.0. The statement above must
appear wherever Pathways shows or exports ESCO data.

**Source.** The official ESCO v1.1.1 English CSV download (classification and
relations packages), as mirrored in `tabiya-tech/tabiya-esco-datasets-and-tools`.
Files read:
{checksums(esco_src, ESCO_SOURCES)}

**Derivation.** Only what the taxonomy library needs is kept: preferred labels,
skill type, reuse level, the skill hierarchy, occupation codes and occupation-skill
links. Alternative labels, descriptions, scope notes and translations are dropped.
URIs become bare UUIDs (skills, occupations) or the path after
`http://data.europa.eu/esco/` (groups: `skill/<uuid>` or `isced-f/<code>`), and
relation files refer to rows by 0-based position (the header is not a row).
{notes}

{file_list("esco", esco_counts)}

Columns:
- `skills.csv`: `uuid`, `skill_type` (`skill/competence`, `knowledge` or empty),
  `reuse_level` (`transversal`, `cross-sector`, `sector-specific`,
  `occupation-specific` or empty), `label` (English preferred label).
- `skill_groups.csv`: `id`, `code` (e.g. `S1.2.3`; ISCED-F field code for knowledge
  groups), `label`. Listed top-down: a group's parent comes before it.
- `broader.csv`: `narrower_kind`, `narrower`, `broader_kind`, `broader`. Kinds are
  `skill` (row in `skills.csv`) or `group` (row in `skill_groups.csv`). A group has
  at most one broader group; the four without one are the top of the hierarchy.
- `occupations.csv`: `uuid`, `isco_group` (4-digit ISCO-08), `code` (ESCO code,
  e.g. `7411.1`), `label`.
- `occupation_skills.csv`: `occupation` (row in `occupations.csv`), `skill` (row in
  `skills.csv`), `relation` (`essential` or `optional`).

## GB postcode districts (`geo/`)

> {OGL_ATTRIBUTION}

**Licence.** Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
Coordinates come from OS Code-Point Open. District names come from mySociety's
UK local authority names and codes dataset (CC BY 4.0, attribution "mySociety"),
with codes from ONS/OS open data.

**Source.** `postcode_district_centroids_gb.csv`: the unweighted mean position of
every located postcode unit in each GB outcode (OS Code-Point Open, 2025 release,
converted from British National Grid to WGS84), with the local-authority district
that holds most of the outcode's postcodes. Northern Ireland (BT) is not covered.
Files read:
{checksums(geo_src, GEO_SOURCES)}

**Derivation.** Keeps outcode, latitude and longitude (rounded to 5 decimal places,
about 1 m) and the main district's GSS code and name; sorted by outcode.

{file_list("geo", geo_counts)}

Columns: `outcode`, `latitude`, `longitude` (WGS84 degrees), `main_lad_code`,
`main_lad_name`.
"""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


SOC_SOURCES = ["soc2020_groups.csv"]
SOC_LEVELS = ("major", "sub_major", "minor", "unit")
SOC_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0"
)


def derive_soc(src, out):
    """UK SOC 2020 groups: code, level and title only.

    The demand service checks roles' soc2020_code against the unit groups; the
    long descriptions, tasks and job titles stay upstream.
    """
    rows = read_rows(os.path.join(src, "soc2020_groups.csv"))
    digits = {"major": 1, "sub_major": 2, "minor": 3, "unit": 4}
    result = []
    seen = set()
    for r in rows:
        code, level = r["soc2020_code"].strip(), r["level"].strip()
        parent = r["parent_code"].strip()
        if level not in SOC_LEVELS:
            raise DataError(f"SOC 2020 group {code!r} has unknown level {level!r}")
        if not re.fullmatch(r"[0-9]{%d}" % digits[level], code):
            raise DataError(f"SOC 2020 {level} group code {code!r} is not {digits[level]} digits")
        if code in seen:
            raise DataError(f"duplicate SOC 2020 group {code}")
        if level != "major" and (parent not in seen or not code.startswith(parent)):
            raise DataError(f"SOC 2020 group {code} does not follow its parent {parent!r}")
        title = " ".join(r["title"].split())
        if not title:
            raise DataError(f"SOC 2020 group {code} has no title")
        seen.add(code)
        result.append([code, level, title])
    result.sort(key=lambda row: row[0])
    os.makedirs(out, exist_ok=True)
    n = write_csv(os.path.join(out, "soc2020.csv"), ["code", "level", "title"], result)
    return {"soc2020.csv": n}


def append_soc_attribution(path, soc_src, soc_counts):
    checksums = "\n".join(
        f"  - `{name}` sha256 `{sha256(os.path.join(soc_src, name))}`" for name in SOC_SOURCES
    )
    files = "\n".join(f"- `soc/{name}` — {n:,} rows" for name, n in soc_counts.items())
    text = f"""
## UK Standard Occupational Classification 2020 (`soc/`)

> {SOC_ATTRIBUTION}

**Licence.** © Crown copyright, Office for National Statistics, under the Open
Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).

**Source.** ONS "SOC 2020 Volume 1: structure and descriptions of unit groups"
(edition of 16 October 2024), sheet "SOC2020 descriptions", as flattened to one row
per group in `soc2020_groups.csv`.
Files read:
{checksums}

**Derivation.** Keeps each group's code, level and title (whitespace runs
collapsed); descriptions, entry routes, tasks and job titles are dropped. Sorted
by code, so a group follows its parent.

{files}

Columns: `code` (1 to 4 digits), `level` (`major`, `sub_major`, `minor` or `unit`),
`title`. Roles' `soc2020_code` must name a `unit` group.
"""
    with open(path, "a", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="?", default="/work/shared/data")
    parser.add_argument("--out", default=os.path.join(repo, "data"))
    args = parser.parse_args(argv)

    esco_src = os.path.join(args.source, "esco-v1.1.1")
    geo_src = os.path.join(args.source, "uk-geography")
    soc_src = os.path.join(args.source, "uk-soc2020")
    try:
        esco_counts, esco_notes = derive_esco(esco_src, os.path.join(args.out, "esco"))
        geo_counts = derive_geo(geo_src, os.path.join(args.out, "geo"))
        soc_counts = derive_soc(soc_src, os.path.join(args.out, "soc"))
    except (DataError, KeyError, OSError) as e:
        print(f"derive_reference_data: {e}", file=sys.stderr)
        return 1
    write_attribution(
        os.path.join(args.out, "ATTRIBUTION.md"),
        esco_src,
        geo_src,
        esco_counts,
        esco_notes,
        geo_counts,
    )
    append_soc_attribution(os.path.join(args.out, "ATTRIBUTION.md"), soc_src, soc_counts)
    all_counts = list(esco_counts.items()) + list(geo_counts.items()) + list(soc_counts.items())
    for name, n in all_counts:
        print(f"{name}: {n} rows")
    for note in esco_notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
