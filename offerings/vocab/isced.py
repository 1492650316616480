"""ISCED-F 2013, the fields of education and training (UNESCO), as ELM publishes it.

Every code of the classification (broad 2-digit, narrow 3-digit, detailed 4-digit, with the
"not further defined" (…0), "inter-disciplinary" (…8) and "not elsewhere classified" (…9) codes)
and its English label. ELM's concept URI is ``http://data.europa.eu/snb/isced-f/{code}``; ESCO's
older one ``http://data.europa.eu/esco/isced-f/{code}`` is accepted on input. Pure data.
"""

from __future__ import annotations

import re

__all__ = ["ISCED_F", "ISCED_F_URI", "isced_f_code", "isced_f_label", "isced_f_uri", "isced_f_within"]

ISCED_F_URI = "http://data.europa.eu/snb/isced-f/{code}"

# Broad and narrow fields with their detailed fields, as (code, label); "nfd"/"nec"/"inter" codes are
# generated below so that the table reads like the classification.
_TREE: tuple[tuple[str, str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]], ...] = (
    (
        "00",
        "Generic programmes and qualifications",
        (
            ("001", "Basic programmes and qualifications", (("0011", "Basic programmes and qualifications"),)),
            ("002", "Literacy and numeracy", (("0021", "Literacy and numeracy"),)),
            ("003", "Personal skills and development", (("0031", "Personal skills and development"),)),
        ),
    ),
    (
        "01",
        "Education",
        (
            (
                "011",
                "Education",
                (
                    ("0111", "Education science"),
                    ("0112", "Training for pre-school teachers"),
                    ("0113", "Teacher training without subject specialisation"),
                    ("0114", "Teacher training with subject specialisation"),
                ),
            ),
        ),
    ),
    (
        "02",
        "Arts and humanities",
        (
            (
                "021",
                "Arts",
                (
                    ("0211", "Audio-visual techniques and media production"),
                    ("0212", "Fashion, interior and industrial design"),
                    ("0213", "Fine arts"),
                    ("0214", "Handicrafts"),
                    ("0215", "Music and performing arts"),
                ),
            ),
            (
                "022",
                "Humanities (except languages)",
                (
                    ("0221", "Religion and theology"),
                    ("0222", "History and archaeology"),
                    ("0223", "Philosophy and ethics"),
                    ("0228", "Inter-disciplinary programmes and qualifications involving humanities"),
                ),
            ),
            (
                "023",
                "Languages",
                (
                    ("0231", "Language acquisition"),
                    ("0232", "Literature and linguistics"),
                ),
            ),
        ),
    ),
    (
        "03",
        "Social sciences, journalism and information",
        (
            (
                "031",
                "Social and behavioural sciences",
                (
                    ("0311", "Economics"),
                    ("0312", "Political sciences and civics"),
                    ("0313", "Psychology"),
                    ("0314", "Sociology and cultural studies"),
                ),
            ),
            (
                "032",
                "Journalism and information",
                (
                    ("0321", "Journalism and reporting"),
                    ("0322", "Library, information and archival studies"),
                ),
            ),
        ),
    ),
    (
        "04",
        "Business, administration and law",
        (
            (
                "041",
                "Business and administration",
                (
                    ("0411", "Accounting and taxation"),
                    ("0412", "Finance, banking and insurance"),
                    ("0413", "Management and administration"),
                    ("0414", "Marketing and advertising"),
                    ("0415", "Secretarial and office work"),
                    ("0416", "Wholesale and retail sales"),
                    ("0417", "Work skills"),
                ),
            ),
            ("042", "Law", (("0421", "Law"),)),
        ),
    ),
    (
        "05",
        "Natural sciences, mathematics and statistics",
        (
            ("051", "Biological and related sciences", (("0511", "Biology"), ("0512", "Biochemistry"))),
            (
                "052",
                "Environment",
                (
                    ("0521", "Environmental sciences"),
                    ("0522", "Natural environments and wildlife"),
                ),
            ),
            ("053", "Physical sciences", (("0531", "Chemistry"), ("0532", "Earth sciences"), ("0533", "Physics"))),
            ("054", "Mathematics and statistics", (("0541", "Mathematics"), ("0542", "Statistics"))),
        ),
    ),
    (
        "06",
        "Information and Communication Technologies (ICTs)",
        (
            (
                "061",
                "Information and Communication Technologies (ICTs)",
                (
                    ("0611", "Computer use"),
                    ("0612", "Database and network design and administration"),
                    ("0613", "Software and applications development and analysis"),
                ),
            ),
        ),
    ),
    (
        "07",
        "Engineering, manufacturing and construction",
        (
            (
                "071",
                "Engineering and engineering trades",
                (
                    ("0711", "Chemical engineering and processes"),
                    ("0712", "Environmental protection technology"),
                    ("0713", "Electricity and energy"),
                    ("0714", "Electronics and automation"),
                    ("0715", "Mechanics and metal trades"),
                    ("0716", "Motor vehicles, ships and aircraft"),
                ),
            ),
            (
                "072",
                "Manufacturing and processing",
                (
                    ("0721", "Food processing"),
                    ("0722", "Materials (glass, paper, plastic and wood)"),
                    ("0723", "Textiles (clothes, footwear and leather)"),
                    ("0724", "Mining and extraction"),
                ),
            ),
            (
                "073",
                "Architecture and construction",
                (
                    ("0731", "Architecture and town planning"),
                    ("0732", "Building and civil engineering"),
                ),
            ),
        ),
    ),
    (
        "08",
        "Agriculture, forestry, fisheries and veterinary",
        (
            ("081", "Agriculture", (("0811", "Crop and livestock production"), ("0812", "Horticulture"))),
            ("082", "Forestry", (("0821", "Forestry"),)),
            ("083", "Fisheries", (("0831", "Fisheries"),)),
            ("084", "Veterinary", (("0841", "Veterinary"),)),
        ),
    ),
    (
        "09",
        "Health and welfare",
        (
            (
                "091",
                "Health",
                (
                    ("0911", "Dental studies"),
                    ("0912", "Medicine"),
                    ("0913", "Nursing and midwifery"),
                    ("0914", "Medical diagnostic and treatment technology"),
                    ("0915", "Therapy and rehabilitation"),
                    ("0916", "Pharmacy"),
                    ("0917", "Traditional and complementary medicine and therapy"),
                ),
            ),
            (
                "092",
                "Welfare",
                (
                    ("0921", "Care of the elderly and of disabled adults"),
                    ("0922", "Child care and youth services"),
                    ("0923", "Social work and counselling"),
                ),
            ),
        ),
    ),
    (
        "10",
        "Services",
        (
            (
                "101",
                "Personal services",
                (
                    ("1011", "Domestic services"),
                    ("1012", "Hair and beauty services"),
                    ("1013", "Hotel, restaurants and catering"),
                    ("1014", "Sports"),
                    ("1015", "Travel, tourism and leisure"),
                ),
            ),
            (
                "102",
                "Hygiene and occupational health services",
                (
                    ("1021", "Community sanitation"),
                    ("1022", "Occupational health and safety"),
                ),
            ),
            (
                "103",
                "Security services",
                (
                    ("1031", "Military and defence"),
                    ("1032", "Protection of persons and property"),
                ),
            ),
            ("104", "Transport services", (("1041", "Transport services"),)),
        ),
    ),
)

