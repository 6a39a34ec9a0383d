"""`RecurrentSequential`: passes on a recurrent layer's output (not its state), the last step where asked, and
keeps a plain Sequential's state_dict keys."""

from __future__ import annotations

import numpy
import pytest

import chainrule as cr
from chainrule import nn
from tests.conftest import to_numpy


@pytest.mark.parametrize("batch_first", [True, False])
def test_last_step_takes_the_last_time_step_of_the_named_layer(batch_first):
    model = nn.RecurrentSequential(nn.LSTM(3, 4, batch_first=batch_first), nn.Linear(4, 2), last_step={"0"})
    x = cr.randn(5, 7, 3)  # (N, L, H) with batch_first, else (L, N, H)
    output, _ = model[0](x)
    last = output[:, -1] if batch_first else output[-1]
    numpy.testing.assert_allclose(to_numpy(model(x)), to_numpy(model[1](last)), rtol=1e-6)
    assert model(x).shape == ((5, 2) if batch_first else (7, 2))


def test_without_last_step_every_step_is_passed_on_and_the_state_stays_behind():
    model = nn.RecurrentSequential(nn.GRU(3, 4, batch_first=True), nn.Linear(4, 1))
    assert model(cr.randn(2, 6, 3)).shape == (2, 6, 1)
    cell = nn.RecurrentSequential(nn.LSTMCell(3, 4), nn.Linear(4, 1))  # LSTMCell returns (h, c)
    assert cell(cr.randn(2, 3)).shape == (2, 1)


def test_state_dict_keys_are_a_plain_sequentials():
    model = nn.RecurrentSequential(nn.LSTM(3, 4), nn.Linear(4, 2), last_step={"0"})
    plain = nn.Sequential(nn.LSTM(3, 4), nn.Linear(4, 2))
    assert list(model.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(model.state_dict())
    assert "last_step=['0']" in repr(model)


def test_last_step_must_name_one_of_its_modules():
    with pytest.raises(ValueError) as caught:
        nn.RecurrentSequential(nn.LSTM(3, 4), nn.Linear(4, 2), last_step={"2"})
    assert str(caught.value) == "RecurrentSequential: last_step names ['2'], which are not among its modules ['0', '1']"
