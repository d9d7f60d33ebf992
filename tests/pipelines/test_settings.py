"""pipelines/config.py: defaults < MEDKG_HOME/medkg.toml < --config FILE < MEDKG_<SECTION>_<KEY>."""

from __future__ import annotations

import json

import pytest

from kg.config import GraphConfig
from kg.errors import ConfigError
from pipelines.config import Settings, load_settings


def test_defaults(tmp_path):
    s = load_settings(home=tmp_path, env={})
    assert isinstance(s, Settings)
    assert s.home.root == tmp_path
    assert s.graph == GraphConfig()
    assert s.serve.host == "127.0.0.1"
    json.dumps(s.to_dict())  # plain data
    assert s.to_dict()["home"] == str(tmp_path)


def test_home_from_env(tmp_path):
    s = load_settings(env={"MEDKG_HOME": str(tmp_path / "h")})
    assert s.home.root == tmp_path / "h"


def test_home_file_then_config_file_then_env(tmp_path):
    (tmp_path / "medkg.toml").write_text('[graph]\nsources = ["hpo"]\nmirror = "/home-mirror"\n[retrieval]\nk = 3\n')
    extra = tmp_path / "extra.toml"
    extra.write_text('[graph]\nmirror = "/cli-mirror"\n[serve]\nport = 9000\n')
    s = load_settings(home=tmp_path, env={})
    assert s.graph.sources == ("hpo",) and s.graph.mirror == "/home-mirror" and s.retrieval.k == 3
    s = load_settings(home=tmp_path, config_file=extra, env={})
    assert s.graph.sources == ("hpo",)          # from the home's file
    assert s.graph.mirror == "/cli-mirror"       # --config wins over the home's file
    assert s.serve.port == 9000 and s.retrieval.k == 3
    env = {"MEDKG_GRAPH_MIRROR": "/env-mirror", "MEDKG_RETRIEVAL_K": "7", "MEDKG_GRAPH_VIEW_CACHE": "false",
           "MEDKG_SERVE_MAX_BODY_BYTES": "1000", "MEDKG_GRAPH_SOURCES": "hpo,mondo"}
    s = load_settings(home=tmp_path, config_file=extra, env=env)
    assert s.graph.mirror == "/env-mirror"        # the environment wins over both files
    assert s.graph.view_cache is False
    assert s.graph.sources == ("hpo", "mondo")
    assert s.retrieval.k == 7 and s.serve.max_body_bytes == 1000 and s.serve.port == 9000


def test_env_from_process_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDKG_RETRIEVAL_K", "11")
    assert load_settings(home=tmp_path).retrieval.k == 11


def test_unknown_env_key_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'sourcez' in \[graph\]; valid keys: sources, mirror, view_cache"):
        load_settings(home=tmp_path, env={"MEDKG_GRAPH_SOURCEZ": "hpo"})


def test_bad_env_value_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"\[retrieval\] k must be a number \(int\), got 'many'"):
        load_settings(home=tmp_path, env={"MEDKG_RETRIEVAL_K": "many"})


def test_unknown_section_lists_valid_ones(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[grpah]\nsources = []\n")
    with pytest.raises(ConfigError, match=rf"unknown section \[grpah\] in .*c\.toml; valid sections: graph, retrieval, model, serve"):
        load_settings(home=tmp_path, config_file=cfg, env={})


def test_unknown_key_in_home_file_names_file(tmp_path):
    (tmp_path / "medkg.toml").write_text("[serve]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'prot' in \[serve\]; valid keys: host, port, token"):
        load_settings(home=tmp_path, env={})


def test_bad_toml_names_the_file(tmp_path):
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[graph\nsources = \n")
    with pytest.raises(ConfigError, match=r"config file .*broken\.toml is not valid TOML"):
        load_settings(home=tmp_path, config_file=cfg, env={})
    (tmp_path / "medkg.toml").write_text("k = = 1\n")
    with pytest.raises(ConfigError, match=r"config file .*medkg\.toml is not valid TOML"):
        load_settings(home=tmp_path, env={})


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml does not exist"):
        load_settings(home=tmp_path, config_file=tmp_path / "nope.toml", env={})


def test_bad_value_type_in_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[graph]\nview_cache = \"perhaps\"\n")
    with pytest.raises(ConfigError, match=r"\[graph\] view_cache must be true or false, got 'perhaps'"):
        load_settings(home=tmp_path, config_file=cfg, env={})
