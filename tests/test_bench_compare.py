"""Benchmark output says which engine is faster, in words."""

from bench.compare import against, verdict


def test_verdict_names_the_faster_engine():
    assert verdict(0.162, 0.089, "scipy") == "equimap 1.8× slower than scipy"
    assert verdict(0.14, 0.57, "scipy") == "equimap 4.1× faster than scipy"
    assert verdict(1.0, 1.001, "scipy") == "equimap as fast as scipy"
    assert against(2.0, 1.0) == "it 2.0× slower than the baseline"
