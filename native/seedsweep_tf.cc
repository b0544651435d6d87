// seedsweep_tf: a graph session over TensorFlow's C API, for Node (N-API).
//
// Why by hand: tfjs-node runs one eager op at a time, so no graph optimisation (op fusion, oneDNN
// layouts) ever happens and a training step costs several times Keras' tf.function step. This addon
// takes a serialised GraphDef (built in TypeScript: src/training/graph/), opens a session on it and runs
// named fetches and targets with fed tensors. That is all; the graph itself knows the model.
//
//   version() -> string                                   TF_Version()
//   open(graphDef: Uint8Array, config: Uint8Array) -> session   (config: serialised ConfigProto)
//   run(session, feeds: [name, dtype, shape, data][], fetches: string[], targets: string[])
//     -> { dtype, shape, data }[]                         data copied into new typed arrays
//   close(session)                                        closes the session and frees its graph
//
// A graph can also be assembled in steps before its session starts (the model compiler does: forward
// pass and loss, then TensorFlow's own gradients, then the optimiser's updates that consume them):
//   graph() -> session                                    an empty graph, no session yet
//   importGraph(session, graphDef, inputMap: [src, dst][], controlMap: [src, dstOp][], device?: string)
//     nodes of graphDef may use outputs it does not define: each `src` ("node:k") is mapped to the
//     existing `dst`, and control inputs "^src" to the existing op `dstOp`; device, when given and
//     not empty, is set on every imported node that has none
//   addGradients(session, prefix, ys: string[], xs: string[]) -> (string | null)[]
//     TF_AddGradientsWithPrefix: names of d(sum ys)/d(x) for each x, from TensorFlow's C++
//     gradient registry (null: no gradient flows to x, e.g. through StopGradient); throws naming
//     the op when one has no registered gradient, and when an x is unreachable from the ys.
//     ReluGrad / Relu6Grad read the activation's output, as Python's gradients do (see
//     GradientsReadActivationOutputs: it lets grappler fuse the forward Relu)
//   outputShape(session, name) -> number[] | null        static shape (-1 unknown; null unknown rank)
//   graphDef(session) -> Uint8Array                       the graph as assembled (serialised GraphDef)
//   start(session, config)                                opens the session on the graph as it is
//
// Names are "op" or "op:index". dtype is TF_DataType (1 float, 3 int32, 9 int64). Runs are
// synchronous on the calling thread, which is the trial's own worker thread.
#include <node_api.h>
#include <tensorflow/c/c_api.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Session {
  TF_Graph* graph = nullptr;
  TF_Session* session = nullptr;
};

#define CHECK_NAPI(env, call)                                    \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error((env), nullptr, "seedsweep_tf: " #call); \
      return nullptr;                                            \
    }                                                            \
  } while (0)

napi_value ThrowStatus(napi_env env, const char* what, TF_Status* status) {
  std::string message = std::string(what) + ": " + TF_Message(status);
  napi_throw_error(env, "E_TF_GRAPH", message.c_str());
  return nullptr;
}

bool GetString(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length);
  return napi_get_value_string_utf8(env, value, out->data(), length + 1, &length) == napi_ok;
}

bool GetBytes(napi_env env, napi_value value, void** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) == napi_ok;
}

// Splits "op" or "op:index" into the op name and output index; false when the index is not a number
// (no exceptions: they must not cross the N-API boundary).
bool SplitName(const std::string& name, std::string* op, int* index) {
  *op = name;
  *index = 0;
  size_t colon = name.rfind(':');
  if (colon == std::string::npos) return true;
  const std::string digits = name.substr(colon + 1);
  if (digits.empty() || digits.size() > 6) return false;
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  *op = name.substr(0, colon);
  *index = std::atoi(digits.c_str());
  return true;
}

