"""Each derivative is written once: `backward` serves plain backward (arrays) and create_graph (Tensors).

Three checks keep that honest. Every op's two modes are compared node by node: while gradients of up to
third order are taken with create_graph=True, each node's differentiable backward (`vjp`) is checked against
its plain `backward` on the same gradient, and every op of chainrule.ops must be met that way. Ops written
once must agree bit for bit (one rule, run twice); those with an explicit `vjp` (a second rule, on Tensors)
to rounding. The same calls' third derivatives are checked against finite differences, which reaches the
differentiable backward of the ops that only backward records (IndexAdd, EmbeddingBackward, ...). And the
ops that keep an explicit `vjp` are an allow-list, so that a new op is written once unless its backward
needs what Tensors lack.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import ops
from chainrule.autograd import gradgradcheck
from chainrule.autograd.function import Function  # the internal op base (chainrule.autograd.Function is PyTorch's)
from chainrule.ops.shape import ToDevice

# The ops that keep an explicit vjp, and why their backward can't run on Tensors.
EXPLICIT_VJP = {
    # NumPy functions with no method on both arrays and Tensors (xp.where, xp.log, xp.cos, ...)
    "Sinh": "xp.cosh",
    "Cosh": "xp.sinh",
    "Erf": "xp.exp",
    "Erfc": "xp.exp",
    "Erfinv": "xp.exp",
    "LogAddExp": "xp.exp",
    "_Rounding": "xp.zeros_like (a 0 gradient even where the upstream one is inf)",
    "Lgamma": "digamma of the input array (the vjp is Polygamma(0))",
    "Polygamma": "polygamma(n + 1) of the input array (the vjp is Polygamma(n + 1))",
    "Diagonal": "scatter onto the diagonal of zeros (DiagonalScatter)",
    "Unfold": "sum of the overlapping windows (UnfoldTranspose)",
    "UnfoldTranspose": "strided windows (its vjp is Unfold)",
    "Pow": "xp.where and xp.log (0 log 0 = 0 at a zero base)",
    "Abs": "xp.sign of the input array",
    "Maximum": "xp.greater/xp.less of the input arrays (the weights)",
    "Sign": "xp.zeros_like (a 0 gradient even where the upstream one is inf)",
    "Sin": "xp.cos",
    "Cos": "xp.sin",
    "Where": "xp.where",
    "LogSumExp": "xp.exp",
    "Permute": "ndarray.transpose(axes) is Tensor.permute(dims)",
    "Cast": "ndarray.astype is Tensor.to",
    "ToDevice": "backend.move is Tensor.to",
    # scatter-adds and their transposes: the vjp is an op of its own
    "GetItem": "scatter-add (IndexAdd)",
    "IndexSelect": "scatter-add (IndexAdd)",
    "Embedding": "scatter-add (EmbeddingBackward)",
    "GatherAtArgmax": "scatter-add (ScatterToArgmax)",
    "ScatterToArgmax": "scatter-add (its vjp is the gather)",
    "AvgPool": "scatter-add over windows (AvgPoolTranspose)",
    "AvgPoolTranspose": "windowed sum (its vjp is AvgPool)",
    "NearestResample": "scatter-add (NearestResampleTranspose)",
    "NearestResampleTranspose": "take along axes (its vjp is NearestResample)",
    # im2col and col2im: the vjp is the other convolution
    "ConvNd": "im2col products (the vjp is ConvTransposeNd)",
    "ConvTransposeNd": "col2im products (the vjp is ConvNd)",
    # backward reads values forward cached from the input (a sigmoid, a softmax, statistics): constants
    # in a graph, so the vjp recomputes them with Tensor ops
    "Gelu": "cached Phi(x), in-place array code",
    "GeluTanh": "cached tanh(u), in-place array code",
    "NormalCdf": "in-place array code (xp.exp)",
    "Silu": "cached sigmoid(x), in-place array code",
    "Softplus": "xp.copyto, in-place array code",
    "Elu": "xp.exp, in-place array code",
    "LeakyRelu": "in-place array code (a full-size temporary less)",
    "Softmax": "in-place array code (a full-size temporary less)",
    "LogSoftmax": "xp.exp, in-place array code",
    "Var": "cached x - mean(x)",
    "Std": "cached x - mean(x), xp.where",
    "Normalize": "cached 1 / std",
    "CrossEntropyIndices": "cached softmax(x)",
    "CrossEntropyProbabilities": "cached log softmax(x), xp.exp",
    "BinaryCrossEntropy": "cached log odds, xp.maximum",
    "BinaryCrossEntropyWithLogits": "cached sigmoid(x) and softplus(-x)",
    "KLDivergence": "cached exp(t), xp.log",
    "_PointwiseLoss": "cached x - t, xp.sign/xp.clip slopes",
    # the fused recurrences: backward is in-place array code over all steps
    "LSTMSequence": "fused in-place recurrence",
    "GRUSequence": "fused in-place recurrence",
    "RNNSequence": "fused in-place recurrence",
}


def _op_classes() -> dict[str, type]:
    """Every Function subclass defined in a module of chainrule.ops, by name."""
    found = {}
    for module_info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"chainrule.ops.{module_info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Function) and value.__module__ == module.__name__:
                found[name] = value
    return found


def test_ops_with_an_explicit_vjp_are_the_allowed_ones() -> None:
    """A new op is written once; an explicit vjp needs an entry (and a reason) in EXPLICIT_VJP."""
    explicit = {name for name, cls in _op_classes().items() if "vjp" in vars(cls)}
    assert explicit - EXPLICIT_VJP.keys() == set(), "write backward once (see chainrule/autograd/function.py)"
    assert EXPLICIT_VJP.keys() - explicit == set(), "these ops no longer define vjp: remove them from the list"


# -- both modes of every op, node by node ------------------------------------------------------------
def _indices(*values) -> cr.Tensor:
    return cr.tensor(numpy.array(values, dtype=numpy.int64))


_POS_WEIGHT = cr.tensor([2.0, 1.0, 0.5], dtype=cr.float64)
_EYE = cr.eye(3, dtype=cr.float64)


def _seeded_normal(mean, std):
    """normal(mean, std) drawing the same noise every call, so that repeated evaluations are one function."""
    cr.manual_seed(0)
    return cr.normal(mean, std)


_LONE_ZEROS = cr.tensor([[1.0, 0.0, 1.0]] * 2, dtype=cr.float64)  # prod's zero-handling path


# Calls that, differentiated up to three times, meet every op of chainrule.ops as a node of a create_graph
# pass (the transposes of the linear ops, such as IndexAdd, appear in the first backward's graph). Shapes are
# the leaves'; their values are in [0.5, 1.5]: positive, away from kinks and ties.
CALLS = {
    "arithmetic": (lambda x, y: (x + y) ** y * (x - y) / y + (-x) ** 2 + (1 - x) * 2 + 2 / x + 3 ** (x / 2) + x ** 0,
                   [(2, 3), (3,)]),
    "elementwise": (lambda x, y: x.exp() + x.log() + x.log1p() + x.sqrt() + (x - 1).abs() + (x - 1).sign() + x.sin()
                    + x.cos() + x.tanh() + x.sigmoid() + (x - 1).relu() + x.clamp(0.8, 1.2) + x.maximum(y)
                    + x.minimum(y) + cr.where(x > 1, x, y), [(2, 3), (2, 3)]),
    "reduction": (lambda x: [x.sum(1), x.mean(0, keepdim=True), x.sum_to_size(1, 3), x.amax(1), x.max(0).values,
                             x.var(1), x.std(), x.logsumexp(0)], [(2, 3)]),
    "shape": (lambda x, y: [x.reshape(3, 2), x.permute(1, 0), y.expand(2, 3), x.repeat(2, 1), x[0, 1:], x[[1, 1, 0]],
                            cr.cat([x, y.reshape(1, 3)]), cr.stack([x[0], y]), F.pad(x, (1, 2)),
                            x.index_select(1, _indices(2, 0, 2)), ToDevice(cr.device("cpu")).apply(x),
                            x.clone()], [(2, 3), (3,)]),
    # float32 rounding swamps finite differences: not in the third-derivative check
    "cast": (lambda x: x.to(cr.float32), [(2, 3)]),
    "linalg": (lambda x, w, b: [x @ w.T, w[0] @ x[0], F.linear(x, w, b)], [(2, 3), (4, 3), (4,)]),
    "activation": (lambda x: [F.leaky_relu(x - 1, 0.1), F.elu(x - 1), F.gelu(x), F.gelu(x, approximate="tanh"),
                              F.silu(x), F.softplus(x, 2.0, 2.5), F.softmax(x, 1), F.log_softmax(x, 1)], [(2, 3)]),
    "pointwise": (lambda x, y: [x.tan(), (x - 1).asin(), (x - 1).acos(), x.atan(), x.sinh(), x.cosh(), x.asinh(),
                                (x + 1).acosh(), (x - 1).atanh(), x.exp2(), x.expm1(), x.log2(), x.log10(), x.rsqrt(),
                                x.erf(), x.erfc(), (x - 1).erfinv(), x.floor(), x.ceil(), x.trunc(),
                                x.round(decimals=1), x.frac(), x.fmod(-y - 2), x.remainder(-y - 2), x.copysign(-y),
                                x.atan2(y), x.logaddexp(y), x.logaddexp2(y), x.lerp(y, 0.3), x.lerp(y, y / 2),
                                x.nan_to_num()], [(2, 3), (2, 3)]),
    "scatter": (lambda x, s: [x.scatter(0, _indices([1, 0, 1]), s[:1]), x.scatter_add(1, _indices([0, 0], [2, 0]), s),
                              x.index_put((_indices(1, 1),), s[0], accumulate=True), x.index_put((_indices(0),), s[1]),
                              x.scatter_reduce(0, _indices([1, 1, 0], [1, 0, 0]), s * _LONE_ZEROS, "prod"),
                              x.scatter_reduce(1, _indices([0, 0], [2, 0]), s, "prod", include_self=False),
                              x.scatter_reduce(1, _indices([0, 2], [2, 2]), s, "amax"),
                              x.scatter_reduce(1, _indices([0, 0], [1, 0]), s, "mean", include_self=False)],
                [(2, 3), (2, 3)]),
    "layout": (lambda x: [x.diagonal(1), cr.diag_embed(x, -1), x.unfold(1, 2, 1)], [(2, 3)]),
    "sampling": (lambda m, s: [_seeded_normal(m, s.abs() + 0.5)], [(2, 3), (2, 3)]),
    "special": (lambda x, y: [x.lgamma(), x.digamma(), x.polygamma(1), cr.polygamma(2, y), cr.hypot(x, y - 1),
                              cr.xlogy(x - 1, y), cr.sinc(x), cr.fmax(x, y), cr.logit(x / 2)], [(2, 3), (2, 3)]),
    "scans": (lambda x: [x.prod(1), x.prod(), x.cumsum(0), x.cumprod(1), x.logcumsumexp(1)], [(2, 3)]),
    "products": (lambda x, y: [cr.einsum("ij,jk->ik", x, y), cr.einsum("ii->i", x @ y), cr.linalg.vector_norm(x, 3),
                               cr.linalg.vector_norm(x, dim=1), cr.linalg.vector_norm(y, 0.5),
                               cr.linalg.vector_norm(x, 1)], [(3, 3), (3, 3)]),
    "decompositions": (lambda a, b: [cr.linalg.inv(a + 3 * _EYE), cr.linalg.solve(a + 3 * _EYE, b), cr.linalg.det(a),
                                     cr.linalg.slogdet(a + 3 * _EYE).logabsdet, cr.linalg.cholesky(a @ a.mT + _EYE),
                                     *cr.linalg.qr(b), *cr.linalg.qr(b.mT), cr.linalg.svdvals(b),
                                     cr.linalg.svdvals(b.mT)], [(3, 3), (3, 2)]),
    "activation_piecewise": (lambda x: [F.hardtanh(x, 0.8, 1.2), F.relu6(x * 5 - 2), F.hardsigmoid(x * 4 - 4),
                                        F.hardswish(x * 4 - 4), F.hardshrink(x, 1.0), F.softshrink(x, 1.0),
                                        F.threshold(x, 1.0, 0.5)], [(2, 3)]),
    "activation_composite": (lambda x, w: [F.celu(x - 1, 0.5), F.selu(x - 1), F.mish(x - 1), F.logsigmoid(x - 1),
                                           F.softsign(x - 1), F.tanhshrink(x), F.softmin(x, 1), F.glu(x, 0),
                                           F.prelu(x - 1, w), F.rrelu(x - 1), F.normalize(x, p=3.0),
                                           F.normalize(x - 1, p=0.5, dim=0), F.normalize(x, dim=1)], [(2, 3), (3,)]),
    "loss": (lambda x, t: [F.nll_loss(x, _indices(0, 2)), F.cross_entropy(x, _indices(1, 0), label_smoothing=0.1),
                           F.cross_entropy(x, t), F.binary_cross_entropy(x / 2, t / 2),
                           F.binary_cross_entropy_with_logits(x, t / 2, pos_weight=_POS_WEIGHT),
                           F.kl_div(x, t), F.mse_loss(x, t), F.l1_loss(x, t), F.smooth_l1_loss(x, t),
                           F.huber_loss(x, t)], [(2, 3), (2, 3)]),
    "conv": (lambda x, w: [F.conv2d(x, w, padding=1), F.conv_transpose2d(x, w.transpose(0, 1))],
             [(1, 2, 4, 4), (3, 2, 2, 2)]),
    "pooling": (lambda x: [F.max_pool2d(x, 2), F.avg_pool2d(x, 2, stride=1), F.adaptive_avg_pool2d(x, 3),
                           F.interpolate(x, scale_factor=2)], [(1, 2, 4, 4)]),
    "normalization": (lambda x, w, b: F.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)]),
    "dropout": (lambda x: [F.dropout(x, 0.5), F.dropout2d(x, 0.5)], [(2, 3, 2, 2)]),
    "embedding": (lambda w: F.embedding(_indices(0, 2, 2), w, padding_idx=1), [(3, 2)]),
    "recurrent": (lambda x, h, c, w_ih, w_hh: [*ops.recurrent.lstm_cell(x, h, c, w_ih, w_hh),
                                               ops.recurrent.gru_cell(x, h, w_ih[:6], w_hh[:6]),
                                               ops.recurrent.rnn_tanh_cell(x, h, w_ih[:2], w_hh[:2]),
                                               ops.recurrent.rnn_relu_cell(x, h, w_ih[:2], w_hh[:2])],
                  [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2)]),
}


def _same(op: Function, graphed, plain) -> None:
    """The gradients of one node in both modes: equal bit for bit for a rule written once."""
    graphed = graphed if isinstance(graphed, tuple) else (graphed,)
    plain = plain if isinstance(plain, tuple) else (plain,)
    assert len(graphed) == len(plain), op.name
    for index, (tensor, array) in enumerate(zip(graphed, plain, strict=True)):
        if array is None:
            continue
        assert tensor is not None, f"{op.name}: input {index} has a plain gradient but no differentiable one"
        assert isinstance(tensor, cr.Tensor), f"{op.name}: input {index}: the differentiable gradient is no Tensor"
        if any(cls.__name__ in EXPLICIT_VJP for cls in type(op).__mro__):  # Minimum: Maximum's vjp
            numpy.testing.assert_allclose(tensor._data, array, rtol=1e-10, atol=1e-12, err_msg=f"{op.name} {index}")
        else:
            numpy.testing.assert_array_equal(tensor._data, array, err_msg=f"{op.name}: input {index}")


def _comparing(vjp, names: set[str]):
    """`vjp`, which also checks its result against the plain backward and records the op's name."""
    def compared(self, grad):
        graphed = vjp(self, grad)
        _same(self, graphed, self.backward(grad._data))
        names.add(type(self).__name__)
        return graphed

    return compared


