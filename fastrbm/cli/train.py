"""``fastrbm train``, ``fastrbm sample`` and ``fastrbm evaluate``."""
import time

import numpy as np

from ..models.dbn import UP_DOWN_EPOCHS

from .common import (
    add_backend_option, add_data_options, add_training_options, check_backend, check_output_path, finish_training,
    fit_interruptibly, fraction, history_rows, int_list, load_data, load_model, non_negative_float, positive_int, say,
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


def _train(model, args, fit, what, epochs=None):
    start = time.perf_counter()
    stopped = fit_interruptibly(fit, f"training {what} on the {model.backend} backend ({epochs or args.epochs} "
                                     "epochs max; Ctrl-C stops and saves)")
    seconds = time.perf_counter() - start
    say(f"trained {len(history_rows(model.history_))} epochs in {seconds:.1f} s" + (" (interrupted)" if stopped else ""))
    return stopped


def cmd_train_mlp(args):
    backend, X, y = _prepare(args)
    from ..models.dbn_classifier import DBNClassifier
    from ..models.mlp import MLP

    validation = args.validation_size
    pretrain = {"pretrain_epochs": args.pretrain_epochs} if args.pretrain_epochs else {}
    model = (DBNClassifier if pretrain else MLP)(args.layers, **pretrain, optimizer=args.optimizer, learning_rate=args.learning_rate, momentum=args.momentum,
                batch_size=args.batch_size, n_epochs=args.epochs, weight_decay=args.weight_decay,
                max_norm=args.max_norm, dropout=args.dropout, input_dropout=args.input_dropout,
                early_stopping=validation > 0, validation_size=int(validation) if validation >= 1 else validation,
                patience=args.patience, dtype=args.dtype, backend=backend, random_state=args.seed,
                verbose=not args.quiet)
    layers = "-".join(str(s) for s in (X.shape[1], *args.layers, 10))
    what = f"a {layers} MLP" + (f" ({args.pretrain_epochs} epochs of DBN pretraining first)" if pretrain else "")
    stopped = _train(model, args, lambda: model.fit(X, y), what)
    if not stopped:
        error, n = _test_error(model, args)
        say(f"test error: {error:.2%} on {n:,} test digits")
    return finish_training(model, args, stopped)


def cmd_train_rbm(args):
    backend, X, _ = _prepare(args)
    from ..models.rbm import RBM

    for path in (args.samples, args.filters):
        if path:
            check_output_path(path)
    X_val = load_data(args.data, "test", args.n_val)[0] if args.n_val else None
    model = RBM(args.hidden, learning_rate=args.learning_rate, batch_size=args.batch_size, n_epochs=args.epochs,
                k=args.k, persistent=args.persistent, momentum=args.momentum, final_momentum=args.final_momentum,
                momentum_switch_epoch=args.momentum_switch_epoch, weight_decay=args.weight_decay, dtype=args.dtype,
                backend=backend, random_state=args.seed, verbose=not args.quiet)
    method = f"{'PCD' if args.persistent else 'CD'}-{args.k}"
    stopped = _train(model, args, lambda: model.fit(X, X_val=X_val), f"a {X.shape[1]}-{args.hidden} RBM ({method})")
    say(f"reconstruction error: {model.history_[-1]['reconstruction_error']:.4f}")
    if args.samples:
        say(f"samples: {model.save_samples_png(args.samples, n=100, n_steps=args.gibbs_steps)}")
    if args.filters:
        say(f"filters: {model.save_filters_png(args.filters, n=100)}")
    return finish_training(model, args, stopped)


def cmd_train_dbn(args):
    backend, X, y = _prepare(args)
    from ..models.dbn import DBN

    model = DBN((X.shape[1], *args.layers), n_labels=args.labels, learning_rate=args.learning_rate,
                n_epochs=args.epochs, batch_size=args.batch_size, k=args.k, weight_decay=args.weight_decay,
                up_down_epochs=0,  # up-down is the --up-down-epochs step below, with its own Ctrl-C handling
                dtype=args.dtype, backend=backend, random_state=args.seed, verbose=not args.quiet)
    sizes = "-".join(str(s) for s in (X.shape[1], *args.layers))
    say(f"pretraining a {sizes} DBN{' with ' + str(args.labels) + ' label units' if args.labels else ''} "
        f"layer by layer ({args.epochs} epochs each; Ctrl-C here aborts without saving)")
    model.fit(X, y if args.labels else None)
    stopped = False
    if args.up_down_epochs:
        stopped = _train(model, args, lambda: model.fine_tune(X, y if args.labels else None,
                                                              n_epochs=args.up_down_epochs, k=model.up_down_k,
                                                              learning_rate=model.up_down_learning_rate),
                         "with up-down fine-tuning", epochs=args.up_down_epochs)
    if args.labels and not stopped:
        error, n = _test_error(model, args)
        say(f"test error (free-energy classification): {error:.2%} on {n:,} test digits")
    return finish_training(model, args, stopped)


def cmd_sample(args):
    check_backend(args.backend)
    check_output_path(args.out)
    kind, model = load_model(args.model, backend=args.backend)
    if args.label is not None and not getattr(model, "n_labels", 0):
        raise ValueError(f"--label needs a DBN trained with labels; {args.model} holds a model of kind {kind}")
    if kind == "RBM":
        model.save_samples_png(args.out, n=args.n, n_steps=args.steps)
    elif kind == "DBN":
        from ..plotting import save_image_grid

        save_image_grid(args.out, model.sample(args.n, label=args.label, n_steps=args.steps))
    else:
        raise ValueError(f"{args.model}: models of kind {kind} cannot generate samples")
    say(f"{args.n} samples from {kind} {args.model} ({args.steps} Gibbs steps): {args.out}")
    return 0


def _evaluate_rbm(model, args):
    X_test = load_data(args.data, "test", args.n_test)[0]
    X_train = load_data(args.data, "train", args.n_train)[0]
    say(f"reconstruction error on {len(X_test):,} test digits: {np.mean((model.reconstruct(X_test) - X_test) ** 2):.4f}")
    say(f"AIS: {args.ais_runs} runs x {args.ais_betas} temperatures ...")
    log_z, std = model.log_partition("ais", n_betas=args.ais_betas, n_runs=args.ais_runs, base_data=X_train,
                                     return_std=True)
    say(f"log Z = {log_z:.2f} +- {std:.2f}")
    ll = model.log_likelihood(X_test, log_z=log_z)
    say(f"average test log-likelihood: {ll:.2f} nats per digit (AIS estimate)")


def cmd_evaluate(args):
    check_backend(args.backend)
    kind, model = load_model(args.model, backend=args.backend)
    if kind == "RBM":
        _evaluate_rbm(model, args)
    elif hasattr(model, "score"):
        error, n = _test_error(model, args)
        say(f"{kind} {args.model}: test error {error:.2%} on {n:,} test digits")
    else:
        raise ValueError(f"{args.model}: cannot evaluate models of kind {kind}")
    return 0


def register_train(train_sub):
    """Add ``train rbm`` and ``train mlp`` to the ``train`` sub-parsers."""
    p = train_sub.add_parser("rbm", help="a Bernoulli RBM trained with CD-k or PCD-k",
                             description="Train a Bernoulli RBM on MNIST intensities (used as probabilities).")
    p.add_argument("--hidden", type=positive_int, default=500, help="hidden units (default 500)")
    p.add_argument("--learning-rate", type=non_negative_float, default=0.1, help="default 0.1")
    p.add_argument("-k", "--k", type=positive_int, default=1, help="Gibbs steps per update (default 1)")
    p.add_argument("--persistent", action="store_true", help="PCD: persistent negative chains")
    p.add_argument("--momentum", type=fraction, default=0.5, help="initial momentum (default 0.5)")
    p.add_argument("--final-momentum", type=fraction, default=0.9, help="momentum later on (default 0.9)")
    p.add_argument("--momentum-switch-epoch", type=int, default=5, help="epoch of the switch (default 5)")
    p.add_argument("--weight-decay", type=non_negative_float, default=2e-4, help="L2 penalty on W (default 2e-4)")
    p.add_argument("--n-val", type=int, default=1000, metavar="N",
                   help="test digits monitored each epoch in the history (default 1000; 0: none)")
    p.add_argument("--samples", metavar="PNG", help="also draw 100 samples into this PNG")
    p.add_argument("--filters", metavar="PNG", help="also draw 100 learned filters into this PNG")
    p.add_argument("--gibbs-steps", type=positive_int, default=1000, help="Gibbs steps for --samples (default 1000)")
    add_training_options(p, epochs=10)
    p.set_defaults(func=cmd_train_rbm)

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
    p.add_argument("--pretrain-epochs", type=int, default=0, metavar="N",
                   help="first pretrain the layers as a DBN for N epochs each (DBNClassifier; default 0: none)")
    add_training_options(p, epochs=50)
    p.set_defaults(func=cmd_train_mlp)

    p = train_sub.add_parser("dbn", help="a deep belief net: greedy RBM pretraining, optional up-down fine-tuning",
                             description="Train a DBN generatively on MNIST, with a labelled top level by default "
                                         "(then 'fastrbm sample MODEL --label 7' draws sevens).")
    p.add_argument("--layers", type=int_list, default=(500, 500, 2000), help="hidden layer sizes (default 500,500,2000)")
    p.add_argument("--labels", type=int, default=10, help="label units in the top RBM (default 10; 0: unlabelled)")
    p.add_argument("--learning-rate", type=non_negative_float, default=0.1, help="pretraining rate (default 0.1)")
    p.add_argument("-k", "--k", type=positive_int, default=1, help="Gibbs steps per CD update (default 1)")
    p.add_argument("--weight-decay", type=non_negative_float, default=2e-4, help="L2 penalty (default 2e-4)")
    p.add_argument("--up-down-epochs", type=int, default=UP_DOWN_EPOCHS,
                   help=f"wake-sleep fine-tuning epochs, CD-10 at the top (default {UP_DOWN_EPOCHS}, as fastrbm.DBN; "
                        "0: pretraining only)")
    add_training_options(p, epochs=10)
    p.set_defaults(func=cmd_train_dbn)


def register(sub):
    """Add ``sample`` and ``evaluate`` to the top-level sub-parsers."""
    p = sub.add_parser("sample", help="draw generated digits from a saved RBM or DBN into a PNG grid",
                       description="Run Gibbs chains of a saved generative model and save the digits as a PNG.")
    p.add_argument("model", metavar="MODEL", help="a model file written by 'fastrbm train ... --save'")
    p.add_argument("--out", default="samples.png", help="PNG to write (default samples.png)")
    p.add_argument("-n", "--n", type=positive_int, default=100, help="number of samples (default 100)")
    p.add_argument("--steps", type=positive_int, default=1000, help="Gibbs steps per chain (default 1000)")
    p.add_argument("--label", type=int, default=None, help="digit class to generate (DBN trained with labels)")
    add_backend_option(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("evaluate", help="test error of a classifier, AIS log-likelihood of an RBM",
                       description="Evaluate a saved model on the MNIST test split.")
    p.add_argument("model", metavar="MODEL", help="a model file written by 'fastrbm train ... --save'")
    add_backend_option(p)
    add_data_options(p, n_help="RBM: training digits whose marginals set the AIS base model (default: all)")
    p.add_argument("--n-test", type=positive_int, default=None, metavar="N", help="RBM: first N test digits only")
    p.add_argument("--ais-runs", type=positive_int, default=100, help="RBM: AIS runs (default 100)")
    p.add_argument("--ais-betas", type=positive_int, default=14500,
                   help="RBM: AIS intermediate temperatures (default 14500, as Salakhutdinov & Murray 2008)")
    p.set_defaults(func=cmd_evaluate)
