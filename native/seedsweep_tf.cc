// seedsweep_tf: a graph session over TensorFlow's C API, for Node (N-API).
//
// Why by hand: tfjs-node runs one eager op at a time, so no graph optimisation (op fusion, oneDNN
// layouts) ever happens and a training step costs several times Keras' tf.function step. This addon
// takes a serialised GraphDef (built in TypeScript: engine/graph/), opens a session on it and runs
// named fetches and targets with fed tensors. That is all; the graph itself knows the model.
//
//   version() -> string                                   TF_Version()
//   open(graphDef: Uint8Array, config: Uint8Array) -> session   (config: serialised ConfigProto)
//   run(session, feeds: [name, dtype, shape, data][], fetches: string[], targets: string[])
//     -> { dtype, shape, data }[]                         data copied into new typed arrays
//   close(session)
//
// Names are "op" or "op:index". dtype is TF_DataType (1 float, 3 int32, 9 int64). Runs are
// synchronous on the calling thread, which is the trial's own worker thread.
#include <node_api.h>
#include <tensorflow/c/c_api.h>

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

// "op" or "op:index" to a TF_Output of the graph; false when the op does not exist.
bool FindOutput(TF_Graph* graph, const std::string& name, TF_Output* out) {
  std::string op = name;
  int index = 0;
  size_t colon = name.rfind(':');
  if (colon != std::string::npos) {
    op = name.substr(0, colon);
    index = std::stoi(name.substr(colon + 1));
  }
  TF_Operation* operation = TF_GraphOperationByName(graph, op.c_str());
  if (operation == nullptr) return false;
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
    napi_throw_error(env, nullptr, "seedsweep_tf: the session is closed");
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
  if (s->session != nullptr) {
    TF_Status* status = TF_NewStatus();
    TF_CloseSession(s->session, status);
    TF_DeleteSession(s->session, status);
    TF_DeleteStatus(status);
    s->session = nullptr;
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties) != napi_ok)
    return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