@pytest.fixture
def met(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Compare every node's vjp with its backward during create_graph passes; the names of the ops met."""
    names: set[str] = set()
    for cls in [Function, *(cls for cls in _op_classes().values() if "vjp" in vars(cls))]:
        monkeypatch.setattr(cls, "vjp", _comparing(vars(cls)["vjp"], names))
    return names


def _leaves(shapes: list[tuple]) -> list[cr.Tensor]:
    rng = numpy.random.default_rng(0)
    return [cr.tensor(rng.uniform(0.5, 1.5, shape), requires_grad=True) for shape in shapes]


def _gradient(outputs, inputs: list[cr.Tensor]) -> list[cr.Tensor]:
    """d sum(w out^2) / d inputs, differentiable: squared, so that the gradient depends on the inputs again."""
    rng = numpy.random.default_rng(1)
    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
    outputs = [out for out in outputs if out is not None and out.requires_grad]
    if not outputs:
        return []
    weights = [cr.tensor(rng.standard_normal(out.shape), dtype=out.dtype) for out in outputs]
    total = sum((out * out * weight).sum().double() for out, weight in zip(outputs, weights, strict=True))
    return [g for g in cr.autograd.grad(total, inputs, create_graph=True, allow_unused=True) if g is not None]


def _differentiate(function, shapes: list[tuple], orders: int = 3) -> None:
    """Take gradients of `function` `orders` times, each with create_graph=True."""
    inputs = _leaves(shapes)
    outputs = function(*inputs)
    for _ in range(orders):
        outputs = _gradient(outputs, inputs)


@pytest.mark.parametrize("name", CALLS)
def test_differentiable_backward_equals_plain_backward_node_by_node(name: str, met: set[str]) -> None:
    function, shapes = CALLS[name]
    _differentiate(function, shapes)
    assert met, "no node ran its differentiable backward"


@pytest.mark.parametrize("name", [name for name in CALLS if name != "cast"])
def test_third_derivatives_against_finite_differences(name: str) -> None:
    """gradgradcheck of a gradient: the differentiable backward of every op, and of the ops it records
    (IndexAdd, ScatterToArgmax, ...), differentiated twice and checked against finite differences."""
    function, shapes = CALLS[name]

    def gradient(*inputs):
        cr.manual_seed(0)  # dropout draws the same masks at every call
        return _gradient(function(*inputs), list(inputs))

    assert gradgradcheck(gradient, _leaves(shapes))


def test_every_op_is_compared_in_both_modes(met: set[str]) -> None:
    for function, shapes in CALLS.values():
        _differentiate(function, shapes)
    concrete = {name for name in _op_classes() if not name.startswith("_")}
    assert concrete - met == set(), "add a call that uses these ops to CALLS"