// "op" or "op:index" to a TF_Output of the graph; false when the op or that output does not exist.
bool FindOutput(TF_Graph* graph, const std::string& name, TF_Output* out) {
  std::string op;
  int index = 0;
  if (!SplitName(name, &op, &index)) return false;
  TF_Operation* operation = TF_GraphOperationByName(graph, op.c_str());
  if (operation == nullptr || index >= TF_OperationNumOutputs(operation)) return false;
  *out = TF_Output{operation, index};
  return true;
}

void FinalizeSession(napi_env, void* data, void*) {
  auto* s = static_cast<Session*>(data);
  TF_Status* status = TF_NewStatus();
  if (s->session != nullptr) {
    TF_CloseSession(s->session, status);
    TF_DeleteSession(s->session, status);
  }
  if (s->graph != nullptr) TF_DeleteGraph(s->graph);
  TF_DeleteStatus(status);
  delete s;
}

Session* GetSession(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, nullptr, "seedsweep_tf: expected a session");
    return nullptr;
  }
  auto* s = static_cast<Session*>(data);
  if (s->session == nullptr) {
    napi_throw_error(env, nullptr, "seedsweep_tf: the session is closed or not started");
    return nullptr;
  }
  return s;
}

napi_value Version(napi_env env, napi_callback_info) {
  napi_value result;
  CHECK_NAPI(env, napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &result));
  return result;
}

napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void* graph_bytes;
  size_t graph_length;
  void* config_bytes;
  size_t config_length;
  if (argc < 2 || !GetBytes(env, argv[0], &graph_bytes, &graph_length) ||
      !GetBytes(env, argv[1], &config_bytes, &config_length)) {
    napi_throw_type_error(env, nullptr, "seedsweep_tf.open(graphDef: Uint8Array, config: Uint8Array)");
    return nullptr;
  }
  auto* s = new Session();
  s->graph = TF_NewGraph();
  TF_Status* status = TF_NewStatus();
  TF_Buffer* buffer = TF_NewBufferFromString(graph_bytes, graph_length);
  TF_ImportGraphDefOptions* import_options = TF_NewImportGraphDefOptions();
  TF_GraphImportGraphDef(s->graph, buffer, import_options, status);
  TF_DeleteImportGraphDefOptions(import_options);
  TF_DeleteBuffer(buffer);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "importing the training graph", status);
    TF_DeleteStatus(status);
    FinalizeSession(env, s, nullptr);
    return ignored;
  }
  TF_SessionOptions* options = TF_NewSessionOptions();
  TF_SetConfig(options, config_bytes, config_length, status);
  if (TF_GetCode(status) == TF_OK) s->session = TF_NewSession(s->graph, options, status);
  TF_DeleteSessionOptions(options);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "opening a TensorFlow session", status);
    TF_DeleteStatus(status);
    FinalizeSession(env, s, nullptr);
    return ignored;
  }
  TF_DeleteStatus(status);
  napi_value result;
  CHECK_NAPI(env, napi_create_external(env, s, FinalizeSession, nullptr, &result));
  return result;
}

size_t DtypeSize(TF_DataType dtype) { return TF_DataTypeSize(dtype); }

