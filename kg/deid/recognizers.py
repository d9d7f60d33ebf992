"""Presidio recognisers for PHI in clinical notes, without a statistical model.

Each recogniser is a :class:`presidio_analyzer.LocalRecognizer` that finds one PHI type with
rules: regular expressions for structured identifiers (dates, phone numbers, ids, URLs), trigger
words and shipped name lists for people (``Dr.``, ``daughter``, ``Patient:``, ``, MD``, "John
Smith" where both names are in the census lists), a gazetteer for towns, keywords for
institutions. Presidio's own e-mail and IP recognisers are used as they are (the e-mail one
without its public-suffix check, which needs the network); its phone recogniser
(``phonenumbers``) was ~50x slower than a pattern and its NER needs a downloaded model, so
neither is used.

Clinical words are protected: an eponym followed by what it names ("Parkinson disease",
"Bell's palsy", "Murphy's sign") is never a name, and a BP of ``138/82`` or a ``2/6`` murmur is
never a date.

>>> from kg.deid.engine import Deidentifier
>>> [(s.type, s.text) for s in Deidentifier().find("Seen by Dr. Parkinson for Parkinson disease on 3/2/2024.")]
[('NAME', 'Parkinson'), ('DATE', '3/2/2024')]
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import EmailRecognizer, IpRecognizer
from spacy.lang.en.stop_words import STOP_WORDS

from kg.deid.dates import DATE_REGEX, parse_date
from kg.deid.resources import US_STATES, first_names, surnames, us_places

__all__ = ["PHI_TYPES", "default_recognizers", "NameRecognizer", "DateRecognizer", "AgeRecognizer",
           "PhoneRecognizer", "IdRecognizer", "AddressRecognizer", "InstitutionRecognizer",
           "UrlRecognizer", "OfflineEmailRecognizer", "QuickIpRecognizer", "eponym_follows"]

# The Safe Harbor identifiers that occur in notes, as medkg names them.
PHI_TYPES = ("NAME", "DATE", "AGE", "PHONE", "EMAIL", "ID", "ADDRESS", "INSTITUTION", "URL", "IP")

# ------------------------------------------------------------------------------------ word lists
_MONTH_WORDS = {"January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
                "Sep", "Sept", "Oct", "Nov", "Dec", "Monday", "Tuesday", "Wednesday", "Thursday",
                "Friday", "Saturday", "Sunday"}
# Capitalised words that start sentences, headers and department names in notes.
_CLINICAL_WORDS = set("""
Patient Patients Pt Pts Name Names Date Dates Admission Admit Admitted Discharge Discharged Summary Note
Notes History Hx Hospital Clinic Center Centre Medical Health Care Service Services Medicine Surgery
Cardiology Neurology Dermatology Pulmonology Oncology Radiology Hematology Endocrinology Nephrology Urology
Gastroenterology Rheumatology Psychiatry Pediatrics Orthopedics Ortho Hepatology Pharmacy Emergency
Department Synthetic Plan Assessment Impression Diagnosis Diagnoses Exam Examination Labs Lab Course
Follow Up Home Child Woman Man Male Female Boy Girl Baby Infant Mother Father Daughter Son Wife Husband
Sister Brother Parents Parent Partner Disease Syndrome Reason Chief Complaint Allergies Allergy
Medications Medication Meds Vitals Results Result Review Systems Physical Social Family Past Problem
List Unit Room Bed Floor Ward Team Attending Resident Intern Nurse Doctor Provider Primary Signed
Electronically Dictated Portal Email Phone Fax Contact Address Insurance Member Account Acct Tel Cell
Mobile Triage Physician Progress Consult Consultation Letter Visit Telehealth Return Next New Old
Status Code Dispo Disposition Type Stage Grade Left Right Acute Chronic Severe Mild Normal Positive
Negative Dear Kind Regards Sincerely Yours Thank Thanks Hello Hi Please Call Seen Referred Referral
Questions Records Record Start Started Continue Stop Stopped Denies Reports Presented Presents
Started Given Treated Transfused Diuresed Cath Echo Chest Abdomen Head Neck Heart Lungs Skin Extremities
General Impression Hospice Facility Police Officer Case Manager Staff Public Court Street Road Lane
Avenue Drive Apt Suite Sgt Dr Mr Mrs Ms Miss Prof Rev Emergency Urgent Intensive Critical Service
Blood Cultures Culture Urine Stool Labs Imaging Xray Ray Scan Ultrasound Biopsy Pathology Genetic
Testing Test Tests Sick Day Goals Code Full Dnr Comfort Hospitalist Surgeon Dentist Therapist Therapy
Speech Occupational Respiratory Social Work Worker Chaplain Interpreter Spanish English Portuguese
Caucasian White Black Asian Hispanic Latino African American Native Pacific Islander Other Unknown
Yes No None Not Also And But The This That These Those With Without From For Per Via Re Subject
Pain Fever Cough Tremor Shortness Breath Nausea Vomiting Diarrhea Fatigue Weakness Headache Dizziness
Type Diabetes Cancer Hypertension Failure Heart Kidney Liver Lung Stroke Seizure Sepsis Pneumonia
Inhaler Insulin Aspirin Morning Evening Night Today Tomorrow Yesterday Week Weeks Month Months Year Years
Temp Temperature Tmax Pulse Weight Height Wt Ht Sat Sats Glucose Fingerstick Vital Signs Wbc Hgb Plt
""".split())
_STOP = {w.title() for w in STOP_WORDS}
COMMON = frozenset(_CLINICAL_WORDS | _STOP)
COMMON_STRICT = frozenset(COMMON | _MONTH_WORDS)

# What follows an eponym when the eponym names a disease, sign or test rather than a person.
_EPONYM_NEXT = re.compile(
    r"(?:['’]s|s')?[ \t-]*(?:disease|syndrome|sign|signs|palsy|phenomenon|thyroiditis|lymphoma|disorder|"
    r"tumou?r|ulcer|triad|test|maneuver|manoeuvre|reflex|criteria|score|scale|classification|fracture|"
    r"sarcoma|an(?:a)?emia|encephalopathy|chorea|dementia|contracture|node|nodes|cyst|esophagus|"
    r"ophthalmopathy|orbitopathy|law|equation|formula|position|incision|procedure|operation|catheter|"
    r"area|rings?|spots?|pearls|bod(?:y|ies)|cells?|phenomena|diathesis|ataxia|dystrophy|"
    r"myopathy|neuropathy|neuralgia|arteritis|granulomatosis|purpura|lesions?|nodules?|breathing|"
    r"respirations?|pulse|murmur|gallop|point|line|lines|angle|space|duct|canal|gland|loop|"
    r"features|type|variant|deformity|hernia|diverticulum|edema|infarct|aneurysm|cancer|carcinoma|"
    r"leukemia|plan|rule|rules|protocol)\b",
    re.IGNORECASE)


def eponym_follows(text: str, end: int) -> bool:
    """Whether the word ending at ``end`` is an eponym used for what it names.

    >>> eponym_follows("Parkinson disease", 9), eponym_follows("Bell's palsy", 4), eponym_follows("Mr. Bell", 8)
    (True, True, False)
    """
    return _EPONYM_NEXT.match(text, end) is not None


# ------------------------------------------------------------------------------------ base class
Rule = tuple[re.Pattern, str, float]  # (pattern, group holding the PHI, score)


class _RuleRecognizer(LocalRecognizer):
    """A recogniser that runs compiled rules; subclasses set ``ENTITY`` and ``RULES`` and may ``accept``."""

    ENTITY = ""
    RULES: tuple[Rule, ...] = ()

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__)

    def load(self) -> None:  # rules are compiled at import
        pass

    def accept(self, text: str, m: re.Match, start: int, end: int) -> bool:
        return True

    def spans(self, text: str) -> Iterator[tuple[int, int, float]]:
        for pattern, group, score in self.RULES:
            for m in pattern.finditer(text):
                start, end = m.span(group)
                if start < end and self.accept(text, m, start, end):
                    yield start, end, score

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.spans(text)]


# ------------------------------------------------------------------------------------ dates and ages
_NOT_DATE_NEAR = re.compile(
    r"\b(?:murmurs?|systolic|diastolic|holosystolic|strength|power|grade|tablets?|tabs?|BP|pressure|"
    r"pain|rated|severity|score|scale|reflexes|pulses?|dose|doses|ratio|vision|acuity|out|of|sutures?|"
    r"pack|puffs?|drops?|units?|mg|mcg|ml|mL|motor|sensory|sensation|extremities|bilaterally)\b", re.IGNORECASE)


class DateRecognizer(_RuleRecognizer):
    """Dates more precise than a year, in the formats of :data:`kg.deid.dates.DATE_REGEX`.

    A bare ``m/d`` must be a real day and not sit beside a murmur grade, strength, pain score or dose.
    """

    ENTITY = "DATE"
    RULES = ((DATE_REGEX, 0, 0.85),)

    def accept(self, text, m, start, end):
        if parse_date(m) is None:
            return False
        if m.group("sm"):
            before = text[max(0, start - 25):start]
            after = text[end:end + 25]
            if _NOT_DATE_NEAR.search(before.split("\n")[-1][-14:]) or _NOT_DATE_NEAR.match(after.lstrip(" \t")):
                return False
        return True


_AGE_UNIT = r"[ \t]*-?[ \t]*(?:y/o|y\.?o\.?\b|yrs?\b|years?\b|-?year|[FM]\b)"
_TEMPERATURE_BEFORE = re.compile(r"(?:\bT|temp|temperature|tmax|fever|febrile|°)[^\n]{0,12}$", re.IGNORECASE)


class AgeRecognizer(_RuleRecognizer):
    """Ages over 89 (the number), as ``94-year-old``, ``91 yo``, ``99F``, ``age 90``, ``Age: 94``, ``aged 95``."""

    ENTITY = "AGE"
    RULES = (
        (re.compile(rf"(?=[91])(?<![\d.])(?P<a>9\d|1[01]\d)(?={_AGE_UNIT})"), "a", 0.9),
        (re.compile(r"(?=[Aa])\b[Aa]ged?\b[ \t]*[:=]?[ \t]*(?P<a>9\d|1[01]\d)(?!\d|\.\d)"), "a", 0.9),
    )

    def accept(self, text, m, start, end):
        if text[end:end + 1] in ("F", "°") and _TEMPERATURE_BEFORE.search(text[max(0, start - 20):start]):
            return False
        return True


def age_replacement(text: str, start: int, end: int) -> str:
    """How an age over 89 is written back: ``≥90`` before a unit (``≥90-year-old``), else ``90 or older``.

    Both forms are read as age 90 by the extractor's age rules.

    >>> age_replacement("a 94-year-old", 2, 4), age_replacement("Age: 94", 5, 7)
    ('≥90', '90 or older')
    """
    return "≥90" if re.match(_AGE_UNIT, text[end:]) else "90 or older"


# ------------------------------------------------------------------------------------ contact, ids, web
class PhoneRecognizer(_RuleRecognizer):
    """US telephone and fax numbers: ``(617) 555-0142``, ``617.555.0186``, ``+1 617 555 0177``, ``x 22``."""

    ENTITY = "PHONE"
    RULES = (
        (re.compile(r"(?=[+(\d])(?<![\w+])(?P<p>(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t]?|\d{3}[ \t.-])\d{3}[ \t.-]\d{4})(?![\d-])"), "p", 0.8),
        (re.compile(r"\b(?:phone|tel|telephone|cell|mobile|pager|fax|call|ext)\b\.?:?[ \t]*(?P<p>\d{3}-\d{4})\b", re.IGNORECASE), "p", 0.6),
    )


_ID_KEYS = (r"MRN|MR\s?#|Med(?:ical)?\s+rec(?:ord)?(?:\s+(?:no|number|#))?|[Aa]cct|[Aa]ccount|"
            r"[Hh]ospital\s+(?:no|number|#)|[Mm]ember\s+ID|[Hh]ealth\s+plan\s+ID|[Mm]edicare\s+ID|"
            r"[Mm]edicaid\s+ID|[Ii]nsurance\s+ID|[Pp]olicy|SSN|[Ss]ocial\s+[Ss]ecurity(?:\s+(?:no|number))?|"
            r"[Ll]icen[cs]e|[Ll]ic|DL|[Pp]late|[Ss]erial|VIN|[Cc]ase|[Bb]adge|ID|NPI|DEA|[Cc]ertificate")


class IdRecognizer(_RuleRecognizer):
    """Record, account, plan, licence, plate, serial, case and badge numbers after their keyword; SSNs."""

    ENTITY = "ID"
    RULES = (
        (re.compile(rf"\b(?:{_ID_KEYS})\b\.?[ \t]*(?:(?:no|number|num|#)\.?[ \t]*)?(?:on[ \t]+file[ \t]*)?[:#]?[ \t]*"
                    r"(?P<id>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,}[A-Z0-9])(?![\w-])"), "id", 0.8),
        (re.compile(r"(?=\d)(?<![\w-])(?P<id>\d{3}-\d{2}-\d{4})(?![\w-])"), "id", 0.7),
    )


class UrlRecognizer(_RuleRecognizer):
    """Web addresses with a scheme, ``www.``, or a common top-level domain and a path."""

    ENTITY = "URL"
    RULES = (
        (re.compile(r"(?=[hw])(?P<u>\b(?:https?://|www\.)[^\s<>\"')\]]+)"), "u", 0.8),
        (re.compile(r"(?<![@\w.-])(?P<u>(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|us|info|health)(?:/[^\s<>\"')\]]*)?)(?![\w@])",
                    re.IGNORECASE), "u", 0.6),
    )

    def spans(self, text):
        for start, end, score in super().spans(text):
            while end > start and text[end - 1] in ".,;:!?":
                end -= 1
            yield start, end, score


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern without its ``tldextract`` check (which downloads the public-suffix
    list, and rejects reserved domains such as ``example.org`` that synthetic notes use)."""

    def validate_result(self, pattern_text: str):
        return None

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        return super().analyze(text, entities, nlp_artifacts, regex_flags) if "@" in text else []


