"""The op families (chainrule.ops.pointwise, ...) don't step on each other or on the Tensor's own methods."""

from __future__ import annotations

import collections

import chainrule as cr
from chainrule.tensor import Tensor


def _clashes(names_by_family: dict[str, list[str]]) -> dict[str, list[str]]:
    owners = collections.defaultdict(list)
    for family, names in names_by_family.items():
        for name in names:
            owners[name].append(family)
    return {name: families for name, families in owners.items() if len(families) > 1}


def test_no_two_families_define_one_function_or_method() -> None:
    families = {family.__name__: family for family in cr.ops._FAMILIES}
    assert _clashes({name: list(family.__all__) for name, family in families.items()}) == {}
    assert _clashes({name: list(family.METHODS) for name, family in families.items()}) == {}


def test_every_family_method_is_bound_unless_the_tensor_writes_its_own() -> None:
    for name, method in cr.ops.TENSOR_METHODS.items():
        bound = getattr(Tensor, name)
        assert bound is method or name in vars(Tensor), name


def test_non_differentiable_names_are_public_functions_of_their_family() -> None:
    for family in cr.ops._FAMILIES:
        assert set(family.__all__) | set(family.METHODS) >= family.NOT_DIFFERENTIABLE, family.__name__