napi_typedarray_type ArrayType(TF_DataType dtype, bool* ok) {
  *ok = true;
  switch (dtype) {
    case TF_FLOAT:
      return napi_float32_array;
    case TF_INT32:
      return napi_int32_array;
    case TF_INT64:
      return napi_bigint64_array;
    case TF_BOOL:
    case TF_UINT8:
      return napi_uint8_array;
    default:
      *ok = false;
      return napi_uint8_array;
  }
}

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 4) {
    napi_throw_type_error(env, nullptr, "seedsweep_tf.run(session, feeds, fetches, targets)");
    return nullptr;
  }
  Session* s = GetSession(env, argv[0]);
  if (s == nullptr) return nullptr;

  std::vector<TF_Output> inputs;
  std::vector<TF_Tensor*> input_values;
  std::vector<TF_Output> outputs;
  std::vector<TF_Operation*> targets;
  auto cleanup = [&]() {
    for (TF_Tensor* t : input_values) TF_DeleteTensor(t);
  };
  auto fail = [&](const std::string& message) -> napi_value {
    cleanup();
    napi_throw_error(env, "E_TF_GRAPH", message.c_str());
    return nullptr;
  };

  uint32_t count = 0;
  CHECK_NAPI(env, napi_get_array_length(env, argv[1], &count));
  for (uint32_t i = 0; i < count; i++) {
    napi_value feed, name_value, dtype_value, shape_value, data_value;
    CHECK_NAPI(env, napi_get_element(env, argv[1], i, &feed));
    CHECK_NAPI(env, napi_get_element(env, feed, 0, &name_value));
    CHECK_NAPI(env, napi_get_element(env, feed, 1, &dtype_value));
    CHECK_NAPI(env, napi_get_element(env, feed, 2, &shape_value));
    CHECK_NAPI(env, napi_get_element(env, feed, 3, &data_value));
    std::string name;
    int32_t dtype = 0;
    if (!GetString(env, name_value, &name) || napi_get_value_int32(env, dtype_value, &dtype) != napi_ok)
      return fail("seedsweep_tf.run: feed " + std::to_string(i) + " must be [name, dtype, shape, data]");
    TF_Output output;
    if (!FindOutput(s->graph, name, &output)) return fail("seedsweep_tf.run: no graph node '" + name + "' to feed");
    uint32_t rank = 0;
    CHECK_NAPI(env, napi_get_array_length(env, shape_value, &rank));
    std::vector<int64_t> dims(rank);
    size_t elements = 1;
    for (uint32_t d = 0; d < rank; d++) {
      napi_value dim;
      int64_t size = 0;
      CHECK_NAPI(env, napi_get_element(env, shape_value, d, &dim));
      CHECK_NAPI(env, napi_get_value_int64(env, dim, &size));
      dims[d] = size;
      elements *= static_cast<size_t>(size);
    }
    void* data;
    size_t length;
    napi_typedarray_type type;
    napi_value buffer;
    size_t offset;
    if (napi_get_typedarray_info(env, data_value, &type, &length, &data, &buffer, &offset) != napi_ok)
      return fail("seedsweep_tf.run: feed '" + name + "' data must be a typed array");
    size_t bytes = elements * DtypeSize(static_cast<TF_DataType>(dtype));
    size_t element_bytes = 1;
    switch (type) {
      case napi_float32_array:
      case napi_int32_array:
      case napi_uint32_array:
        element_bytes = 4;
        break;
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array:
        element_bytes = 8;
        break;
      case napi_int16_array:
      case napi_uint16_array:
        element_bytes = 2;
        break;
      default:
        element_bytes = 1;
    }
    if (length * element_bytes != bytes)
      return fail("seedsweep_tf.run: feed '" + name + "' has " + std::to_string(length * element_bytes) +
                  " bytes for a shape of " + std::to_string(bytes));
    TF_Tensor* tensor = TF_AllocateTensor(static_cast<TF_DataType>(dtype), dims.data(), static_cast<int>(rank), bytes);
    if (bytes > 0) std::memcpy(TF_TensorData(tensor), data, bytes);
    inputs.push_back(output);
    input_values.push_back(tensor);
  }

  CHECK_NAPI(env, napi_get_array_length(env, argv[2], &count));
  for (uint32_t i = 0; i < count; i++) {
    napi_value value;
    std::string name;
    CHECK_NAPI(env, napi_get_element(env, argv[2], i, &value));
    TF_Output output;
    if (!GetString(env, value, &name) || !FindOutput(s->graph, name, &output))
      return fail("seedsweep_tf.run: no graph node '" + name + "' to fetch");
    outputs.push_back(output);
  }
  CHECK_NAPI(env, napi_get_array_length(env, argv[3], &count));
  for (uint32_t i = 0; i < count; i++) {
    napi_value value;
    std::string name;
    CHECK_NAPI(env, napi_get_element(env, argv[3], i, &value));
    TF_Operation* operation = nullptr;
    if (GetString(env, value, &name)) operation = TF_GraphOperationByName(s->graph, name.c_str());
    if (operation == nullptr) return fail("seedsweep_tf.run: no graph node '" + name + "' to run");
    targets.push_back(operation);
  }

  std::vector<TF_Tensor*> output_values(outputs.size(), nullptr);
  TF_Status* status = TF_NewStatus();
  TF_SessionRun(s->session, nullptr, inputs.data(), input_values.data(), static_cast<int>(inputs.size()),
                outputs.data(), output_values.data(), static_cast<int>(outputs.size()), targets.data(),
                static_cast<int>(targets.size()), nullptr, status);
  cleanup();
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "running the training graph", status);
    TF_DeleteStatus(status);
    return ignored;
  }
  TF_DeleteStatus(status);

  napi_value results;
  CHECK_NAPI(env, napi_create_array_with_length(env, output_values.size(), &results));
  for (size_t i = 0; i < output_values.size(); i++) {
    TF_Tensor* tensor = output_values[i];
    TF_DataType dtype = TF_TensorType(tensor);
    bool ok = false;
    napi_typedarray_type type = ArrayType(dtype, &ok);
    if (!ok) {
      for (TF_Tensor* t : output_values) TF_DeleteTensor(t);
      napi_throw_error(env, "E_TF_GRAPH", "seedsweep_tf.run: a fetched tensor has an unsupported dtype");
      return nullptr;
    }
    size_t bytes = TF_TensorByteSize(tensor);
    void* copy = nullptr;
    napi_value buffer, array, shape, dtype_value, result;
    CHECK_NAPI(env, napi_create_arraybuffer(env, bytes, &copy, &buffer));
    if (bytes > 0) std::memcpy(copy, TF_TensorData(tensor), bytes);
    size_t element_size = DtypeSize(dtype);
    CHECK_NAPI(env, napi_create_typedarray(env, type, bytes / (element_size == 0 ? 1 : element_size), buffer, 0,
                                           &array));
    int rank = TF_NumDims(tensor);
    CHECK_NAPI(env, napi_create_array_with_length(env, rank, &shape));
    for (int d = 0; d < rank; d++) {
      napi_value dim;
      CHECK_NAPI(env, napi_create_int64(env, TF_Dim(tensor, d), &dim));
      CHECK_NAPI(env, napi_set_element(env, shape, d, dim));
    }
    CHECK_NAPI(env, napi_create_int32(env, dtype, &dtype_value));
    CHECK_NAPI(env, napi_create_object(env, &result));
    CHECK_NAPI(env, napi_set_named_property(env, result, "dtype", dtype_value));
    CHECK_NAPI(env, napi_set_named_property(env, result, "shape", shape));
    CHECK_NAPI(env, napi_set_named_property(env, result, "data", array));
    CHECK_NAPI(env, napi_set_element(env, results, i, result));
    TF_DeleteTensor(tensor);
  }
  return results;
}

napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  void* data = nullptr;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == nullptr) return nullptr;
  auto* s = static_cast<Session*>(data);
  // The graph goes too (its constants can be large); the external itself is freed by the GC.
  TF_Status* status = TF_NewStatus();
  if (s->session != nullptr) {
    TF_CloseSession(s->session, status);
    TF_DeleteSession(s->session, status);
    s->session = nullptr;
  }
  if (s->graph != nullptr) {
    TF_DeleteGraph(s->graph);
    s->graph = nullptr;
  }
  TF_DeleteStatus(status);
  return nullptr;
}


// Reads a JS array of strings.
bool GetStringArray(napi_env env, napi_value value, std::vector<std::string>* out) {
  bool is_array = false;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array) return false;
  uint32_t count = 0;
  if (napi_get_array_length(env, value, &count) != napi_ok) return false;
  out->resize(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, value, i, &element) != napi_ok || !GetString(env, element, &(*out)[i])) return false;
  }
  return true;
}

// Reads a JS array of [string, string] pairs.
bool GetPairs(napi_env env, napi_value value, std::vector<std::pair<std::string, std::string>>* out) {
  bool is_array = false;
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array) return false;
  uint32_t count = 0;
  if (napi_get_array_length(env, value, &count) != napi_ok) return false;
  out->resize(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value pair, first, second;
    if (napi_get_element(env, value, i, &pair) != napi_ok || napi_get_element(env, pair, 0, &first) != napi_ok ||
        napi_get_element(env, pair, 1, &second) != napi_ok || !GetString(env, first, &(*out)[i].first) ||
        !GetString(env, second, &(*out)[i].second))
      return false;
  }
  return true;
}

