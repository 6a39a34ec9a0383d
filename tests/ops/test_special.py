"""chainrule.ops.special beyond the op table: the accuracy of the gamma family over a wide range, conventions at
special points (xlogy at 0, sinc at 0, NaN in fmax), the functions without gradient (heaviside, gcd, lcm,
bincount, histc, unique), result dtypes, Tensor methods, in-place forms and error messages.
"""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def _both(values, dtype=numpy.float64, requires_grad=False):
    array = numpy.asarray(values, dtype=dtype)
    return (cr.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _equal(ours, theirs, **tolerance):
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    numpy.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **tolerance)


# -- the gamma family --------------------------------------------------------------------------------
def _wide_range() -> numpy.ndarray:
    rng = numpy.random.default_rng(0)
    values = numpy.concatenate([rng.uniform(-30, 30, 4000), rng.uniform(0, 3, 2000), 10 ** rng.uniform(-8, 10, 500),
                                -(10 ** rng.uniform(-8, 2, 500))])
    return values[numpy.abs(values - numpy.round(values)) > 1e-3]  # away from the poles


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_lgamma_and_digamma_match_torch_over_a_wide_range(name: str) -> None:
    ours, theirs = _both(_wide_range())
    _equal(getattr(cr, name)(ours), getattr(torch, name)(theirs), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_matches_torch_over_a_wide_range(n: int) -> None:
    ours, theirs = _both(_wide_range())
    # PyTorch's trigamma itself is accurate to ~5e-10 relative (ours to ~1e-15, checked against mpmath)
    _equal(cr.polygamma(n, ours), torch.polygamma(n, theirs), rtol=1e-9 if n == 1 else 1e-12, atol=1e-300)


def test_gamma_family_at_poles_and_infinities_as_torch() -> None:
    values = [0.0, -0.0, -1.0, -2.0, 1e-300, 1e300, numpy.inf, numpy.nan]
    ours, theirs = _both(values)
    _equal(cr.lgamma(ours), torch.lgamma(theirs))
    _equal(cr.digamma(ours), torch.digamma(theirs))
    _equal(cr.polygamma(2, ours[:5]), torch.polygamma(2, theirs[:5]))


def test_gamma_family_dtypes() -> None:
    integers = cr.tensor([1, 2, 5])
    assert cr.lgamma(integers).dtype == cr.float32
    assert cr.digamma(integers).dtype == cr.float32
    assert cr.polygamma(1, integers).dtype == cr.float32
    numpy.testing.assert_allclose(cr.lgamma(integers).numpy(), [0.0, 0.0, numpy.log(24.0)], atol=1e-6)
    ours, theirs = _both([0.3, 2.5, -1.5], numpy.float32)
    _equal(cr.lgamma(ours), torch.lgamma(theirs), rtol=1e-6)


def test_derivatives_of_lgamma_are_the_polygammas() -> None:
    x = cr.tensor([0.7, 3.2, -1.4], dtype=cr.float64, requires_grad=True)
    (first,) = cr.autograd.grad(cr.lgamma(x).sum(), [x], create_graph=True)
    (second,) = cr.autograd.grad(first.sum(), [x])
    numpy.testing.assert_allclose(first.detach().numpy(), cr.digamma(x).detach().numpy(), rtol=1e-15)
    numpy.testing.assert_allclose(second.numpy(), cr.polygamma(1, x).detach().numpy(), rtol=1e-15)


def test_polygamma_rejects_a_negative_order() -> None:
    with pytest.raises(RuntimeError, match="does not support negative n"):
        cr.polygamma(-1, cr.tensor([1.0]))


# -- conventions at special points -------------------------------------------------------------------
def test_xlogy_is_zero_where_input_is_zero_with_torch_gradients() -> None:
    x_ours, x_theirs = _both([0.0, 0.0, 1.5, 0.0, -2.0, 0.0], requires_grad=True)
    y_ours, y_theirs = _both([0.0, 2.0, 3.0, numpy.nan, 0.5, -1.0], requires_grad=True)
    ours, theirs = cr.xlogy(x_ours, y_ours), torch.xlogy(x_theirs, y_theirs)
    _equal(ours, theirs)
    assert ours.numpy()[0] == 0 and numpy.isnan(ours.numpy()[3])
    ours[[0, 1, 2, 4, 5]].sum().backward()
    theirs[[0, 1, 2, 4, 5]].sum().backward()
    numpy.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy())
    numpy.testing.assert_allclose(y_ours.grad.numpy()[1:], y_theirs.grad.numpy()[1:])  # torch: 0 / 0 at x = y = 0


