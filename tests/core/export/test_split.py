"""Which examples a split takes in."""


def test_examples_without_an_answer_are_left_out():
    import polars as pl

    from ftcurate.core.split import select_ids

    frame = pl.DataFrame({"id": [1, 2, 3, 4], "status": ["unreviewed", "approved", "unreviewed", "rejected"],
                          "output": ["fine", "  ", None, "x"]})
    ids, left = select_ids(frame, "not_rejected")
    assert ids == [1] and left == {"rejected": 1, "without an answer": 2}
