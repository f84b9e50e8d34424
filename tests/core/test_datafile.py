import pytest

from therapycheck.core.datafile import DuplicateKeyError, load_yaml


def test_it_reads_plain_yaml():
    assert load_yaml("a: 1\nb: [1, 2]\n") == {"a": 1, "b": [1, 2]}


def test_it_refuses_a_key_given_twice_and_names_the_line():
    with pytest.raises(DuplicateKeyError, match="line 3: the key 'notes' appears twice"):
        load_yaml("notes: one\nid: x\nnotes: two\n")


def test_it_refuses_a_nested_key_given_twice():
    with pytest.raises(DuplicateKeyError):
        load_yaml("source:\n  url: a\n  url: b\n")


def test_it_still_resolves_anchors_and_merge_keys():
    text = "base: &b {citation: x}\nitem:\n  <<: *b\n  url: y\n"
    assert load_yaml(text)["item"] == {"citation": "x", "url": "y"}


def test_a_packaged_data_file_must_be_a_mapping_and_errors_name_the_file(tmp_path, monkeypatch):
    from therapycheck.core.datafile import load_mapping

    package = tmp_path / "tc_fake_data"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.yaml").write_text("countries: {}\n")
    (package / "list.yaml").write_text("- a\n- b\n")
    (package / "twice.yaml").write_text("a: 1\na: 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_mapping("tc_fake_data", "good.yaml") == {"countries": {}}
    with pytest.raises(ValueError, match=r"list.yaml: expected a mapping at the top level"):
        load_mapping("tc_fake_data", "list.yaml")
    with pytest.raises(ValueError, match=r"twice.yaml: line 2: the key 'a' appears twice"):
        load_mapping("tc_fake_data", "twice.yaml")