class QuickIpRecognizer(IpRecognizer):
    """Presidio's IPv4/IPv6 recogniser, run only on notes with something shaped like an address."""

    _HINT = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{0,4}::?[0-9A-Fa-f]{1,4}:")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        return super().analyze(text, entities, nlp_artifacts, regex_flags) if self._HINT.search(text) else []


# ------------------------------------------------------------------------------------ places
_STREET = (r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Court|Ct|Terrace|Ter|Way|Boulevard|Blvd|Place|Pl|"
           r"Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq|Row|Path|Trail|Pike|Turnpike")
_CAP = r"(?:[A-Z][a-z]+|[A-Z]\.)"
_STATE_ABBR = "|".join(US_STATES)
_STATE_NAME = "|".join(re.escape(n) for n in US_STATES.values())
_UNIT = r"(?:,?[ \t]+(?:Apt|Apartment|Unit|Suite|Ste|#)\.?[ \t]*[A-Za-z0-9-]+)?"


class AddressRecognizer(_RuleRecognizer):
    """Street addresses, routes, ZIP codes after a state, and towns (GeoNames list) in an address context."""

    ENTITY = "ADDRESS"
    _STATE_BEFORE_ZIP = re.compile(rf"\b(?:{_STATE_ABBR}|{_STATE_NAME})[ \t]$")

    def accept(self, text, m, start, end):
        if m.re.pattern.startswith("(?=\\d{5})"):  # a ZIP code: only after a state ("MA 02139")
            return self._STATE_BEFORE_ZIP.search(text, max(0, start - 20), start) is not None
        return True
    RULES = (
        (re.compile(rf"(?P<a>\b\d{{1,5}}[ \t]+(?:{_CAP}[ \t]+){{1,3}}(?:{_STREET}|Dr)\b\.?{_UNIT})"), "a", 0.85),
        (re.compile(rf"(?P<a>\b(?:[A-Z][a-z]+[ \t]+){{1,2}}(?:Street|St|Avenue|Ave|Road|Lane|Terrace|Boulevard|Blvd)\b\.?)"), "a", 0.6),
        (re.compile(r"(?P<a>\b(?:Route|Rte|Highway|Hwy|Interstate)[ \t]?\d{1,3}\b)"), "a", 0.7),
        (re.compile(rf"(?=\d{{5}})(?<=[A-Za-z][ \t])(?<![\w-]\d)(?P<a>\d{{5}}(?:-\d{{4}})?)\b"), "a", 0.85),
        (re.compile(r"\b(?:ZIP|[Zz]ip(?:\s*code)?)[ \t]*:?[ \t]*(?P<a>\d{5}(?:-\d{4})?)\b"), "a", 0.85),
    )
    _CANDIDATE = re.compile(r"\b[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,2}\b")
    _BEFORE = re.compile(r"(?:\b(?:in|from|near|at|to|of|lives|living|moved|resides|resident|town|city)[ \t]+"
                         rf"|\d{{1,5}}[ \t]+(?:{_CAP}[ \t]+){{1,3}}(?:{_STREET}|Dr)\b\.?{_UNIT},[ \t]*)$")
    _AFTER = re.compile(rf",?[ \t]+(?:{_STATE_ABBR}|{_STATE_NAME})\b")

    def spans(self, text):
        yield from super().spans(text)
        places, firsts = us_places(), _place_first_words()
        for m in self._CANDIDATE.finditer(text):
            words = m.group().split()
            if words[0] not in firsts:
                continue
            # the longest run of leading words that names a place: "New York City", "Huntington"
            for n in range(len(words), 0, -1):
                name = " ".join(words[:n])
                if name in places and name not in COMMON_STRICT:
                    start = m.start()
                    end = start + len(name)
                    if eponym_follows(text, end):
                        break
                    if self._AFTER.match(text, end) or self._BEFORE.search(text[max(0, start - 60):start]):
                        yield start, end, 0.7
                    break


