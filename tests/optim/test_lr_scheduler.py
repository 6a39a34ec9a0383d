"""Learning-rate schedulers: every schedule (lr, and momentum for OneCycleLR) equals PyTorch's step by step; a
state_dict saved mid-run resumes identically; bad arguments raise with their messages."""

from __future__ import annotations

import copy
import re

import numpy
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.optim import lr_scheduler


def _resumed(scheduler_class, optimizer, **options):
    """A scheduler built with last_epoch >= 0, as when resuming (the groups then need `initial_lr`)."""
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"] * 2
    return scheduler_class(optimizer, **options)


# (id, factory(lr_scheduler module, optimizer), steps). Each factory is run on chainrule and on PyTorch.
SCHEDULES = [
    ("step", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), 30),
    ("step-every-epoch", lambda m, o: m.StepLR(o, step_size=1), 30),
    ("multistep", lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.3), 30),
    ("exponential", lambda m, o: m.ExponentialLR(o, gamma=0.9), 30),
    ("exponential-resumed", lambda m, o: _resumed(m.ExponentialLR, o, gamma=0.9, last_epoch=4), 20),
    ("cosine", lambda m, o: m.CosineAnnealingLR(o, T_max=10), 30),
    ("cosine-eta_min", lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01), 30),
    ("cosine-resumed", lambda m, o: _resumed(m.CosineAnnealingLR, o, T_max=10, last_epoch=3), 20),
    ("linear", lambda m, o: m.LinearLR(o), 30),
    ("linear-range", lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=8), 30),
    ("linear-resumed", lambda m, o: _resumed(m.LinearLR, o, start_factor=0.5, total_iters=10, last_epoch=3), 20),
    ("linear-decay", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10), 30),
    ("lambda", lambda m, o: m.LambdaLR(o, lambda epoch: 0.95**epoch), 30),
    ("lambda-per-group", lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9**e]), 30),
    ("onecycle", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=30), 30),
    ("onecycle-linear-three-phase",
     lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 1.0], total_steps=31, anneal_strategy="linear", three_phase=True), 31),
    ("onecycle-epochs",
     lambda m, o: m.OneCycleLR(o, max_lr=0.3, epochs=3, steps_per_epoch=10, pct_start=0.25, div_factor=10.0,
                               final_div_factor=100.0, base_momentum=[0.8, 0.7], max_momentum=0.9), 29),
    ("onecycle-fixed-momentum", lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=20, cycle_momentum=False), 20),
    ("sequential-warmup-cosine",
     lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
                                 milestones=[5]), 30),
    ("sequential-three",
     lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.9), m.StepLR(o, 3), m.MultiStepLR(o, [0, 2, 5])],
                                 milestones=[4, 10]), 30),
    ("sequential-to-lambda",
     lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.8), m.LambdaLR(o, lambda e: 1 / (e + 1))], milestones=[6]),
     30),
]


def _optimizer(optim_module, zeros, name: str):
    params = [zeros(2, requires_grad=True), zeros(3, requires_grad=True)]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}]
    if name == "Adam":
        return optim_module.Adam(groups, lr=0.1)
    return optim_module.SGD(groups, lr=0.1, momentum=0.9)


def _record(optimizer, scheduler) -> list[float]:
    """The scheduler's last lrs, the groups' lrs and their momentum (SGD) or beta1 (Adam), as one row."""
    momenta = [group["betas"][0] if "betas" in group else group["momentum"] for group in optimizer.param_groups]
    return [*scheduler.get_last_lr(), *(group["lr"] for group in optimizer.param_groups), *momenta]


def _run(optim_module, zeros, make, steps: int, optimizer_name: str = "SGD") -> numpy.ndarray:
    optimizer = _optimizer(optim_module, zeros, optimizer_name)
    scheduler = make(optim_module.lr_scheduler, optimizer)
    rows = [_record(optimizer, scheduler)]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        rows.append(_record(optimizer, scheduler))
    return numpy.array(rows, dtype=float)


def _torch_run(torch, make, steps: int, optimizer_name: str = "SGD") -> numpy.ndarray:
    return _run(torch.optim, torch.zeros, make, steps, optimizer_name)


