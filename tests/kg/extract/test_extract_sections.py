"""Sections, sentences and section-based assertions (synthetic notes)."""

from kg.extract.sections import find_sections
from kg.extract.tokenizer import make_nlp
from kg.extract.sentences import split_sentences

NOTE = """SYNTHETIC
HPI: 30 yo M with cough.
PMH:
- asthma
FAMILY HISTORY
Seizure. Tall stature.
Social Hx: no smoking.
ROS: no fever.
PHYSICAL EXAM:
Lungs: wheeze.
A/P: headache."""


def test_find_sections_names_and_order():
    names = [s.name for s in find_sections(NOTE)]
    assert names == ["hpi", "past_medical_history", "family_history", "social_history", "ros", "physical_exam",
                     "assessment_plan"]


def test_sections_cover_the_note_in_order():
    secs = find_sections(NOTE)
    assert all(a.end == b.start for a, b in zip(secs, secs[1:])) and secs[-1].end == len(NOTE)


def test_findings_record_section_and_section_rules(extractor):
    res = extractor.extract(NOTE)
    by = {f.text.lower(): f for f in res.findings}
    assert by["cough"].section == "hpi" and by["cough"].is_present
    assert by["asthma"].section == "past_medical_history" and by["asthma"].historical and by["asthma"].is_present
    assert by["seizure"].experiencer == "family" and by["tall stature"].experiencer == "family"
    assert by["seizure"].trigger == "FAMILY HISTORY"
    assert by["fever"].section == "ros" and by["fever"].negated
    assert by["headache"].section == "assessment_plan"


def test_header_is_not_a_finding(extractor):
    res = extractor.extract("FAMILY HISTORY: Mother with asthma.")
    assert [f.concept_id for f in res.findings] == ["HP:0002099"]


def _sents(text):
    nlp = make_nlp()
    return [s.text.strip() for s in split_sentences(nlp.make_doc(text)).sents]


def test_sentences_survive_notes():
    assert _sents("HPI: fever.\nDr. Smith saw her b.i.d. today.") == ["HPI:", "fever.", "Dr. Smith saw her b.i.d. today."]
    # a wrapped line continues the sentence; a short list line does not
    assert len(_sents("The patient is a pleasant woman who presents with fever and\nsevere cough since Monday.")) == 1
    assert _sents("Meds:\n- aspirin\n- metformin") == ["Meds:", "- aspirin", "- metformin"]
    assert len(_sents("VITALS: T 39.2 C, HR 124, BP 172/104.")) == 2