@lru_cache(maxsize=1)
def _place_first_words() -> frozenset[str]:
    return frozenset(p.split()[0] for p in us_places())


_INST_KEY = re.compile(
    r"\b(?:Hospital|Medical Center|Health Center|Medical Centre|Center|Centre|Clinic|Institute|Infirmary|"
    r"Nursing Home|Assisted Living|Senior Living|Home Care|Hospice|Residences|College|University|School|"
    r"Academy|Pediatrics|Associates|Alliance|Airport|Diagnostics|Laboratories|Urgent Care|Health System|"
    r"Healthcare|Medical Group|Practice|Partners)\b")
_INST_WORD = re.compile(r"(?:[A-Z][a-z]+(?:['’]s)?|[A-Z]{2,4}|St\.|[A-Z]&[A-Z])$")
_INST_JOIN = {"and", "of", "&", "for"}


class InstitutionRecognizer(LocalRecognizer):
    """Hospitals, clinics, care homes, schools and employers: capitalised words ending in a keyword.

    Grows left over capitalised words (and ``and``/``of``), right over ``of Boston``, a state
    (``Children's Hospital Colorado``) and ``at <another institution>``.
    """

    ENTITY = "INSTITUTION"

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="InstitutionRecognizer")

    def load(self) -> None:
        pass

    def _grow_left(self, text: str, start: int) -> int:
        offset = max(text.rfind("\n", 0, start) + 1, start - 120)  # the line, at most 120 characters back
        words = list(re.finditer(r"[^\s,;:()]+", text[offset:start]))
        new_start, pending = start, None
        for w in reversed(words):
            token = w.group()
            gap = text[offset + w.end():new_start if pending is None else pending]
            if gap.strip():
                break
            if token in _INST_JOIN:
                pending = pending if pending is not None else new_start
                pending = offset + w.start()
                continue
            if _INST_WORD.match(token) and token not in ("The", "At", "To", "From", "In"):
                new_start, pending = offset + w.start(), None
                continue
            break
        return new_start

    _TAIL = re.compile(rf"[ \t]+(?:of[ \t]+(?:[A-Z][a-z]+[ \t]?)+|(?:{_STATE_NAME})\b)")
    _AT = re.compile(r"[ \t]+at[ \t]+(?:the[ \t]+)?")

    def spans(self, text: str) -> Iterator[tuple[int, int, float]]:
        for m in _INST_KEY.finditer(text):
            start = self._grow_left(text, m.start())
            if start == m.start() and " " not in m.group():
                continue  # a bare keyword ("Hospital Course:") is no institution
            end = m.end()
            while True:
                tail = self._TAIL.match(text, end)
                at = self._AT.match(text, end)
                if tail:
                    end += len(tail.group().rstrip())
                elif at:
                    nxt = _INST_KEY.search(text, at.end(), min(len(text), at.end() + 60))
                    if nxt and self._grow_left(text, nxt.start()) == at.end():
                        end = nxt.end()
                    else:
                        break
                else:
                    break
            yield start, end, 0.8

    def analyze(self, text, entities, nlp_artifacts=None):
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.spans(text)]


