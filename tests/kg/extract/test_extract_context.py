"""ConText triggers on synthetic sentences (all text here is made up for the tests)."""

import pytest


@pytest.mark.parametrize("note, text, trigger", [
    ("No fever.", "fever", "No"),
    ("She denies cough.", "cough", "denies"),
    ("Patient is negative for chest pain.", "chest pain", "is negative for"),
    ("Lungs: no further wheezing or cough.", "cough", "no further"),
    ("Vomiting: none.", "vomiting", "none"),
    ("Without nausea.", "nausea", "Without"),
    ("Free of headache.", "headache", "Free of"),
    ("Seizure has been ruled out.", "seizure", "has been ruled out"),
    ("No evidence of asthma.", "asthma", "No evidence of"),
    ("Cough was not seen.", "cough", "not seen"),
    ("He does not have chills.", "chills", "not"),
])
def test_negation_triggers(by_text, note, text, trigger):
    f = by_text(note)[text]
    assert f.negated and f.assertion == "absent" and f.trigger == trigger


def test_denies_list_negates_all_three(by_text):
    found = by_text("Denies fever, chills or cough.")
    assert all(found[t].negated for t in ("fever", "chills", "cough"))


def test_but_ends_the_scope(by_text):
    found = by_text("No cough but has headache.")
    assert found["cough"].negated and not found["headache"].negated


@pytest.mark.parametrize("note, text", [
    ("There was no increase in headache.", "headache"),
    ("Not only cough but nausea too.", "cough"),
    ("No change in chest pain.", "chest pain"),
    ("Gram negative rods; fever persists.", "fever"),
])
def test_pseudo_negations(by_text, note, text):
    assert not by_text(note)[text].negated


def test_trigger_inside_a_concept_name_is_ignored(by_text):
    assert not by_text("Absent thumb on the left.")["absent thumb"].negated


@pytest.mark.parametrize("note, text, attr", [
    ("Possible asthma.", "asthma", "uncertain"),
    ("Rule out seizure.", "seizure", "uncertain"),
    ("Asthma cannot be excluded.", "asthma", "uncertain"),
    ("History of seizure.", "seizure", "historical"),
    ("She is s/p aortic dissection.", "aortic dissection", "historical"),
    ("Return if fever develops.", "fever", "hypothetical"),
    ("Call for any chest pain.", "chest pain", "hypothetical"),
])
def test_other_assertions(by_text, note, text, attr):
    f = by_text(note)[text]
    assert getattr(f, attr) and f.trigger and not f.negated


def test_pseudo_history(by_text):
    assert not by_text("He has a two-day history of cough.")["cough"].historical


@pytest.mark.parametrize("note, text", [
    ("Mother had asthma.", "asthma"),
    ("Family history of Marfan syndrome.", "marfan syndrome"),
    ("Seizure in his father.", "seizure"),
])
def test_family_experiencer(by_text, note, text):
    f = by_text(note)[text]
    assert f.experiencer == "family" and not f.is_present and not f.used_for_ranking


def test_other_experiencer(by_text):
    assert by_text("His wife has cough.")["cough"].experiencer == "other"


def test_scope_stays_in_sentence(by_text):
    found = by_text("Denies fever.\nCough for two days.")
    assert found["fever"].negated and not found["cough"].negated