@pytest.mark.torch
@pytest.mark.parametrize(("make", "steps"), [case[1:] for case in SCHEDULES], ids=[case[0] for case in SCHEDULES])
def test_schedule_matches_torch(torch, make, steps):
    ours = _run(optim, cr.zeros, make, steps)
    numpy.testing.assert_allclose(ours, _torch_run(torch, make, steps), rtol=1e-12, atol=0)


@pytest.mark.torch
@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_onecycle_cycles_adams_beta1_as_torch(torch, strategy):
    def make(m, o):
        return m.OneCycleLR(o, max_lr=0.01, total_steps=30, anneal_strategy=strategy, base_momentum=0.8)

    ours = _run(optim, cr.zeros, make, 30, "Adam")
    numpy.testing.assert_allclose(ours, _torch_run(torch, make, 30, "Adam"), rtol=1e-12, atol=0)
    assert ours[:, -1].min() == pytest.approx(0.8) and ours[0, -1] == pytest.approx(0.95)


@pytest.mark.parametrize(("make", "steps"), [case[1:] for case in SCHEDULES], ids=[case[0] for case in SCHEDULES])
def test_state_dict_round_trip_resumes_identically(make, steps):
    uninterrupted = _run(optim, cr.zeros, make, steps)

    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = make(lr_scheduler, optimizer)
    for _ in range(12):
        optimizer.step()
        scheduler.step()
    saved_optimizer, saved_scheduler = copy.deepcopy(optimizer.state_dict()), copy.deepcopy(scheduler.state_dict())
    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = make(lr_scheduler, optimizer)  # built before loading, as in PyTorch: its first step sets the lr
    optimizer.load_state_dict(saved_optimizer)
    scheduler.load_state_dict(saved_scheduler)
    rows = [_record(optimizer, scheduler)]
    for _ in range(steps - 12):
        optimizer.step()
        scheduler.step()
        rows.append(_record(optimizer, scheduler))
    numpy.testing.assert_array_equal(numpy.array(rows), uninterrupted[12:])


def test_scheduler_state_dict_holds_everything_but_the_optimizer():
    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = lr_scheduler.StepLR(optimizer, step_size=3)
    state = scheduler.state_dict()
    assert "optimizer" not in state
    assert state["last_epoch"] == 0 and state["base_lrs"] == [0.1, 0.05] and state["step_size"] == 3
    assert [group["initial_lr"] for group in optimizer.param_groups] == [0.1, 0.05]


def test_lambda_state_dict_saves_callable_objects_but_not_functions():
    class Decay:
        def __init__(self) -> None:
            self.rate = 0.5

        def __call__(self, epoch: int) -> float:
            return self.rate**epoch

    optimizer = _optimizer(optim, cr.zeros, "SGD")
    decay = Decay()
    scheduler = lr_scheduler.LambdaLR(optimizer, [decay, lambda epoch: 1.0])
    decay.rate = 0.25
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.25}, None]
    other_decay = Decay()
    lr_scheduler.LambdaLR(_optimizer(optim, cr.zeros, "SGD"), [other_decay, lambda epoch: 1.0]).load_state_dict(state)
    assert other_decay.rate == 0.25


METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.79, 0.85, 0.9, 0.9, 0.7,
           0.7, 0.71, 0.72, 0.73, 0.74, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5]
PLATEAU_OPTIONS = [
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "threshold": 0.05, "threshold_mode": "abs"},
    {"mode": "max", "patience": 1, "factor": 0.5, "cooldown": 2},
    {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.0},
    {"patience": 0, "factor": 0.5, "min_lr": [0.01, 0.04]},
    {"patience": 0, "factor": 0.9, "min_lr": 0.02, "eps": 0.004},
]


def _plateau_run(optim_module, zeros, options: dict, metrics: list) -> numpy.ndarray:
    optimizer = _optimizer(optim_module, zeros, "SGD")
    scheduler = optim_module.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    rows = [_record(optimizer, scheduler)]
    for metric in metrics:
        optimizer.step()
        scheduler.step(metric)
        rows.append([*_record(optimizer, scheduler), scheduler.num_bad_epochs, scheduler.cooldown_counter])
    return numpy.array(rows[1:], dtype=float)