# ------------------------------------------------------------------------------------ people
_NAME_TOK = r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)*"
_INITIAL = r"[A-Z]\."
_TOK = rf"(?:{_NAME_TOK}|{_INITIAL})"
_SEQ = rf"{_TOK}(?:[ ]{_TOK}){{0,2}}(?![A-Za-z'’])"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Sgt|Officer|Rev|Capt)\.?"
_RELATIONS = (r"husband|wife|son|daughter|mother|father|sister|brother|niece|nephew|grandson|granddaughter|"
              r"grandmother|grandfather|partner|roommate|caregiver|proxy|aunt|uncle|cousin|spouse|friend|"
              r"parents?|guardian|manager|contact|officer|neighbou?r|boyfriend|girlfriend|fianc[ée]e?|nurse|"
              r"stepson|stepdaughter|landlord|coworker|colleague|sitter|aide")
_LABELS = (r"[Pp]atient(?:[ \t]+name)?|Pt|Name|From|To|Dear|Attending|PCP|Surgeon|[Ss]igned(?:[ \t]+by)?|"
           r"[Ee]lectronically[ \t]+signed(?:[ \t]+by)?|[Ss]een[ \t]+by|[Rr]eferred[ \t]+by|[Pp]rovider|"
           r"[Ss]ent[ \t]+by|[Dd]ictated[ \t]+by|[Cc]ontact|[Ss]incerely|[Rr]egards|[Cc]c|Re")