// A graph without a session yet (run/close refuse it until start()).
Session* GetGraph(napi_env env, napi_value value) {
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) {
    napi_throw_type_error(env, nullptr, "seedsweep_tf: expected a graph");
    return nullptr;
  }
  auto* s = static_cast<Session*>(data);
  if (s->graph == nullptr) {
    napi_throw_error(env, nullptr, "seedsweep_tf: the graph is closed");
    return nullptr;
  }
  return s;
}

napi_value NewGraph(napi_env env, napi_callback_info) {
  auto* s = new Session();
  s->graph = TF_NewGraph();
  napi_value result;
  CHECK_NAPI(env, napi_create_external(env, s, FinalizeSession, nullptr, &result));
  return result;
}

napi_value ImportGraph(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  const char* usage = "seedsweep_tf.importGraph(graph, graphDef: Uint8Array, inputMap: [src, dst][], controlMap: [src, dst][], device?: string)";
  if (argc < 4) {
    napi_throw_type_error(env, nullptr, usage);
    return nullptr;
  }
  Session* s = GetGraph(env, argv[0]);
  if (s == nullptr) return nullptr;
  if (s->session != nullptr) {
    napi_throw_error(env, nullptr, "seedsweep_tf.importGraph: the session has started; import before start()");
    return nullptr;
  }
  void* bytes;
  size_t length;
  std::vector<std::pair<std::string, std::string>> inputs, controls;
  std::string device;
  if (!GetBytes(env, argv[1], &bytes, &length) || !GetPairs(env, argv[2], &inputs) ||
      !GetPairs(env, argv[3], &controls) || (argc >= 5 && !GetString(env, argv[4], &device))) {
    napi_throw_type_error(env, nullptr, usage);
    return nullptr;
  }
  TF_ImportGraphDefOptions* options = TF_NewImportGraphDefOptions();
  auto fail = [&](const std::string& message) -> napi_value {
    TF_DeleteImportGraphDefOptions(options);
    napi_throw_error(env, "E_TF_GRAPH", message.c_str());
    return nullptr;
  };
  for (const auto& [src, dst] : inputs) {
    TF_Output output;
    if (!FindOutput(s->graph, dst, &output)) return fail("seedsweep_tf.importGraph: no graph node '" + dst + "' to map '" + src + "' to");
    std::string op;
    int index = 0;
    if (!SplitName(src, &op, &index)) return fail("seedsweep_tf.importGraph: '" + src + "' is not a tensor name");
    TF_ImportGraphDefOptionsAddInputMapping(options, op.c_str(), index, output);
  }
  for (const auto& [src, dst] : controls) {
    TF_Operation* operation = TF_GraphOperationByName(s->graph, dst.c_str());
    if (operation == nullptr) return fail("seedsweep_tf.importGraph: no graph op '" + dst + "' to map '^" + src + "' to");
    TF_ImportGraphDefOptionsRemapControlDependency(options, src.c_str(), operation);
  }
  if (!device.empty()) TF_ImportGraphDefOptionsSetDefaultDevice(options, device.c_str());
  TF_Status* status = TF_NewStatus();
  TF_Buffer* buffer = TF_NewBufferFromString(bytes, length);
  TF_GraphImportGraphDef(s->graph, buffer, options, status);
  TF_DeleteBuffer(buffer);
  TF_DeleteImportGraphDefOptions(options);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "importing a graph", status);
    TF_DeleteStatus(status);
    return ignored;
  }
  TF_DeleteStatus(status);
  return nullptr;
}

