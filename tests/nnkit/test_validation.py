"""Bad input is rejected with the right exception and a message that starts with the name of
the offending argument (``"z: expected ..."``), for every public function of activations,
costs, regularization, dropout, init, optim and gradcheck.

The last test makes sure the table stays complete: every public function (and class) of those
modules needs at least one TypeError case and one ValueError case here.
"""

import inspect

import numpy as np
import pytest

from nnkit import activations as act
from nnkit import costs, dropout, gradcheck, init, optim
from nnkit import regularization as reg

NAN = np.array([[0.1, np.nan]])
INF = np.array([[np.inf, 0.2]])
Z = np.zeros((2, 3))
P = np.full((2, 3), 0.5)
Y = np.eye(3)[[0, 2]]
W = np.ones((3, 2))
F32 = np.ones(3, dtype=np.float32)

CASES = []  # (target, id, thunk, exception, argument name)


def case(target, name, thunk, exc, arg):
    CASES.append(pytest.param(target, thunk, exc, arg, id=f"{target}-{name}"))


# --------------------------------------------------------------------------- activations

ELEMENTWISE = ["sigmoid", "sigmoid_prime", "tanh", "tanh_prime", "relu", "relu_prime", "leaky_relu",
               "leaky_relu_prime", "elu", "elu_prime", "linear", "linear_prime", "prelu", "prelu_prime",
               "softmax", "log_softmax", "logsumexp"]
for fname in ELEMENTWISE:
    fn = getattr(act, fname)
    extra = (0.1,) if fname.startswith("prelu") else ()
    case(fname, "str", lambda fn=fn, extra=extra: fn("abc", *extra), TypeError, "z")
    case(fname, "none", lambda fn=fn, extra=extra: fn(None, *extra), TypeError, "z")
    case(fname, "list_of_str", lambda fn=fn, extra=extra: fn(["a", "b"], *extra), TypeError, "z")
    case(fname, "nan", lambda fn=fn, extra=extra: fn(NAN, *extra), ValueError, "z")
    case(fname, "inf", lambda fn=fn, extra=extra: fn(INF, *extra), ValueError, "z")
for fname in ["softmax", "log_softmax", "logsumexp"]:
    fn = getattr(act, fname)
    case(fname, "3d", lambda fn=fn: fn(np.zeros((2, 2, 2))), ValueError, "z")
for fname in ["leaky_relu", "leaky_relu_prime", "elu", "elu_prime"]:
    fn = getattr(act, fname)
    case(fname, "alpha_str", lambda fn=fn: fn(Z, alpha="0.1"), TypeError, "alpha")
    case(fname, "alpha_negative", lambda fn=fn: fn(Z, alpha=-0.1), ValueError, "alpha")
    case(fname, "alpha_nan", lambda fn=fn: fn(Z, alpha=float("nan")), ValueError, "alpha")
for fname in ["prelu", "prelu_prime"]:
    fn = getattr(act, fname)
    case(fname, "alpha_wrong_shape", lambda fn=fn: fn(Z, np.ones(4)), ValueError, "alpha")
    case(fname, "alpha_none", lambda fn=fn: fn(Z, None), TypeError, "alpha")
    case(fname, "alpha_nan", lambda fn=fn: fn(Z, np.array([0.1, np.nan, 0.1])), ValueError, "alpha")
    case(fname, "alpha_2d", lambda fn=fn: fn(Z, np.ones((2, 3))), ValueError, "alpha")
