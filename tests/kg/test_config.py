"""kg/config.py: the MEDKG_HOME layout and the machinery every config section shares."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from kg.config import GraphConfig, Home, coerce_value, config_to_dict, default_home, section_from_mapping
from kg.errors import ConfigError


def test_home_layout(tmp_path):
    home = Home(tmp_path / "h")
    assert (home.graph, home.sources, home.literature, home.models, home.config_file) == (
        tmp_path / "h" / "graph", tmp_path / "h" / "sources", tmp_path / "h" / "literature",
        tmp_path / "h" / "models", tmp_path / "h" / "medkg.toml")
    assert home.ensure() is home
    assert all(p.is_dir() for p in (home.graph, home.sources, home.literature, home.models))
    assert not home.config_file.exists()


def test_default_home_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "x"))
    assert default_home() == tmp_path / "x"
    monkeypatch.setenv("MEDKG_HOME", "~/medkg-test-home")
    assert default_home() == Path("~/medkg-test-home").expanduser()
    monkeypatch.delenv("MEDKG_HOME")
    assert default_home().name == "medkg"


def test_graph_defaults():
    cfg = GraphConfig()
    assert cfg.sources == ("auto",) and cfg.mirror == "" and cfg.view_cache is True


def test_unknown_key_lists_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown key 'sourcez' in \[graph\]; valid keys: sources, mirror, view_cache"):
        section_from_mapping(GraphConfig, {"sourcez": ["hpo"]}, "graph")


def test_section_must_be_a_table():
    with pytest.raises(ConfigError, match=r"\[graph\] must be a table"):
        section_from_mapping(GraphConfig, ["hpo"], "graph")  # type: ignore[arg-type]


def test_section_from_mapping_coerces_and_keeps_base():
    base = GraphConfig(mirror="/m")
    cfg = section_from_mapping(GraphConfig, {"sources": "hpo, mondo", "view_cache": "off"}, "graph", base=base)
    assert cfg == GraphConfig(sources=("hpo", "mondo"), mirror="/m", view_cache=False)
    assert section_from_mapping(GraphConfig, {}, "graph") == GraphConfig()


@pytest.mark.parametrize("tp, value, out", [
    (bool, True, True), (bool, "yes", True), (bool, "1", True), (bool, "On", True),
    (bool, "false", False), (bool, "no", False), (bool, 0, False),
    (int, "5", 5), (int, 7, 7), (float, "0.25", 0.25), (float, 1, 1.0),
    (str, "x", "x"), (str, 3, "3"),
    (tuple[str, ...], ["a", "b"], ("a", "b")), (tuple[str, ...], "a, b,,c", ("a", "b", "c")),
    (Optional[int], "", None), (Optional[int], "3", 3), ("int", "4", 4),
])
def test_coerce_value(tp, value, out):
    assert coerce_value(tp, value, "[s] k") == out


@pytest.mark.parametrize("tp, value, message", [
    (bool, "maybe", r"\[s\] k must be true or false, got 'maybe'"),
    (int, "five", r"\[s\] k must be a number \(int\), got 'five'"),
    (float, None, r"\[s\] k must be a number \(float\)"),
    (str, ["a"], r"\[s\] k must be text, got \['a'\]"),
    (tuple[str, ...], 5, r"\[s\] k must be a list, got 5"),
])
def test_coerce_value_errors_name_key_and_value(tp, value, message):
    with pytest.raises(ConfigError, match=message):
        coerce_value(tp, value, "[s] k")


def test_config_to_dict():
    assert config_to_dict(GraphConfig(sources=("hpo",))) == {"sources": ["hpo"], "mirror": "", "view_cache": True,
                                                             "service_allowlist": [], "store": "", "poll_s": 5.0}


def test_graph_store_setting(tmp_path):
    from pipelines.config import load_settings

    s = load_settings(home=tmp_path, env={"MEDKG_GRAPH_STORE": "http://127.0.0.1:7878/"})
    assert s.graph.store == "http://127.0.0.1:7878" and s.home.store == s.graph.store
    assert s.home.graph == tmp_path / "graph"          # the local caches stay in the home
    assert load_settings(home=tmp_path, env={}).home.store == ""
    with pytest.raises(ConfigError, match=r"\[graph\] store must be empty .* got 'db.example:7878'"):
        load_settings(home=tmp_path, env={"MEDKG_GRAPH_STORE": "db.example:7878"})
    assert config_to_dict(Path("/a")) == "/a"
