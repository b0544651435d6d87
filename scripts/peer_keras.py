"""Keras on TensorFlow-CPU (PyPI): the study's three models, trained the way seedsweep trains them.

    .venv/bin/python scripts/peer_keras.py --threads 1 --images 2048 --epochs 3 [--models fc,cnn3,cnn5]

Random images and labels (throughput does not depend on the values), batch 64, Adam 1e-3, sparse
categorical cross-entropy on softmax outputs. Prints one JSON line per model with the last epoch's
images/s. Threads: TensorFlow's intra-op and inter-op pools are both set to --threads before any op
runs, so 1 means one core.
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
parser.add_argument("--jit", default="auto", choices=["auto", "on", "off"])
args = parser.parse_args()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)


def build(name: str) -> keras.Model:
    if name == "fc":
        layers = [
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
        ]
    else:
        k = 3 if name == "cnn3" else 5
        layers = [
            keras.layers.Conv2D(32, k, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, k, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
        ]
    return keras.Sequential([keras.Input((32, 32, 3)), *layers, keras.layers.Dense(10, activation="softmax")])


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.started


rng = np.random.default_rng(0)
x = rng.random((args.images, 32, 32, 3), dtype=np.float32)
y = rng.integers(0, 10, args.images).astype(np.int32)
jit = {"auto": "auto", "on": True, "off": False}[args.jit]
for name in args.models.split(","):
    keras.utils.set_random_seed(0)
    model = build(name)
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
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
            }
        ),
        flush=True,
    )