@pytest.mark.torch
@pytest.mark.parametrize("options", PLATEAU_OPTIONS, ids=lambda options: "-".join(map(str, options.values())))
def test_reduce_on_plateau_matches_torch(torch, options):
    ours = _plateau_run(optim, cr.zeros, options, METRICS)
    theirs = _plateau_run(torch.optim, torch.zeros, options, METRICS)
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert ours[-1, 0] < 0.1  # every configuration reduces at least once on this sequence


def test_reduce_on_plateau_reads_a_tensor_metric_and_resumes_from_its_state_dict():
    uninterrupted = _plateau_run(optim, cr.zeros, {"patience": 1, "cooldown": 1}, METRICS)
    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1, cooldown=1)
    for metric in METRICS[:10]:
        scheduler.step(cr.tensor(metric, dtype=cr.float64))
    saved_optimizer, saved_scheduler = copy.deepcopy(optimizer.state_dict()), copy.deepcopy(scheduler.state_dict())
    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer)
    optimizer.load_state_dict(saved_optimizer)
    scheduler.load_state_dict(saved_scheduler)
    rows = []
    for metric in METRICS[10:]:
        scheduler.step(metric)
        rows.append([*_record(optimizer, scheduler), scheduler.num_bad_epochs, scheduler.cooldown_counter])
    numpy.testing.assert_array_equal(numpy.array(rows), uninterrupted[10:])


def test_onecycle_refuses_to_step_past_total_steps():
    scheduler = lr_scheduler.OneCycleLR(_optimizer(optim, cr.zeros, "SGD"), max_lr=0.1, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match=r"^Tried to step 4 times\. The specified number of total steps is 3$"):
        scheduler.step()


def _other_optimizers_scheduler(optimizer):
    return lr_scheduler.StepLR(_optimizer(optim, cr.zeros, "SGD"), 3)


def _adagrad():
    return optim.Adagrad([cr.zeros(2, requires_grad=True)])


SGD_ERRORS = [  # (factory(optimizer), error, message) on a fresh two-group SGD
    (lambda o: lr_scheduler.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
    (lambda o: lr_scheduler.StepLR(o, 3, last_epoch=4), KeyError,
     "param 'initial_lr' is not specified in param_groups[0] when resuming a scheduler with last_epoch=4"),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got 0"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1, got 1.5"),
    (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda o: lr_scheduler.SequentialLR(o, [], []), ValueError, "SequentialLR expects at least one scheduler"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]), ValueError,
     "SequentialLR expects one milestone fewer than schedulers, but got 1 schedulers and 1 milestones"),
    (lambda o: lr_scheduler.SequentialLR(o, [_other_optimizers_scheduler(o)], []), ValueError,
     "SequentialLR expects all schedulers to belong to the same optimizer, but the StepLR at index 0 has a different"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], []), ValueError,
     "SequentialLR does not support ReduceLROnPlateau (at index 0)"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, epochs=0, steps_per_epoch=3), ValueError,
     "Expected positive integer epochs, but got 0"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=1.5), ValueError,
     "Expected positive integer steps_per_epoch, but got 1.5"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=9, pct_start=1.5), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1.5"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=9, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got 'exp'"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.1], total_steps=9), ValueError,
     "max_lr must have the same length as optimizer.param_groups. max_lr has 1 values, param_groups has 2."),
    (lambda o: lr_scheduler.OneCycleLR(_adagrad(), max_lr=0.1, total_steps=9), ValueError,
     "optimizer must support momentum or beta1 with `cycle_momentum` option enabled; Adagrad has neither"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0, got 1.0"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode 'avg' is unknown; use 'min' or 'max'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"), ValueError,
     "threshold mode 'x' is unknown; use 'rel' or 'abs'"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
]


@pytest.mark.parametrize(("make", "error", "message"), SGD_ERRORS)
def test_invalid_arguments_raise(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make(_optimizer(optim, cr.zeros, "SGD"))


def test_reduce_on_plateau_with_per_group_min_lr_refuses_an_added_group():
    optimizer = _optimizer(optim, cr.zeros, "SGD")
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=[0.0, 0.0])
    optimizer.add_param_group({"params": [cr.zeros(1, requires_grad=True)]})
    scheduler.step(1.0)
    with pytest.raises(RuntimeError, match=re.escape("The optimizer has 3 param groups but ReduceLROnPlateau was")):
        scheduler.step(2.0)