# Narrow fields with a single detailed field have no "not further defined" (…0) or "not elsewhere
# classified" (…9) code; mathematics/statistics and architecture/construction have no …9 either.
_SINGLE = {"001", "002", "003", "042", "082", "083", "084", "104"}
_NO_NEC = _SINGLE | {"054", "073"}
# Education and ICT have no broad "not further defined" (x0, x00) nor "not elsewhere classified" (x9, x99).
_NO_BROAD_EXTRAS = {"01", "06"}


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for broad, broad_label, narrows in _TREE:
        table[broad] = broad_label
        if broad == "00":
            table["000"] = table["0000"] = "Generic programmes and qualifications not further defined"
        elif broad not in _NO_BROAD_EXTRAS:
            table[f"{broad}0"] = table[f"{broad}00"] = f"{broad_label} not further defined"
        for narrow, narrow_label, detailed in narrows:
            table[narrow] = narrow_label
            if narrow not in _SINGLE:
                table[f"{narrow}0"] = f"{narrow_label} not further defined"
            for code, label in detailed:
                table[code] = label
            if narrow not in _NO_NEC:
                table[f"{narrow}9"] = f"{narrow_label} not elsewhere classified"
        if broad == "00":
            table["009"] = table["0099"] = "Generic programmes and qualifications not elsewhere classified"
            continue
        table[f"{broad}8"] = table[f"{broad}88"] = (
            f"Inter-disciplinary programmes and qualifications involving {broad_label[:1].lower()}{broad_label[1:]}"
        )
        if broad not in _NO_BROAD_EXTRAS:
            table[f"{broad}9"] = table[f"{broad}99"] = f"{broad_label} not elsewhere classified"
    table.update({"99": "Field unknown", "999": "Field unknown", "9999": "Field unknown"})
    return dict(sorted(table.items()))


ISCED_F: dict[str, str] = _build()
_CODE = re.compile(r"(?:https?://data\.europa\.eu/(?:snb|esco)/isced-f/)?(\d{2,4})/?")


def isced_f_code(value: str | None) -> str | None:
    """The ISCED-F 2013 code of a code or concept URI ("0613", ".../snb/isced-f/0613"); None if not one."""
    if not value:
        return None
    match = _CODE.fullmatch(value.strip())
    if not match or match.group(1) not in ISCED_F:
        return None
    return match.group(1)


def isced_f_uri(code: str) -> str:
    """The ELM concept URI of an ISCED-F code."""
    return ISCED_F_URI.format(code=code)


def isced_f_label(code: str) -> str:
    """The English label of an ISCED-F code (the code itself when unknown)."""
    return ISCED_F.get(code, code)


def isced_f_within(code: str) -> tuple[str, ...]:
    """``code`` and every ISCED-F code under it ("05" → "05", "050", "0500", "051", "0511", ...).

    Records carry the finest code they know; a search for a broad or narrow field asks for all of these.
    A code the classification does not hold stands for itself only.
    """
    if code not in ISCED_F:
        return (code,)
    return (code, *(c for c in ISCED_F if c != code and c.startswith(code)))