def test_xlogy_takes_numbers_and_integers() -> None:
    _equal(cr.xlogy(2, cr.tensor([3.0])), torch.xlogy(2, torch.tensor([3.0])))
    _equal(cr.xlogy(cr.tensor([2]), 3), torch.xlogy(torch.tensor([2]), 3))


def test_sinc_is_one_at_zero_with_a_zero_gradient() -> None:
    x = cr.tensor([0.0, 0.5], dtype=cr.float64, requires_grad=True)
    y = cr.sinc(x)
    y.sum().backward()
    assert y.detach().numpy()[0] == 1.0 and x.grad.numpy()[0] == 0.0


def test_fmax_and_fmin_ignore_nan_and_keep_integers() -> None:
    a_ours, a_theirs = _both([numpy.nan, 1.0, numpy.nan, 2.0])
    b_ours, b_theirs = _both([0.5, numpy.nan, numpy.nan, 2.0])
    _equal(cr.fmax(a_ours, b_ours), torch.fmax(a_theirs, b_theirs))
    _equal(cr.fmin(a_ours, b_ours), torch.fmin(a_theirs, b_theirs))
    _equal(cr.fmax(cr.tensor([1, 5]), cr.tensor([3, 2])), torch.fmax(torch.tensor([1, 5]), torch.tensor([3, 2])))


def test_ties_of_fmax_send_the_gradient_to_input_as_torch() -> None:
    a_ours, a_theirs = _both([1.0, 2.0], requires_grad=True)
    b_ours, b_theirs = _both([1.0, 3.0], requires_grad=True)
    cr.fmax(a_ours, b_ours).sum().backward()
    torch.fmax(a_theirs, b_theirs).sum().backward()
    numpy.testing.assert_array_equal(a_ours.grad.numpy(), a_theirs.grad.numpy())
    numpy.testing.assert_array_equal(b_ours.grad.numpy(), b_theirs.grad.numpy())


@pytest.mark.parametrize("name", ["float_power", "ldexp"])
def test_dtype_of_number_functions_as_torch(name: str) -> None:
    for a, b in [([2, 3], [2, 1]), ([2.0, 3.0], [2, 1])]:
        _equal(getattr(cr, name)(cr.tensor(a), cr.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))


def test_unit_conversions_and_logit_of_integers_give_floats() -> None:
    _equal(cr.deg2rad(cr.tensor([180])), torch.deg2rad(torch.tensor([180])))
    _equal(cr.rad2deg(cr.tensor([1])), torch.rad2deg(torch.tensor([1])))
    _equal(cr.logit(cr.tensor([0, 1])), torch.logit(torch.tensor([0, 1])))


def test_hypot_needs_floats() -> None:
    with pytest.raises(TypeError, match="hypot: needs a floating-point tensor"):
        cr.hypot(cr.tensor([3]), cr.tensor([4]))


