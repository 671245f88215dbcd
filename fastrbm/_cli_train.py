"""``fastrbm train``, ``fastrbm sample`` and ``fastrbm evaluate``."""
import time

import numpy as np

from ._cli_common import (
    add_backend_option, add_data_options, add_training_options, check_backend, check_output_path, finish_training,
    fit_interruptibly, fraction, int_list, load_data, load_model, non_negative_float, positive_int, say,
)


def _prepare(args):
    """Backend, output paths and training data, checked before any training starts."""
    backend = check_backend(args.backend)
    for path in (args.save, args.history):
        if path:
            check_output_path(path)
    X, y, source = load_data(args.data, "train", args.n_train)
    say(f"data: {len(X):,} training digits from {source}")
    return backend, X, y


def _test_error(model, args):
    X_test, y_test, _ = load_data(args.data, "test")
    return 1.0 - model.score(X_test, y_test), len(X_test)


def _train(model, args, fit, what):
    say(f"training {what} on the {model.backend} backend ({args.epochs} epochs max; Ctrl-C stops and saves)")
    start = time.perf_counter()
    stopped = fit_interruptibly(model, fit)
    seconds = time.perf_counter() - start
    say(f"trained {len(model.history_)} epochs in {seconds:.1f} s" + (" (interrupted)" if stopped else ""))
    return stopped


def cmd_train_mlp(args):
    backend, X, y = _prepare(args)
    from .models.mlp import MLP

    validation = args.validation_size
    model = MLP(args.layers, optimizer=args.optimizer, learning_rate=args.learning_rate, momentum=args.momentum,
                batch_size=args.batch_size, n_epochs=args.epochs, weight_decay=args.weight_decay,
                max_norm=args.max_norm, dropout=args.dropout, input_dropout=args.input_dropout,
                early_stopping=validation > 0, validation_size=int(validation) if validation >= 1 else validation,
                patience=args.patience, dtype=args.dtype, backend=backend, random_state=args.seed,
                verbose=not args.quiet)
    layers = "-".join(str(s) for s in (X.shape[1], *args.layers, 10))
    stopped = _train(model, args, lambda: model.fit(X, y), f"a {layers} MLP")
    if not stopped:
        error, n = _test_error(model, args)
        say(f"test error: {error:.2%} on {n:,} test digits")
    return finish_training(model, args, stopped)


def cmd_evaluate(args):
    check_backend(args.backend)
    kind, model = load_model(args.model, backend=args.backend)
    if hasattr(model, "score"):
        error, n = _test_error(model, args)
        say(f"{kind} {args.model}: test error {error:.2%} on {n:,} test digits")
        return 0
    raise ValueError(f"{args.model}: cannot evaluate a {kind} model")


def register_train(train_sub):
    """Add ``train mlp`` (and the other model kinds) to the ``train`` sub-parsers."""
    p = train_sub.add_parser("mlp", help="a sigmoid MLP with a softmax output, trained by backprop",
                             description="Train an MLP classifier on MNIST; prints its test error.")
    p.add_argument("--layers", type=int_list, default=(500, 500, 2000), help="hidden layer sizes (default 500,500,2000)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--learning-rate", type=non_negative_float, default=0.1, help="default 0.1")
    p.add_argument("--momentum", type=fraction, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=non_negative_float, default=0.0, help="L2 penalty (default 0)")
    p.add_argument("--max-norm", type=non_negative_float, default=None, help="max L2 norm of incoming weights")
    p.add_argument("--dropout", type=fraction, default=0.0, help="hidden dropout rate (default 0)")
    p.add_argument("--input-dropout", type=fraction, default=0.0, help="input dropout rate (default 0)")
    p.add_argument("--validation-size", type=non_negative_float, default=1 / 6,
                   help="held-out rows for early stopping: a count, or a fraction < 1 (default 1/6: 10,000 of "
                        "60,000); 0 turns early stopping off")
    p.add_argument("--patience", type=positive_int, default=10, help="epochs without improvement (default 10)")
    add_training_options(p, epochs=50)
    p.set_defaults(func=cmd_train_mlp)


def register(sub):
    """Add ``sample`` and ``evaluate`` to the top-level sub-parsers."""
    p = sub.add_parser("evaluate", help="test error of a classifier, AIS log-likelihood of an RBM",
                       description="Evaluate a saved model on the MNIST test split.")
    p.add_argument("model", metavar="MODEL", help="a model file written by 'fastrbm train ... --save'")
    add_backend_option(p)
    add_data_options(p, n_help="ignored for classifiers")
    p.set_defaults(func=cmd_evaluate)
