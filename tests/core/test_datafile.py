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