# -- functions without gradient ----------------------------------------------------------------------
def test_heaviside_matches_torch() -> None:
    x_ours, x_theirs = _both([[-1.0, 0.0, 2.0], [0.0, numpy.nan, -0.0]])
    v_ours, v_theirs = _both([0.5, 0.25, 0.75])
    _equal(cr.heaviside(x_ours, v_ours), torch.heaviside(x_theirs, v_theirs))
    with pytest.raises(RuntimeError, match="same dtype"):
        cr.heaviside(x_ours, cr.tensor([1]))


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_and_lcm_match_torch(name: str) -> None:
    a, b = [12, -18, 0, 7, 0], [8, 24, 5, -3, 0]
    _equal(getattr(cr, name)(cr.tensor(a), cr.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    _equal(getattr(cr, name)(cr.tensor([[4], [6]]), cr.tensor([10, 9])),
           getattr(torch, name)(torch.tensor([[4], [6]]), torch.tensor([10, 9])))
    with pytest.raises(TypeError, match="needs integer tensors"):
        getattr(cr, name)(cr.tensor([1.0]), cr.tensor([2.0]))


def test_bincount_matches_torch() -> None:
    values = [0, 3, 3, 1, 5]
    _equal(cr.bincount(cr.tensor(values)), torch.bincount(torch.tensor(values)))
    _equal(cr.bincount(cr.tensor(values), minlength=9), torch.bincount(torch.tensor(values), minlength=9))
    for weights in ([0.5, 1.0, 2.0, 0.25, 1.5], [1, 2, 3, 4, 5]):
        _equal(cr.bincount(cr.tensor(values), cr.tensor(weights)),
               torch.bincount(torch.tensor(values), torch.tensor(weights)))
    _equal(cr.bincount(cr.tensor([], dtype=cr.int64), minlength=2),
           torch.bincount(torch.tensor([], dtype=torch.int64), minlength=2))
    with pytest.raises(RuntimeError, match="non-negative"):
        cr.bincount(cr.tensor([1, -1]))


@pytest.mark.parametrize("kwargs", [{}, {"bins": 7}, {"bins": 5, "min": -1.0, "max": 0.5}])
def test_histc_matches_torch(kwargs: dict) -> None:
    values = numpy.random.default_rng(0).standard_normal((20, 5)).astype(numpy.float32)
    _equal(cr.histc(cr.tensor(values), **kwargs), torch.histc(torch.tensor(values), **kwargs))
    _equal(cr.histc(cr.tensor([2.0, 2.0, 2.0]), bins=4), torch.histc(torch.tensor([2.0, 2.0, 2.0]), bins=4))


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True, "dim": 0},
                                    {"return_counts": True, "dim": 1}])
def test_unique_matches_torch(kwargs: dict) -> None:
    values = [[3, 1, 3], [2, 1, 2], [3, 1, 3]]
    ours, theirs = cr.unique(cr.tensor(values), **kwargs), torch.unique(torch.tensor(values), **kwargs)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs, strict=True):
        _equal(mine, reference)


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True, "return_counts": True},
                                    {"return_inverse": True, "return_counts": True, "dim": 0},
                                    {"return_counts": True, "dim": -1}])
def test_unique_consecutive_matches_torch(kwargs: dict) -> None:
    values = [[1, 1, 2, 2], [1, 1, 2, 2], [3, 1, 1, 1]]
    ours = cr.unique_consecutive(cr.tensor(values), **kwargs)
    theirs = torch.unique_consecutive(torch.tensor(values), **kwargs)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    for mine, reference in zip(ours, theirs, strict=True):
        _equal(mine, reference)


# -- reductions and the rest -------------------------------------------------------------------------
def test_aminmax_is_a_named_pair() -> None:
    result = cr.aminmax(cr.tensor([[1.0, 5.0], [3.0, -2.0]]), dim=0)
    numpy.testing.assert_array_equal(result.min.numpy(), [1.0, -2.0])
    numpy.testing.assert_array_equal(result.max.numpy(), [3.0, 5.0])
    low, high = cr.tensor([[1.0, 5.0]]).aminmax()
    assert (float(low), float(high)) == (1.0, 5.0)
    with pytest.raises(RuntimeError, match="empty"):
        cr.aminmax(cr.tensor([]))


def test_nansum_and_nanmean_dtypes_and_all_nan() -> None:
    _equal(cr.nansum(cr.tensor([1, 2], dtype=cr.int32)), torch.nansum(torch.tensor([1, 2], dtype=torch.int32)))
    ours, theirs = _both([[numpy.nan, numpy.nan], [1.0, numpy.nan]])
    _equal(cr.nanmean(ours, 1), torch.nanmean(theirs, 1))
    _equal(cr.nansum(ours, 0, keepdim=True), torch.nansum(theirs, 0, keepdim=True))
    with pytest.raises(TypeError, match="nanmean: needs a floating-point tensor"):
        cr.nanmean(cr.tensor([1, 2]))


