"""nnkit: reference implementations for the course *How neural networks learn*.

Modules (one concern each):

- ``nnkit.activations``     sigmoid, tanh, ReLU family, ELU, softmax, maxout and derivatives
- ``nnkit.costs``           quadratic, cross-entropy and log-likelihood costs (``fn`` / ``delta``)
- ``nnkit.regularization``  L1 / L2 penalties, gradients and update rules
- ``nnkit.dropout``         inverted dropout forward / backward
- ``nnkit.init``            weight initializers and their variances
- ``nnkit.optim``           SGD and momentum
- ``nnkit.network``         a mini-batch-vectorised multilayer perceptron
- ``nnkit.neuron``          the single sigmoid neuron of chapter 01 (step, trajectory)
- ``nnkit.propagation``     forward/backward statistics through a deep stack (chapter 06)
- ``nnkit.depth``           gradient norms per layer, dead units (chapter 03)
- ``nnkit.thinned``         dropout variance and thinned-network ensembles (chapter 05)
- ``nnkit.concepts``        the registry: one kernel per formula, by concept name
- ``nnkit.data``            offline real digits (MNIST 5k, 8x8 digits, full MNIST from local files)
- ``nnkit.gradcheck``       centred finite differences and relative error
- ``nnkit.checks``          student-facing feedback (hint ladders)
- ``nnkit.widgets``         interactive explorers for the notebooks
- ``nnkit.course``          instructor tooling (``nnkit build``, ``nnkit verify``, ``nnkit grade``)

Conventions: rows are examples (``X`` has shape ``(N, D)``), costs are means over the
batch, randomness only through an explicit ``numpy.random.Generator`` or seed.
"""

__version__ = "0.1.0"
