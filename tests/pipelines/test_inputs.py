"""tests for pipelines/inputs.py: the checks that run before anything heavy loads."""

from __future__ import annotations

import pytest

from kg.errors import ConceptNotFound, InputError
from pipelines.config import load_settings
from pipelines.inputs import (
    InputConfig, check_finding_count, check_id, check_note_bytes, read_note, require_known, unknown_ids,
)


@pytest.mark.parametrize("data, message", [
    (b"", "note n.txt is empty"),
    (b" \n\t\n", "note n.txt is empty"),
    (b"abc\x00def", r"looks like binary data \(it contains NUL bytes\)"),
    (bytes(range(1, 32)) * 40, r"looks like binary data \(\d+ control characters"),
    ("fi\xe8vre".encode("latin-1"), "not UTF-8 text: byte 0xe8 at offset 2"),
])
def test_bad_notes_are_named(data, message):
    with pytest.raises(InputError, match=message):
        check_note_bytes(data, "n.txt")


def test_a_note_with_a_bom_and_tabs_is_text():
    assert check_note_bytes("\ufeffFever\tand cough\r\n".encode("utf-8"), "n.txt") == "Fever\tand cough\r\n"


def test_size_limit_names_the_limit_and_its_config_key(tmp_path):
    note = tmp_path / "big.txt"
    note.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match=r"big.txt is 101 bytes; the limit is 100 bytes "
                                         r"\(\[input\] max_note_bytes in medkg.toml, or MEDKG_INPUT_MAX_NOTE_BYTES\)"):
        read_note(str(note), InputConfig(max_note_bytes=100))
    note.write_bytes(b"x" * 100)
    assert read_note(str(note), InputConfig(max_note_bytes=100)) == ("big.txt", "x" * 100)


def test_limits_come_from_config_and_environment(tmp_path):
    settings = load_settings(home=tmp_path, env={"MEDKG_INPUT_MAX_NOTE_BYTES": "1234", "MEDKG_INPUT_MAX_FINDINGS": "5"})
    assert settings.input == InputConfig(max_note_bytes=1234, max_findings=5)
    with pytest.raises(InputError, match=r"6 findings given; the limit is 5 \(\[input\] max_findings"):
        check_finding_count(6, settings.input)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_note(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a folder"):
        read_note(str(tmp_path))


@pytest.mark.parametrize("raw, message", [
    ("fever", "is not an id"), ("", "is not an id"), ("HP: 0001166", "is not an id"),
    ("HP:1166", "not a valid HP id"), ("OMIM:15470", "not a valid OMIM id"),
    ("FOO:1", "unknown prefix 'FOO'"), ("ORPHA:abc", "not a valid ORPHA id"),
])
def test_malformed_ids(raw, message):
    with pytest.raises(InputError, match=message):
        check_id(raw)


def test_ids_are_spelled_canonically():
    assert [check_id(x) for x in ("hp:0001166", "MIM:154700", "Orphanet:558", " HP:0000098 ")] == \
        ["HP:0001166", "OMIM:154700", "ORPHA:558", "HP:0000098"]


def test_unknown_ids_are_looked_up_in_the_store(toy_home):
    from kg.store import open_store

    store = open_store(toy_home.graph)
    try:
        assert unknown_ids(store, ["HP:0001166", "HP:9999999", "OMIM:154700"]) == ["HP:9999999"]
    finally:
        store.close()
    assert require_known(toy_home.graph, ["HP:0001166", "HP:9999999"]) == ["HP:9999999"]
    with pytest.raises(ConceptNotFound, match=r"none of the 2 ids is in the graph: HP:9999999, HP:9999998"):
        require_known(toy_home.graph, ["HP:9999999", "HP:9999998"])


def test_limits_are_validated_and_match_the_rankers_cap(tmp_path):
    from kg.errors import ConfigError
    from model.ranker import MAX_FINDINGS
    from pipelines.inputs import RANKER_MAX_FINDINGS

    assert RANKER_MAX_FINDINGS == MAX_FINDINGS == InputConfig().max_findings
    with pytest.raises(ConfigError, match=r"\[input\] max_findings must be between 1 and 20,000"):
        load_settings(home=tmp_path, env={"MEDKG_INPUT_MAX_FINDINGS": "50000"})
    with pytest.raises(ConfigError, match=r"\[input\] max_note_bytes must be at least 1"):
        InputConfig(max_note_bytes=0)