def test_diff_of_bool_and_with_pieces() -> None:
    _equal(cr.diff(cr.tensor([True, False, False])), torch.diff(torch.tensor([True, False, False])))
    _equal(cr.diff(cr.tensor([[1, 4, 9]]), append=cr.tensor([[16]]), n=2),
           torch.diff(torch.tensor([[1, 4, 9]]), append=torch.tensor([[16]]), n=2))
    with pytest.raises(RuntimeError, match="at least one dimension"):
        cr.diff(cr.tensor(1.0))


def test_trace_of_integers_and_of_non_matrices() -> None:
    _equal(cr.trace(cr.tensor([[1, 2], [3, 4]], dtype=cr.int32)),
           torch.trace(torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)))
    with pytest.raises(RuntimeError, match=r"trace: expected a matrix \(2-D\), got shape \(2, 2, 2\)"):
        cr.trace(cr.zeros(2, 2, 2))


def test_cross_finds_the_first_dimension_of_size_three() -> None:
    ours = cr.cross(cr.tensor(numpy.eye(3)), cr.tensor(numpy.ones((3, 3))))
    numpy.testing.assert_array_equal(ours.numpy(), numpy.cross(numpy.eye(3), numpy.ones((3, 3)), axis=0))
    with pytest.raises(RuntimeError, match="no dimension of size 3"):
        cr.cross(cr.zeros(2, 4), cr.zeros(2, 4))


def test_cov_and_corrcoef_of_integers_and_weights() -> None:
    values = [[1, 2, 4, 7], [3, 3, 1, 0]]
    _equal(cr.cov(cr.tensor(values)), torch.cov(torch.tensor(values)))
    _equal(cr.corrcoef(cr.tensor(values)), torch.corrcoef(torch.tensor(values)), rtol=1e-6)
    _equal(cr.cov(cr.tensor(values, dtype=cr.float64), fweights=cr.tensor([1, 2, 1, 1]),
                  aweights=cr.tensor([0.5, 1.0, 2.0, 1.0], dtype=cr.float64), correction=2),
           torch.cov(torch.tensor(values, dtype=torch.float64), fweights=torch.tensor([1, 2, 1, 1]),
                     aweights=torch.tensor([0.5, 1.0, 2.0, 1.0], dtype=torch.float64), correction=2))
    with pytest.raises(TypeError, match="fweights must be integral"):
        cr.cov(cr.tensor(values), fweights=cr.tensor([1.0, 2.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="at most 2 dimensions"):
        cr.cov(cr.zeros(2, 2, 2))


def test_dist_needs_floats() -> None:
    _equal(cr.dist(cr.tensor([1.0, 2.0]), cr.tensor([0.0, 0.0]), 1), torch.dist(torch.tensor([1.0, 2.0]),
                                                                               torch.tensor([0.0, 0.0]), 1))
    with pytest.raises(TypeError, match="dist: needs a floating-point tensor"):
        cr.dist(cr.tensor([1, 2]), cr.tensor([0, 0]))


# -- Tensor methods and in-place forms ---------------------------------------------------------------
def test_methods_and_in_place_forms() -> None:
    x = cr.tensor([0.5, 1.5, 3.0], dtype=cr.float64)
    numpy.testing.assert_allclose(x.polygamma(1).numpy(), cr.polygamma(1, x).numpy())
    numpy.testing.assert_allclose(x.xlogy(x).numpy(), cr.xlogy(x, x).numpy())
    expected = cr.lgamma(x).numpy()
    version = x._version[0]
    assert x.lgamma_() is x
    numpy.testing.assert_allclose(x.numpy(), expected)
    assert x._version[0] != version
    y = cr.tensor([2.0, 3.0])
    y.polygamma_(0)
    numpy.testing.assert_allclose(y.numpy(), torch.digamma(torch.tensor([2.0, 3.0])).numpy(), rtol=1e-6)
    z = cr.tensor([12, 18])
    z.gcd_(cr.tensor([8, 12]))
    numpy.testing.assert_array_equal(z.numpy(), [4, 6])
    assert cr.tensor([1.0, 2.0]).cov().ndim == 0
    assert cr.tensor([[1.0, 3.0], [2.0, 0.0]]).trace().item() == 1.0


def test_in_place_forms_refuse_tensors_that_require_grad() -> None:
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="lgamma_"):
        x.lgamma_()
