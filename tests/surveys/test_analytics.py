"""Pre/post arithmetic on hand-made examples, and small-cell suppression."""

import pytest

from surveys import analytics


def test_paired_change_on_a_hand_made_example():
    # Six people, before -> after: four improve, one stays, one drops.
    pre = {"ann": 2, "bo": 3, "cy": 1, "di": 4, "ed": 2, "flo": 3, "only_pre": 1}
    post = {"ann": 4, "bo": 3, "cy": 3, "di": 3, "ed": 3, "flo": 5, "only_post": 5}
    pairs = analytics.pair_up(pre, post)
    assert set(pairs) == {"ann", "bo", "cy", "di", "ed", "flo"}
    change = analytics.paired_change(list(pairs.values()))
    assert change.n == 6 and not change.is_suppressed
    assert change.mean_pre == pytest.approx(15 / 6)
    assert change.mean_post == pytest.approx(21 / 6)
    assert change.mean_change == pytest.approx(1.0)  # (2 + 0 + 2 - 1 + 1 + 2) / 6
    assert change.share_improved == pytest.approx(4 / 6)


def test_fewer_than_five_pairs_are_suppressed():
    change = analytics.paired_change([(1, 2), (2, 3), (3, 4), (4, 5)])
    assert change.is_suppressed
    assert (change.mean_pre, change.mean_post, change.mean_change, change.share_improved) == (
        None,
        None,
        None,
        None,
    )


def test_breakdown_suppresses_each_small_cell_on_its_own():
    pairs = dict.fromkeys(range(7), (1, 2))
    pairs.update({f"p{n}": (3, 3) for n in range(3)})
    stage = dict.fromkeys(range(7), "PhD student") | {f"p{n}": "Postdoc" for n in range(3)}
    cells = dict(analytics.breakdown(pairs, stage.get))
    assert cells["PhD student"].n == 7 and cells["PhD student"].mean_change == 1
    assert cells["Postdoc"].is_suppressed and cells["Postdoc"].mean_change is None


def test_distribution_counts_each_option_in_order():
    options = [(1, "Low"), (2, "Mid"), (3, "High")]
    dist = analytics.distribution(options, [1, 3, 3, 2, 3])
    assert dist.rows == [("Low", 1), ("Mid", 1), ("High", 3)]
    assert dist.mean == pytest.approx(2.4) and dist.median == 3


def test_multiple_choice_counts_each_person_once_per_option():
    dist = analytics.distribution(
        [("a", "A"), ("b", "B")], [["a", "b"], ["a"], ["a", "a"], [], ["b"]]
    )
    assert dist.rows == [("A", 3), ("B", 2)] and dist.n == 5


def test_small_distributions_are_suppressed():
    assert analytics.distribution([(1, "x")], [1, 1, 1, 1]).is_suppressed
    assert analytics.distribution([(1, "x")], [1, 1, 1, 1]).rows == []
    assert analytics.number_distribution([0, 1, 2, 3]).is_suppressed


def test_number_bins():
    dist = analytics.number_distribution([0, 1, 2, 5, 8, 40])
    assert dict(dist.rows) == {"0": 1, "1–2": 2, "3–5": 1, "6–10": 1, "11–20": 0, "21+": 1}
    assert dist.median == 3.5
