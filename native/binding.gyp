# seedsweep's own addon over TensorFlow's C API: runs a whole training step as one graph session
# (grappler and oneDNN rewrite it like Keras' tf.function), built by scripts/native-tf.sh against the
# libtensorflow unpacked from PyPI's wheel. `tf_root` holds include/ and lib/.
{
  'variables': { 'tf_root%': '<(module_root_dir)/../.venv/libtensorflow' },
  'targets': [{
    'target_name': 'seedsweep_tf',
    'sources': ['seedsweep_tf.cc'],
    'include_dirs': ['<(tf_root)/include'],
    'cflags_cc': ['-std=c++17', '-O2'],
    'defines': ['NAPI_VERSION=8'],
    'libraries': ['-Wl,-rpath,<(tf_root)/lib', '-L<(tf_root)/lib', '-ltensorflow', '-ltensorflow_framework'],
  }],
}