// TensorFlow's C++ gradients of Relu and Relu6 read the activation's input (Python's read its
// output). Both give the same result (relu(x) > 0 exactly when x > 0, and 0 < relu6(x) < 6 exactly
// when 0 < x < 6), but reading the input keeps the pre-activation alive for the backward pass, so
// grappler cannot fuse Conv2D/MatMul + BiasAdd + Relu into one kernel. Rewire the gradient ops that
// `prefix` added to read the activation's output instead, as Python's graphs do.
void GradientsReadActivationOutputs(TF_Graph* graph, const std::string& prefix, TF_Status* status) {
  size_t pos = 0;
  std::vector<TF_Input> consumers;
  for (TF_Operation* op; (op = TF_GraphNextOperation(graph, &pos)) != nullptr;) {
    const std::string type = TF_OperationOpType(op);
    if ((type != "ReluGrad" && type != "Relu6Grad") || std::string(TF_OperationName(op)).rfind(prefix + "/", 0) != 0)
      continue;
    const std::string activation = type.substr(0, type.size() - 4);  // "Relu" or "Relu6"
    const TF_Input features{op, 1};
    const TF_Output x = TF_OperationInput(features);
    consumers.resize(TF_OperationOutputNumConsumers(x));
    const int count = TF_OperationOutputConsumers(x, consumers.data(), static_cast<int>(consumers.size()));
    for (int i = 0; i < count; i++) {
      if (activation != TF_OperationOpType(consumers[i].oper)) continue;
      TF_UpdateEdge(graph, TF_Output{consumers[i].oper, 0}, features, status);
      if (TF_GetCode(status) != TF_OK) return;
      break;
    }
  }
}

napi_value AddGradients(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  const char* usage = "seedsweep_tf.addGradients(graph, prefix: string, ys: string[], xs: string[])";
  std::string prefix;
  std::vector<std::string> y_names, x_names;
  if (argc < 4) {
    napi_throw_type_error(env, nullptr, usage);
    return nullptr;
  }
  Session* s = GetGraph(env, argv[0]);
  if (s == nullptr) return nullptr;
  if (!GetString(env, argv[1], &prefix) || !GetStringArray(env, argv[2], &y_names) ||
      !GetStringArray(env, argv[3], &x_names)) {
    napi_throw_type_error(env, nullptr, usage);
    return nullptr;
  }
  std::vector<TF_Output> ys(y_names.size()), xs(x_names.size()), dxs(x_names.size());
  for (size_t i = 0; i < y_names.size(); i++)
    if (!FindOutput(s->graph, y_names[i], &ys[i])) {
      napi_throw_error(env, "E_TF_GRAPH", ("seedsweep_tf.addGradients: no graph node '" + y_names[i] + "'").c_str());
      return nullptr;
    }
  for (size_t i = 0; i < x_names.size(); i++)
    if (!FindOutput(s->graph, x_names[i], &xs[i])) {
      napi_throw_error(env, "E_TF_GRAPH", ("seedsweep_tf.addGradients: no graph node '" + x_names[i] + "'").c_str());
      return nullptr;
    }
  TF_Status* status = TF_NewStatus();
  TF_AddGradientsWithPrefix(s->graph, prefix.c_str(), ys.data(), static_cast<int>(ys.size()), xs.data(),
                            static_cast<int>(xs.size()), nullptr, status, dxs.data());
  if (TF_GetCode(status) == TF_OK) GradientsReadActivationOutputs(s->graph, prefix, status);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "adding gradients", status);
    TF_DeleteStatus(status);
    return ignored;
  }
  TF_DeleteStatus(status);
  napi_value result;
  CHECK_NAPI(env, napi_create_array_with_length(env, dxs.size(), &result));
  for (size_t i = 0; i < dxs.size(); i++) {
    // No gradient flows to this x (StopGradient on every path): null.
    napi_value name;
    if (dxs[i].oper == nullptr) {
      CHECK_NAPI(env, napi_get_null(env, &name));
    } else {
      std::string text = std::string(TF_OperationName(dxs[i].oper)) + ":" + std::to_string(dxs[i].index);
      CHECK_NAPI(env, napi_create_string_utf8(env, text.c_str(), text.size(), &name));
    }
    CHECK_NAPI(env, napi_set_element(env, result, i, name));
  }
  return result;
}

