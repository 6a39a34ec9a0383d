"""GroupNorm, CosineSimilarity and PairwiseDistance as modules, against torch.nn with the same inputs."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule import nn


def test_group_norm_module_matches_torch_values_and_gradients() -> None:
    torch = pytest.importorskip("torch")
    x = numpy.random.default_rng(0).normal(size=(2, 6, 3, 4))
    ours, theirs = nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6).double()
    with cr.no_grad():
        ours.weight.copy_(cr.tensor(numpy.linspace(0.5, 1.5, 6)))
        ours.bias.copy_(cr.tensor(numpy.linspace(-0.2, 0.3, 6)))
    theirs.load_state_dict({key: torch.tensor(value.numpy(), dtype=torch.float64)
                            for key, value in ours.state_dict().items()})
    ours.double()
    a, b = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_a, out_b = ours(a), theirs(b)
    numpy.testing.assert_allclose(out_a.detach().numpy(), out_b.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_a * out_a).sum().backward()
    (out_b * out_b).sum().backward()
    numpy.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)
    assert repr(ours) == repr(theirs) == "GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)"


def test_group_norm_needs_groups_that_divide_the_channels() -> None:
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="6 channels can't be split into num_groups=4 groups"):
        cr.nn.functional.group_norm(cr.randn(2, 6), 4)


def test_distance_modules_match_torch() -> None:
    torch = pytest.importorskip("torch")
    generator = numpy.random.default_rng(1)
    x1, x2 = generator.normal(size=(4, 5)), generator.normal(size=(4, 5))
    cosine = nn.CosineSimilarity(dim=1)(cr.tensor(x1), cr.tensor(x2)).numpy()
    numpy.testing.assert_allclose(cosine, torch.nn.CosineSimilarity(dim=1)(torch.tensor(x1), torch.tensor(x2)).numpy())
    for p in (1.0, 2.0, 3.0):
        ours = nn.PairwiseDistance(p=p, keepdim=True)(cr.tensor(x1), cr.tensor(x2)).numpy()
        theirs = torch.nn.PairwiseDistance(p=p, keepdim=True)(torch.tensor(x1), torch.tensor(x2)).numpy()
        numpy.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert cr.cosine_similarity is cr.nn.functional.cosine_similarity