case("prelu_alpha_grad", "upstream_shape", lambda: act.prelu_alpha_grad(Z, 0.1, np.ones((3, 2))), ValueError, "upstream")
case("prelu_alpha_grad", "upstream_none", lambda: act.prelu_alpha_grad(Z, 0.1, None), TypeError, "upstream")
case("prelu_alpha_grad", "z_str", lambda: act.prelu_alpha_grad("z", 0.1, Z), TypeError, "z")
case("prelu_alpha_grad", "alpha_inf", lambda: act.prelu_alpha_grad(Z, float("inf"), Z), ValueError, "alpha")
case("softmax_jvp", "a_outside", lambda: act.softmax_jvp(P + 1, Z), ValueError, "a")
case("softmax_jvp", "v_shape", lambda: act.softmax_jvp(P, np.zeros((3, 2))), ValueError, "v")
case("softmax_jvp", "v_none", lambda: act.softmax_jvp(P, None), TypeError, "v")
case("softmax_jvp", "a_str", lambda: act.softmax_jvp("a", Z), TypeError, "a")
XM, WM, BM = np.ones((4, 3)), np.ones((2, 3, 5)), np.zeros((2, 5))
case("maxout_forward", "x_1d", lambda: act.maxout_forward(np.ones(3), WM, BM), ValueError, "x")
case("maxout_forward", "W_mismatch", lambda: act.maxout_forward(XM, np.ones((2, 4, 5)), BM), ValueError, "W")
case("maxout_forward", "b_shape", lambda: act.maxout_forward(XM, WM, np.zeros((3, 5))), ValueError, "b")
case("maxout_forward", "W_none", lambda: act.maxout_forward(XM, None, BM), TypeError, "W")
case("maxout_forward", "x_nan", lambda: act.maxout_forward(np.full((4, 3), np.nan), WM, BM), ValueError, "x")
_, CACHE = act.maxout_forward(XM, WM, BM)
case("maxout_backward", "dout_shape", lambda: act.maxout_backward(np.ones((4, 4)), CACHE), ValueError, "dout")
case("maxout_backward", "cache_none", lambda: act.maxout_backward(np.ones((4, 5)), None), TypeError, "cache")
case("maxout_backward", "dout_str", lambda: act.maxout_backward("d", CACHE), TypeError, "dout")
case("get_activation", "int", lambda: act.get_activation(3), TypeError, "name_or_obj")
case("get_activation", "unknown", lambda: act.get_activation("swish"), ValueError, "name_or_obj")

# --------------------------------------------------------------------------- costs

PLAIN = {
    "quadratic_cost": ("a", P, P),
    "mse": ("a", P, P),
    "binary_cross_entropy": ("a", P, P),
    "binary_cross_entropy_from_logits": ("z", Z, P),
    "log_likelihood": ("a", P, Y),
    "softmax_cross_entropy_from_logits": ("z", Z, Y),
}
for fname, (first, good_a, good_y) in PLAIN.items():
    fn = getattr(costs, fname)
    case(fname, "a_str", lambda fn=fn, y=good_y: fn("abc", y), TypeError, first)
    case(fname, "a_none", lambda fn=fn, y=good_y: fn(None, y), TypeError, first)
    case(fname, "y_none", lambda fn=fn, a=good_a: fn(a, None), TypeError, "y")
    case(fname, "y_shape", lambda fn=fn, a=good_a, y=good_y: fn(a, y[:, :2]), ValueError, "y")
    case(fname, "y_transposed", lambda fn=fn, a=good_a, y=good_y: fn(a, y.T), ValueError, "y")
    case(fname, "a_nan", lambda fn=fn, y=good_y: fn(np.where(P > 0, np.nan, 0), y), ValueError, first)
    case(fname, "y_inf", lambda fn=fn, a=good_a, y=good_y: fn(a, np.where(y >= 0, np.inf, 0)), ValueError, "y")
    case(fname, "a_1d", lambda fn=fn: fn(np.full(3, 0.5), np.full(3, 0.5)), ValueError, first)
for fname in ["binary_cross_entropy", "log_likelihood"]:
    fn = getattr(costs, fname)
    y = PLAIN[fname][2]
    case(fname, "a_above_1", lambda fn=fn, y=y: fn(P + 0.6, y), ValueError, "a")
    case(fname, "a_negative", lambda fn=fn, y=y: fn(P - 0.6, y), ValueError, "a")
case("binary_cross_entropy", "y_outside", lambda: costs.binary_cross_entropy(P, P + 1), ValueError, "y")
case("binary_cross_entropy_from_logits", "y_outside", lambda: costs.binary_cross_entropy_from_logits(Z, P - 1), ValueError, "y")
case("log_likelihood", "y_not_one_hot", lambda: costs.log_likelihood(P, P), ValueError, "y")
case("softmax_cross_entropy_from_logits", "y_not_one_hot", lambda: costs.softmax_cross_entropy_from_logits(Z, 2 * Y), ValueError, "y")
case("QuadraticCost", "output_unknown", lambda: costs.QuadraticCost("relu"), ValueError, "output")
case("QuadraticCost", "output_none", lambda: costs.QuadraticCost(None), TypeError, "output")
case("QuadraticCost", "delta_z_none", lambda: costs.QuadraticCost().delta(None, P, P), TypeError, "z")
case("QuadraticCost", "delta_z_shape", lambda: costs.QuadraticCost().delta(np.zeros((3, 2)), P, P), ValueError, "z")
case("QuadraticCost", "delta_y_shape", lambda: costs.QuadraticCost("linear").delta(Z, P, np.ones((2, 2))), ValueError, "y")
case("CrossEntropyCost", "delta_a_outside", lambda: costs.CrossEntropyCost().delta(Z, P + 1, P), ValueError, "a")
case("CrossEntropyCost", "delta_y_str", lambda: costs.CrossEntropyCost().delta(Z, P, "y"), TypeError, "y")
case("CrossEntropyCost", "fn_a_outside", lambda: costs.CrossEntropyCost().fn(P + 1, P), ValueError, "a")
case("LogLikelihoodCost", "delta_not_one_hot", lambda: costs.LogLikelihoodCost().delta(Z, P, P), ValueError, "y")
case("LogLikelihoodCost", "delta_a_none", lambda: costs.LogLikelihoodCost().delta(Z, None, Y), TypeError, "a")
case("LogLikelihoodCost", "delta_a_nan", lambda: costs.LogLikelihoodCost().delta(Z, P * np.nan, Y), ValueError, "a")
case("get_cost", "int", lambda: costs.get_cost(3), TypeError, "name_or_obj")
case("get_cost", "unknown", lambda: costs.get_cost("hinge"), ValueError, "name_or_obj")