_CREDENTIALS = r"MD|DO|RN|NP|PA-C|PA|PhD|DNP|CNM|LPN|MSW|LICSW|FNP|APRN|MBBS|CNP|RD|PT|OT|DDS"
_IDENTITY_NEXT = (r"(?=(?:[ \t]*[,|(][ \t]*|[ \t]+)(?:\(?MRN|DOB|MR#|[Aa]cct|aged?\b|is[ \t]an?[ \t]\d|"
                  r"\d{1,3}[ \t]?(?:yo\b|y/o|y\.o\.|-?[ \t]?years?\b|[FM]\b)))")

def _either_case(words: str) -> str:
    """``husband|wife`` -> ``[Hh]usband|[Ww]ife`` (much faster than a case-insensitive group)."""
    return "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in words.split("|"))


# Rules that start at their trigger: (pattern, group, score, strict: every word must pass the
# stricter common-word filter, months included).
_NAME_RULES: tuple[tuple[re.Pattern, str, float, bool], ...] = (
    (re.compile(rf"\b{_TITLE}[ \t]+(?P<n>{_SEQ})"), "n", 0.9, False),
    (re.compile(rf"\b(?:{_either_case(_RELATIONS)})\b(?:['’]s)?[ \t]*[:,]?[ \t]*(?:{_TITLE}[ \t]+)?(?P<n>{_SEQ})"),
     "n", 0.8, False),
    (re.compile(rf"(?:^|\b)(?:{_LABELS})[ \t]*[:,]?[ \t]*(?:{_TITLE}[ \t]+)?(?P<n>(?:{_NAME_TOK},[ ])?{_SEQ})",
                re.MULTILINE), "n", 0.8, False),
    # registration headers in capitals: "PATIENT: DOE, JOHN A"
    (re.compile(r"(?:^|\b)(?:PATIENT(?:[ \t]+NAME)?|[Pp]atient(?:[ \t]+[Nn]ame)?|PT|Pt|NAME|Name)[ \t]*:[ \t]*"
                r"(?P<n>[A-Z][A-Z'-]+,?[ \t]+[A-Z][A-Z'-]+(?:[ \t]+[A-Z]\b\.?)?)(?![A-Za-z])", re.MULTILINE), "n", 0.8, False),
)
# Rules that end at their trigger: the name is the words just before it.
_NAME_BEFORE: tuple[tuple[re.Pattern, float, bool], ...] = (
    (re.compile(rf",?[ \t]+(?:{_CREDENTIALS})\b"), 0.8, False),
    (re.compile(_IDENTITY_NEXT[3:-1]), 0.75, True),
)
_SEQ_AT_END = re.compile(rf"(?P<n>(?:{_NAME_TOK},[ ])?{_SEQ})$")  # also "Smith, Jane"
_WORD = re.compile(rf"\b{_NAME_TOK}\b")
_PAIR = re.compile(rf"\b(?P<n>(?P<f>{_NAME_TOK})[ \t]+(?:{_INITIAL}[ \t]+)?(?P<l>{_NAME_TOK}))\b")


