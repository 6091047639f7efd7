// The few entries of ONNX Runtime's C API that engine_bench uses, declared by hand: Debian ships
// no ONNX Runtime headers, and npm's onnxruntime-node carries only libonnxruntime.so. The layout
// follows the public `onnxruntime_c_api.h` (struct OrtApi is an append-only table of function
// pointers, so an entry's index never changes across versions); unused entries are padding.
// Positions are checked by static_assert here and at run time by a CreateStatus/GetErrorMessage
// round trip (OrtRuntime::Open) before anything else is called.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

struct OrtEnv;
struct OrtStatus;
struct OrtMemoryInfo;
struct OrtSession;
struct OrtSessionOptions;
struct OrtValue;
struct OrtRunOptions;
struct OrtTensorTypeAndShapeInfo;

// ONNXTensorElementDataType / OrtAllocatorType / OrtMemType / GraphOptimizationLevel values used.
inline constexpr int kOrtFloat = 1;
inline constexpr int kOrtArenaAllocator = 1;
inline constexpr int kOrtMemTypeDefault = 0;
inline constexpr int kOrtEnableAll = 99;
inline constexpr int kOrtLoggingWarning = 2;
inline constexpr int kOrtFail = 1;

struct OrtApi {
  OrtStatus* (*CreateStatus)(int code, const char* msg);                    // 0
  int (*GetErrorCode)(const OrtStatus* status);                              // 1
  const char* (*GetErrorMessage)(const OrtStatus* status);                   // 2
  OrtStatus* (*CreateEnv)(int log_level, const char* log_id, OrtEnv** out);  // 3
  void* unused_4_6[3];
  OrtStatus* (*CreateSession)(const OrtEnv* env, const char* model_path, const OrtSessionOptions* options,
                              OrtSession** out);  // 7
  void* unused_8;
  OrtStatus* (*Run)(OrtSession* session, const OrtRunOptions* run_options, const char* const* input_names,
                    const OrtValue* const* inputs, size_t input_len, const char* const* output_names,
                    size_t output_names_len, OrtValue** outputs);  // 9
  OrtStatus* (*CreateSessionOptions)(OrtSessionOptions** out);     // 10
  void* unused_11_22[12];
  OrtStatus* (*SetSessionGraphOptimizationLevel)(OrtSessionOptions* options, int level);  // 23
  OrtStatus* (*SetIntraOpNumThreads)(OrtSessionOptions* options, int n);                  // 24
  OrtStatus* (*SetInterOpNumThreads)(OrtSessionOptions* options, int n);                  // 25
  void* unused_26_48[23];
  OrtStatus* (*CreateTensorWithDataAsOrtValue)(const OrtMemoryInfo* info, void* data, size_t data_len,
                                               const int64_t* shape, size_t shape_len, int type,
                                               OrtValue** out);  // 49
  void* unused_50;
  OrtStatus* (*GetTensorMutableData)(OrtValue* value, void** out);  // 51
  void* unused_52_63[12];
  OrtStatus* (*GetTensorShapeElementCount)(const OrtTensorTypeAndShapeInfo* info, size_t* out);  // 64
  OrtStatus* (*GetTensorTypeAndShape)(const OrtValue* value, OrtTensorTypeAndShapeInfo** out);   // 65
  void* unused_66_68[3];
  OrtStatus* (*CreateCpuMemoryInfo)(int allocator_type, int mem_type, OrtMemoryInfo** out);  // 69
  void* unused_70_91[22];
  void (*ReleaseEnv)(OrtEnv* p);                  // 92
  void (*ReleaseStatus)(OrtStatus* p);            // 93
  void (*ReleaseMemoryInfo)(OrtMemoryInfo* p);    // 94
  void (*ReleaseSession)(OrtSession* p);          // 95
  void (*ReleaseValue)(OrtValue* p);              // 96
  void* unused_97_98[2];
  void (*ReleaseTensorTypeAndShapeInfo)(OrtTensorTypeAndShapeInfo* p);  // 99
  void (*ReleaseSessionOptions)(OrtSessionOptions* p);                  // 100
};

struct OrtApiBase {
  const OrtApi* (*GetApi)(uint32_t version);
  const char* (*GetVersionString)();
};

}  // extern "C"

#define SERVAL_ORT_AT(member, index) static_assert(offsetof(OrtApi, member) == (index) * sizeof(void*), #member)
SERVAL_ORT_AT(CreateEnv, 3);
SERVAL_ORT_AT(CreateSession, 7);
SERVAL_ORT_AT(Run, 9);
SERVAL_ORT_AT(CreateSessionOptions, 10);
SERVAL_ORT_AT(SetSessionGraphOptimizationLevel, 23);
SERVAL_ORT_AT(SetIntraOpNumThreads, 24);
SERVAL_ORT_AT(CreateTensorWithDataAsOrtValue, 49);
SERVAL_ORT_AT(GetTensorMutableData, 51);
SERVAL_ORT_AT(GetTensorShapeElementCount, 64);
SERVAL_ORT_AT(CreateCpuMemoryInfo, 69);
SERVAL_ORT_AT(ReleaseEnv, 92);
SERVAL_ORT_AT(ReleaseValue, 96);
SERVAL_ORT_AT(ReleaseSessionOptions, 100);
#undef SERVAL_ORT_AT