napi_value OutputShape(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Session* s = argc >= 1 ? GetGraph(env, argv[0]) : nullptr;
  if (s == nullptr) return nullptr;
  std::string name;
  TF_Output output;
  if (argc < 2 || !GetString(env, argv[1], &name) || !FindOutput(s->graph, name, &output)) {
    napi_throw_error(env, "E_TF_GRAPH", ("seedsweep_tf.outputShape: no graph node '" + name + "'").c_str());
    return nullptr;
  }
  TF_Status* status = TF_NewStatus();
  int rank = TF_GraphGetTensorNumDims(s->graph, output, status);
  napi_value result;
  if (TF_GetCode(status) != TF_OK || rank < 0) {
    TF_DeleteStatus(status);
    CHECK_NAPI(env, napi_get_null(env, &result));
    return result;
  }
  std::vector<int64_t> dims(rank);
  TF_GraphGetTensorShape(s->graph, output, dims.data(), rank, status);
  TF_DeleteStatus(status);
  CHECK_NAPI(env, napi_create_array_with_length(env, rank, &result));
  for (int d = 0; d < rank; d++) {
    napi_value dim;
    CHECK_NAPI(env, napi_create_int64(env, dims[d], &dim));
    CHECK_NAPI(env, napi_set_element(env, result, d, dim));
  }
  return result;
}

napi_value GraphDef(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Session* s = argc >= 1 ? GetGraph(env, argv[0]) : nullptr;
  if (s == nullptr) return nullptr;
  TF_Buffer* buffer = TF_NewBuffer();
  TF_Status* status = TF_NewStatus();
  TF_GraphToGraphDef(s->graph, buffer, status);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "serialising the graph", status);
    TF_DeleteStatus(status);
    TF_DeleteBuffer(buffer);
    return ignored;
  }
  TF_DeleteStatus(status);
  void* copy = nullptr;
  napi_value bytes, result;
  napi_status made = napi_create_arraybuffer(env, buffer->length, &copy, &bytes);
  if (made == napi_ok && buffer->length > 0) std::memcpy(copy, buffer->data, buffer->length);
  const size_t length = buffer->length;
  TF_DeleteBuffer(buffer);
  CHECK_NAPI(env, made);
  CHECK_NAPI(env, napi_create_typedarray(env, napi_uint8_array, length, bytes, 0, &result));
  return result;
}

napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK_NAPI(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Session* s = argc >= 1 ? GetGraph(env, argv[0]) : nullptr;
  if (s == nullptr) return nullptr;
  void* config_bytes;
  size_t config_length;
  if (argc < 2 || !GetBytes(env, argv[1], &config_bytes, &config_length)) {
    napi_throw_type_error(env, nullptr, "seedsweep_tf.start(graph, config: Uint8Array)");
    return nullptr;
  }
  if (s->session != nullptr) {
    napi_throw_error(env, nullptr, "seedsweep_tf.start: the session has already started");
    return nullptr;
  }
  TF_Status* status = TF_NewStatus();
  TF_SessionOptions* options = TF_NewSessionOptions();
  TF_SetConfig(options, config_bytes, config_length, status);
  if (TF_GetCode(status) == TF_OK) s->session = TF_NewSession(s->graph, options, status);
  TF_DeleteSessionOptions(options);
  if (TF_GetCode(status) != TF_OK) {
    napi_value ignored = ThrowStatus(env, "opening a TensorFlow session", status);
    TF_DeleteStatus(status);
    return ignored;
  }
  TF_DeleteStatus(status);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"graph", nullptr, NewGraph, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"importGraph", nullptr, ImportGraph, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addGradients", nullptr, AddGradients, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"outputShape", nullptr, OutputShape, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"graphDef", nullptr, GraphDef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties) != napi_ok)
    return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