def _trim(text: str, start: int, end: int, common: frozenset[str]) -> tuple[int, int]:
    """Drop leading/trailing words of a candidate name that are common words ("Patient", "Dear")."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while words and text[words[0][0]:words[0][1]].rstrip(".,") in common:
        words.pop(0)
    while words and text[words[-1][0]:words[-1][1]].rstrip(".,") in common:
        words.pop()
    if not words:
        return start, start
    return words[0][0], words[-1][1]


class NameRecognizer(LocalRecognizer):
    """People's names: after a title, a relation or a label, before a credential or an MRN/age,
    a first name followed by a surname from the census lists, and every later mention of a name
    already found in the same note (unless it names a disease or sign: "Parkinson disease")."""

    ENTITY = "NAME"

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name="NameRecognizer")

    def load(self) -> None:
        first_names(), surnames()

    def _candidates(self, text: str) -> Iterator[tuple[int, int, float, bool]]:
        for pattern, group, score, strict in _NAME_RULES:
            for m in pattern.finditer(text):
                yield *m.span(group), score, strict
        for anchor, score, strict in _NAME_BEFORE:
            for a in anchor.finditer(text):
                m = _SEQ_AT_END.search(text, max(0, a.start() - 80), a.start())
                if m:
                    yield *m.span("n"), score, strict

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        for start, end, score, strict in self._candidates(text):
            s, e = _trim(text, start, end, COMMON_STRICT if strict else COMMON)
            if s >= e or eponym_follows(text, e):
                continue
            words = text[s:e].split()
            if all(re.fullmatch(_INITIAL, w) for w in words):
                continue
            if strict and any(w.rstrip(".,") in COMMON_STRICT for w in words):
                continue
            found.append((s, e, score))
        firsts, lasts = first_names(), surnames()
        for m in _PAIR.finditer(text):
            f, last = m.group("f"), m.group("l")
            if (f in firsts and f not in COMMON_STRICT and last not in COMMON_STRICT
                    and any(part in lasts for part in last.split("-")) and not eponym_follows(text, m.end())):
                found.append((m.start("n"), m.end("n"), 0.7))
        found.extend(self._later_mentions(text, found))
        return found

    def _later_mentions(self, text: str, found: list[tuple[int, int, float]]) -> Iterator[tuple[int, int, float]]:
        words = {w for s, e, _ in found for w in _WORD.findall(text, s, e) if len(w) > 2 and w not in COMMON_STRICT}
        if not words:
            return
        taken = {i for s, e, _ in found for i in range(s, e)}
        for m in _WORD.finditer(text):
            if m.group() in words and m.start() not in taken and not eponym_follows(text, m.end()):
                yield m.start(), m.end(), 0.6

    def analyze(self, text, entities, nlp_artifacts=None):
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.spans(text)]


def default_recognizers() -> list[LocalRecognizer]:
    """One recogniser per PHI type (Presidio's own for e-mail and IP addresses)."""
    return [NameRecognizer(), DateRecognizer(), AgeRecognizer(), PhoneRecognizer(), IdRecognizer(),
            AddressRecognizer(), InstitutionRecognizer(), UrlRecognizer(),
            OfflineEmailRecognizer(), QuickIpRecognizer()]


# Presidio's entity names for its own recognisers -> medkg's PHI types
PRESIDIO_TYPES: dict[str, str] = {"EMAIL_ADDRESS": "EMAIL", "IP_ADDRESS": "IP"}