# --------------------------------------------------------------------------- regularization

for fname in ["l2_penalty", "l1_penalty"]:
    fn = getattr(reg, fname)
    case(fname, "bare_array", lambda fn=fn: fn(W, 1.0, 10), TypeError, "weights")
    case(fname, "none", lambda fn=fn: fn(None, 1.0, 10), TypeError, "weights")
    case(fname, "nan_entry", lambda fn=fn: fn([W, NAN], 1.0, 10), ValueError, r"weights\[1\]")
    case(fname, "str_entry", lambda fn=fn: fn(["w"], 1.0, 10), TypeError, r"weights\[0\]")
for fname in ["l2_penalty", "l1_penalty", "l2_grad", "l1_grad"]:
    fn = getattr(reg, fname)
    w = [W] if fname.endswith("penalty") else W
    case(fname, "lmbda_negative", lambda fn=fn, w=w: fn(w, -1.0, 10), ValueError, "lmbda")
    case(fname, "lmbda_str", lambda fn=fn, w=w: fn(w, "1", 10), TypeError, "lmbda")
    case(fname, "lmbda_nan", lambda fn=fn, w=w: fn(w, float("nan"), 10), ValueError, "lmbda")
    case(fname, "n_zero", lambda fn=fn, w=w: fn(w, 1.0, 0), ValueError, "n")
    case(fname, "n_float", lambda fn=fn, w=w: fn(w, 1.0, 2.5), TypeError, "n")
    case(fname, "n_none", lambda fn=fn, w=w: fn(w, 1.0, None), TypeError, "n")
for fname in ["l2_grad", "l1_grad"]:
    fn = getattr(reg, fname)
    case(fname, "W_none", lambda fn=fn: fn(None, 1.0, 10), TypeError, "W")
    case(fname, "W_inf", lambda fn=fn: fn(INF, 1.0, 10), ValueError, "W")
for fname in ["weight_decay_update", "l1_update"]:
    fn = getattr(reg, fname)
    case(fname, "grad_shape", lambda fn=fn: fn(W, W.T, 0.1, 1.0, 10), ValueError, "grad")
    case(fname, "W_none", lambda fn=fn: fn(None, W, 0.1, 1.0, 10), TypeError, "W")
    case(fname, "grad_nan", lambda fn=fn: fn(W, W * np.nan, 0.1, 1.0, 10), ValueError, "grad")
    case(fname, "eta_negative", lambda fn=fn: fn(W, W, -0.1, 1.0, 10), ValueError, "eta")
    case(fname, "eta_str", lambda fn=fn: fn(W, W, "0.1", 1.0, 10), TypeError, "eta")
    case(fname, "n_zero", lambda fn=fn: fn(W, W, 0.1, 1.0, 0), ValueError, "n")
    case(fname, "lmbda_none", lambda fn=fn: fn(W, W, 0.1, None, 10), TypeError, "lmbda")

for cls in ["L2", "L1"]:
    C = getattr(reg, cls)
    case(cls, "lmbda_negative", lambda C=C: C(-1.0), ValueError, "lmbda")
    case(cls, "lmbda_str", lambda C=C: C("1"), TypeError, "lmbda")
    case(cls, "penalty_n_zero", lambda C=C: C(1.0).penalty([W], 0), ValueError, "n")
    case(cls, "penalty_weights_array", lambda C=C: C(1.0).penalty(W, 10), TypeError, "weights")
    case(cls, "gradient_W_none", lambda C=C: C(1.0).gradient(None, 10), TypeError, "W")

