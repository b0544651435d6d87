"""Keras on TensorFlow-CPU (PyPI): the peer of bench/peer.ts, trained the way seedsweep trains.

    .venv/bin/python scripts/peer_keras.py --threads 1 --images 2048 --epochs 3 [--models fc,cnn3,cnn5] [--repeat 1]
    .venv/bin/python scripts/peer_keras.py --params-only [--models ...]   # build, print counts, no training

Models: the study's three (fc, cnn3, cnn5: src/models/image-classifier/architectures.ts) and the twins
of the user models in bench/peer-models.ts (cnn3-user, resnet-user, sepcnn-user), layer for layer.
Random images and labels (throughput does not depend on the values), batch 64, Adam 1e-3, sparse
categorical cross-entropy on softmax outputs. Prints one JSON line per model with the last epoch's
images/s and its parameter count. Threads: TensorFlow's intra-op and inter-op pools are both set to
--threads before any op runs, so 1 means one core.
"""
import argparse
import json
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--images", type=int, default=2048)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--models", default="fc,cnn3,cnn5")
parser.add_argument("--repeat", type=int, default=1, help="train every model this many times, interleaved")
parser.add_argument("--jit", default="auto", choices=["auto", "on", "off"])
parser.add_argument("--params-only", action="store_true", help="build each model and print its parameter count")
args = parser.parse_args()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)


# Every weight, as model.count_params() counts them (batch norm's moving statistics included), checked
# when a model is built: tests/unit/bench/peer-models.test.ts checks seedsweep's twins against these.
PARAMETERS = {
    "fc": 1_707_274,
    "cnn3": 315_722,
    "cnn5": 259_914,
    "cnn3-user": 315_722,
    "resnet-user": 78_714,
    "sepcnn-user": 48_938,
}


def conv_bn(x, filters: int, kernel_size: int, strides: int = 1):
    """Convolution (no bias: the batch norm's beta replaces it), then batch normalisation."""
    x = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False)(x)
    return keras.layers.BatchNormalization()(x)


def residual(x, filters: int, strides: int):
    """relu(conv_bn(relu(conv_bn(x))) + shortcut): a 1x1 projection when the stride or channels change."""
    y = conv_bn(keras.layers.ReLU()(conv_bn(x, filters, 3, strides)), filters, 3)
    shortcut = x if strides == 1 and x.shape[-1] == filters else conv_bn(x, filters, 1, strides)
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def resnet() -> keras.Model:
    """bench/peer-models.ts resnetUser: stem conv 16, blocks of 16, 32 (stride 2), 64 (stride 2), GAP."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.ReLU()(conv_bn(inputs, 16, 3))
    for filters, strides in [(16, 1), (32, 2), (64, 2)]:
        x = residual(x, filters, strides)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def build(name: str) -> keras.Model:
    if name == "resnet-user":
        return resnet()
    if name == "fc":
        layers = [
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
        ]
    elif name == "sepcnn-user":
        # bench/peer-models.ts sepcnnUser.
        layers = [
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.SeparableConv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.SeparableConv2D(128, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.SeparableConv2D(256, 3, padding="same", activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
        ]
    elif name in ("cnn3", "cnn5", "cnn3-user"):
        k = 5 if name == "cnn5" else 3
        layers = [
            keras.layers.Conv2D(32, k, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, k, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
        ]
    else:
        raise SystemExit(f"unknown model {name}; use {', '.join(PARAMETERS)}")
    return keras.Sequential([keras.Input((32, 32, 3)), *layers, keras.layers.Dense(10, activation="softmax")])


def checked_build(name: str) -> keras.Model:
    model = build(name)
    if model.count_params() != PARAMETERS[name]:
        raise SystemExit(f"{name}: {model.count_params()} parameters, PARAMETERS says {PARAMETERS[name]}")
    return model


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.started


if args.params_only:
    for name in args.models.split(","):
        print(json.dumps({"model": name, "params": checked_build(name).count_params()}), flush=True)
    raise SystemExit(0)

rng = np.random.default_rng(0)
x = rng.random((args.images, 32, 32, 3), dtype=np.float32)
y = rng.integers(0, 10, args.images).astype(np.int32)
jit = {"auto": "auto", "on": True, "off": False}[args.jit]
for name in args.models.split(",") * args.repeat:
    keras.utils.set_random_seed(0)
    model = checked_build(name)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit,
    )
    timer = EpochTimer()
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, shuffle=True, verbose=0, callbacks=[timer])
    print(
        json.dumps(
            {
                "model": name,
                "threads": args.threads,
                "jit": str(model.jit_compile),
                "images": args.images,
                "epochs": args.epochs,
                "lastEpochSeconds": timer.seconds,
                "imagesPerSecond": args.images / timer.seconds,
                "params": model.count_params(),
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
            }
        ),
        flush=True,
    )