# --------------------------------------------------------------------------- dropout

for kp in [0.0, -0.2, 1.5, float("nan"), float("inf")]:
    case("dropout_forward", f"keep_prob_{kp}", lambda kp=kp: dropout.dropout_forward(P, kp, 0), ValueError, "keep_prob")
case("dropout_forward", "keep_prob_str", lambda: dropout.dropout_forward(P, "0.5", 0), TypeError, "keep_prob")
case("dropout_forward", "keep_prob_none", lambda: dropout.dropout_forward(P, None, 0), TypeError, "keep_prob")
case("dropout_forward", "rng_none", lambda: dropout.dropout_forward(P, 0.5, None), TypeError, "rng")
case("dropout_forward", "rng_str", lambda: dropout.dropout_forward(P, 0.5, "seed"), TypeError, "rng")
case("dropout_forward", "rng_legacy", lambda: dropout.dropout_forward(P, 0.5, np.random.RandomState(0)), TypeError, "rng")
case("dropout_forward", "x_nan", lambda: dropout.dropout_forward(NAN, 0.5, 0), ValueError, "x")
case("dropout_forward", "x_none", lambda: dropout.dropout_forward(None, 0.5, 0), TypeError, "x")
case("dropout_forward", "train_str", lambda: dropout.dropout_forward(P, 0.5, 0, train="yes"), TypeError, "train")
case("dropout_forward", "test_time_keep_prob", lambda: dropout.dropout_forward(P, 2.0, 0, train=False), ValueError, "keep_prob")
case("dropout_backward", "mask_shape", lambda: dropout.dropout_backward(P, np.ones((3, 2))), ValueError, "mask")
case("dropout_backward", "dout_str", lambda: dropout.dropout_backward("d", None), TypeError, "dout")
case("dropout_backward", "dout_nan", lambda: dropout.dropout_backward(NAN, None), ValueError, "dout")
case("dropout_backward", "mask_str", lambda: dropout.dropout_backward(P, "mask"), TypeError, "mask")

# --------------------------------------------------------------------------- init

for fname in init.INITIALIZERS:
    fn = getattr(init, fname)
    case(fname, "n_in_zero", lambda fn=fn: fn(0, 3, 0), ValueError, "n_in")
    case(fname, "n_out_negative", lambda fn=fn: fn(3, -1, 0), ValueError, "n_out")
    case(fname, "n_out_float", lambda fn=fn: fn(3, 2.0, 0), TypeError, "n_out")
    case(fname, "n_in_none", lambda fn=fn: fn(None, 2, 0), TypeError, "n_in")
    case(fname, "rng_str", lambda fn=fn: fn(3, 2, "seed"), TypeError, "rng")
    if fname != "zeros":
        case(fname, "rng_none", lambda fn=fn: fn(3, 2, None), TypeError, "rng")
case("get_initializer", "int", lambda: init.get_initializer(3), TypeError, "name")
case("get_initializer", "unknown", lambda: init.get_initializer("glorot"), ValueError, "name")

# --------------------------------------------------------------------------- optim


def _momentum_changed_shapes():
    opt = optim.Momentum(0.1, 0.9)
    opt.step([np.ones(3)], [np.ones(3)])
    opt.step([np.ones(4)], [np.ones(4)])


case("SGD", "eta_negative", lambda: optim.SGD(-0.1), ValueError, "eta")
case("SGD", "eta_str", lambda: optim.SGD("0.1"), TypeError, "eta")
case("SGD", "params_bare_array", lambda: optim.SGD(0.1).step(np.ones(3), [np.ones(3)]), TypeError, "params")
case("SGD", "grads_length", lambda: optim.SGD(0.1).step([np.ones(3)], []), ValueError, "grads")
case("SGD", "grads_shape", lambda: optim.SGD(0.1).step([np.ones(3)], [np.ones(4)]), ValueError, r"grads\[0\]")
case("SGD", "grads_nan", lambda: optim.SGD(0.1).step([np.ones(2)], [np.array([1.0, np.nan])]), ValueError, r"grads\[0\]")
case("SGD", "params_int", lambda: optim.SGD(0.1).step([np.ones(3, dtype=int)], [np.ones(3)]), TypeError, r"params\[0\]")
case("SGD", "params_list", lambda: optim.SGD(0.1).step([[1.0, 2.0]], [np.ones(2)]), TypeError, r"params\[0\]")
case("Momentum", "mu_one", lambda: optim.Momentum(0.1, mu=1.0), ValueError, "mu")
case("Momentum", "mu_negative", lambda: optim.Momentum(0.1, mu=-0.5), ValueError, "mu")
case("Momentum", "mu_none", lambda: optim.Momentum(0.1, mu=None), TypeError, "mu")
case("Momentum", "eta_nan", lambda: optim.Momentum(float("nan")), ValueError, "eta")
case("Momentum", "grads_none", lambda: optim.Momentum(0.1).step([np.ones(3)], None), TypeError, "grads")
case("Momentum", "changed_shapes", _momentum_changed_shapes, ValueError, "params")

# --------------------------------------------------------------------------- gradcheck

X = np.array([0.5, -0.2])
SQ = lambda t: float(np.sum(t**2))
case("numerical_gradient", "f_not_callable", lambda: gradcheck.numerical_gradient(3, X.copy()), TypeError, "f")
case("numerical_gradient", "f_array_valued", lambda: gradcheck.numerical_gradient(lambda t: t * 2, X.copy()), ValueError, "f")
case("numerical_gradient", "x_float32", lambda: gradcheck.numerical_gradient(SQ, F32), ValueError, "x")
case("numerical_gradient", "x_str", lambda: gradcheck.numerical_gradient(SQ, "x"), TypeError, "x")
case("numerical_gradient", "h_zero", lambda: gradcheck.numerical_gradient(SQ, X.copy(), h=0.0), ValueError, "h")
case("numerical_gradient", "h_none", lambda: gradcheck.numerical_gradient(SQ, X.copy(), h=None), TypeError, "h")
case("numerical_gradient_array", "df_shape", lambda: gradcheck.numerical_gradient_array(lambda t: t, X.copy(), np.ones(3)), ValueError, "df")
case("numerical_gradient_array", "df_none", lambda: gradcheck.numerical_gradient_array(lambda t: t, X.copy(), None), TypeError, "df")
case("numerical_gradient_array", "x_nan", lambda: gradcheck.numerical_gradient_array(lambda t: t, NAN, NAN), ValueError, "x")
case("numerical_gradient_array", "f_none", lambda: gradcheck.numerical_gradient_array(None, X.copy(), X), TypeError, "f")
case("numerical_jvp", "v_shape", lambda: gradcheck.numerical_jvp(np.exp, X, np.ones(3)), ValueError, "v")
case("numerical_jvp", "v_str", lambda: gradcheck.numerical_jvp(np.exp, X, "v"), TypeError, "v")
case("numerical_jvp", "h_negative", lambda: gradcheck.numerical_jvp(np.exp, X, X, h=-1e-5), ValueError, "h")
case("rel_error", "shape", lambda: gradcheck.rel_error(np.ones(2), np.ones(3)), ValueError, "b")
case("rel_error", "a_none", lambda: gradcheck.rel_error(None, np.ones(2)), TypeError, "a")
case("rel_error", "b_nan", lambda: gradcheck.rel_error(np.ones(2), np.array([1.0, np.nan])), ValueError, "b")
case("check_gradient", "grad_shape", lambda: gradcheck.check_gradient(SQ, np.ones(3), X.copy()), ValueError, "grad")
case("check_gradient", "grad_none", lambda: gradcheck.check_gradient(SQ, None, X.copy()), TypeError, "grad")
case("assert_gradient_close", "grad_shape", lambda: gradcheck.assert_gradient_close(SQ, np.ones(3), X.copy()), ValueError, "grad")
case("assert_gradient_close", "grad_none", lambda: gradcheck.assert_gradient_close(SQ, None, X.copy()), TypeError, "grad")


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("target,thunk,exc,arg", CASES)
def test_rejects_bad_input_naming_the_argument(target, thunk, exc, arg):
    # the message must start with the argument's name, e.g. "z: expected a finite ..."
    with pytest.raises(exc, match=rf"^{arg}: expected|^{arg}: could not|^{arg}: unknown"):
        thunk()


MODULES = [act, costs, reg, dropout, init, optim, gradcheck]
NOT_VALIDATING = {"Activation"}  # a plain record type


def test_every_public_function_has_type_and_value_cases():
    covered = {}
    for p in CASES:
        target, _, exc, _ = p.values
        covered.setdefault(target, set()).add(exc)
    missing = []
    for mod in MODULES:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if name in NOT_VALIDATING or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if covered.get(name, set()) != {TypeError, ValueError}:
                missing.append(f"{mod.__name__}.{name}: {sorted(e.__name__ for e in covered.get(name, ()))}")
    assert not missing, "public callables without both a TypeError and a ValueError case:\n" + "\n".join(missing)
